"""Words as lexical search reads them: folded to plain ASCII, cut out of the text, stemmed."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import Stemmer

from matrixqa.textrules import STOPWORDS

_WORD = re.compile(r"[A-Za-z0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_FOLD = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "‐": "-", "‑": "-"}
_FOLDED = re.compile("[" + "".join(_FOLD) + "]")  # a regular expression finds them faster than str.translate


def fold(text: str) -> str:
    """Unicode compatibility forms, curly quotes and dashes made plain ASCII."""
    return _FOLDED.sub(lambda found: _FOLD[found.group()], unicodedata.normalize("NFKC", text))


def split_words(text: str) -> list[str]:
    """The words of a text as written (letters and digits), a possessive's "'s" left off."""
    return _WORD.findall(_POSSESSIVE.sub("", fold(text)))


def letter_words(text: str) -> list[str]:
    """The runs of letters of a text, lower case."""
    return [w.lower() for w in _LETTERS.findall(fold(text))]


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def corpus_words(texts: list[str]) -> Counter[str]:
    """Every word of the texts as written (lower case, letters only), with how often it occurs."""
    return Counter(w for text in texts for w in letter_words(text))


def meaning_words(words: Counter[str]) -> list[str]:
    """The corpus words a question's unknown word is compared with by meaning: three letters or more, no stop
    word. `build` embeds them, so that no question waits for it."""
    return sorted(w for w in words if len(w) >= 3 and w not in STOPWORDS)


_ACRONYM_PART = re.compile(r"[A-Z][a-z]*")
_JOINERS = frozenset({"of", "for", "the", "on"})


def spelt_out_beside(acronym: str, text: str) -> bool:
    """Whether the text spells the acronym out itself, in brackets after it ("SC (supervised consumption)") or
    before them ("supervised consumption (SC)"): the asker's own reading, which no phrase of the corpus replaces."""
    word = re.escape(acronym)
    after = re.search(rf"\b{word}\s*\(([^()]+)\)", text)
    if after and abbreviates(acronym, after.group(1).strip()):
        return True
    before = re.search(rf"([^()]*)\(\s*{word}\s*\)", text)
    words = re.findall(r"[\w'-]+", before.group(1)) if before else []
    return any(abbreviates(acronym, " ".join(words[-n:])) for n in range(1, min(len(words), 2 * len(acronym)) + 1))


def abbreviates(acronym: str, phrase: str) -> bool:
    """Whether an acronym abbreviates a phrase capital by capital: each capital opens a word of it (a hyphen
    parts words), and any small letters after it go on with that word; the joining words (of, for, the, on) are
    counted or passed over ("OTC": over the counter, "RCGP": Royal College of General Practitioners, "RCPsych":
    Royal College of Psychiatrists)."""
    parts = [part.lower() for part in _ACRONYM_PART.findall(acronym)]
    words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w]
    return any(
        len(these) == len(parts) and all(w.startswith(p) for w, p in zip(these, parts, strict=True))
        for these in (words, [w for w in words if w not in _JOINERS])
    )
