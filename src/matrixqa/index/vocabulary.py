"""The field's vocabulary: spelling variants, synonym groups and topics, and the file they are written in.

A vocabulary file has three sections of lines whose terms are separated by " | ": under `[spellings]`
a word's UK spelling then its other spellings (or endings: `-isation | -ization`), under `[synonyms]`
the terms of one group, under `[topics]` the names of one topic of the field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from wordfreq import zipf_frequency

from matrixqa.errors import VocabularyError
from matrixqa.index.words import abbreviates, fold, letter_words, split_words, stem

DEFAULT_VOCABULARY = "vocabulary.txt"
CONCEPT = "@"  # opens a synonym group's token, which no written word can
# Word endings a spelling variant may carry and keep ("counselors" -> "counsellors").
_ENDINGS = ("", "s", "es", "ed", "ing", "al", "ally", "able", "ist", "ists")
_MIN_ROOT = 3  # "size" and "prize" are not -ize words
_SECTIONS = ("[spellings]", "[synonyms]", "[topics]")


@dataclass(frozen=True)
class Phrase:
    """One term of a synonym group, as the stems it must match in order."""

    stems: tuple[str, ...]
    acronym: str | None  # a one-word term in capitals matches only in capitals
    words: tuple[str, ...] = ()  # as written (lower case, the file's spelling): a topic's name matches its inflections


@dataclass(frozen=True)
class SynonymGroup:
    name: str
    token: str
    phrases: tuple[Phrase, ...]
    topic: bool = False  # a topic of the field (the vocabulary's [topics]): absent from a corpus that never names it


@dataclass(frozen=True)
class Vocabulary:
    """The field's spelling variants, synonym groups and topics, read from a vocabulary file."""

    words: dict[str, str]  # variant spelling -> canonical spelling
    endings: tuple[tuple[str, str], ...]  # (variant ending, canonical ending), longest first
    groups: tuple[SynonymGroup, ...]
    fingerprint: str = ""  # of the file's text: a stored lexical index is used only with the same vocabulary
    terms: frozenset[str] = frozenset()  # every word the file names, lower case: what a misspelling may be of

    def spell(self, word: str) -> str:
        """The canonical spelling of a lower-case word."""
        for ending in _ENDINGS:
            if ending and not word.endswith(ending):
                continue
            root = word[: len(word) - len(ending)] if ending else word
            if root in self.words:
                return self.words[root] + ending
        for variant, canonical in self.endings:
            if word.endswith(variant) and len(word) - len(variant) >= _MIN_ROOT:
                return word[: len(word) - len(variant)] + canonical
        return word


EMPTY_VOCABULARY = Vocabulary({}, (), ())


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read a vocabulary file (the packaged one unless a path is given); a malformed line is an error."""
    if path is None:
        text = resources.files("matrixqa").joinpath(DEFAULT_VOCABULARY).read_text(encoding="utf-8")
        source = DEFAULT_VOCABULARY
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise VocabularyError(f"cannot read the vocabulary file {path}: {error}") from None
        source = str(path)
    return parse_vocabulary(text, source)


def parse_vocabulary(text: str, source: str = "vocabulary") -> Vocabulary:
    """Parse the `[spellings]`, `[synonyms]` and `[topics]` sections of a vocabulary file."""
    words: dict[str, str] = {}
    endings: list[tuple[str, str]] = []
    group_lines: list[tuple[int, list[str], bool]] = []
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line in _SECTIONS:
            section = line
            continue
        terms = [t.strip() for t in line.split("|")]
        if section is None or len(terms) < (1 if section == "[topics]" else 2) or not all(terms):
            raise VocabularyError(
                f"{source} line {number}: expected terms separated by ' | ' under [spellings], [synonyms] or "
                f"[topics], found {raw.strip()!r}"
            )
        if section in ("[synonyms]", "[topics]"):
            group_lines.append((number, terms, section == "[topics]"))
            continue
        canonical, *variants = (fold(t).lower() for t in terms)
        if canonical.startswith("-") != all(v.startswith("-") for v in variants) or any(
            not re.fullmatch(r"-?[a-z]+", t) for t in [canonical, *variants]
        ):
            raise VocabularyError(
                f"{source} line {number}: a spelling line is single words, or endings all starting with '-'"
            )
        for variant in variants:
            if canonical.startswith("-"):
                endings.append((variant[1:], canonical[1:]))
            else:
                words[variant] = canonical
    spellings = Vocabulary(words, tuple(sorted(endings, key=lambda e: -len(e[0]))), ())
    groups = _groups(group_lines, spellings, source)
    fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    named = {w for _, terms, _ in group_lines for term in terms for w in letter_words(term)}
    terms = frozenset(w for w in named | set(words.values()) if len(w) > 1)
    return Vocabulary(spellings.words, spellings.endings, groups, fingerprint, terms)


def _groups(lines: list[tuple[int, list[str], bool]], spellings: Vocabulary, source: str) -> tuple[SynonymGroup, ...]:
    """The synonym groups and topics of their lines, each term read with the file's spellings."""
    groups = []
    owner: dict[tuple[str, ...], tuple[int, str]] = {}  # each phrase (by its stems), and the line and term naming it
    for number, terms, topic in lines:
        parsed = [(term, phrase) for term in terms if (phrase := _phrase(term, spellings)).stems]
        phrases = tuple(phrase for _, phrase in parsed)
        if len(phrases) < (1 if topic else 2):
            raise VocabularyError(f"{source} line {number}: a synonym group needs at least two terms with words")
        for term, phrase in parsed:
            first, said = owner.setdefault(phrase.stems, (number, term))
            if first != number:  # words compare by stems: "relatives" is "related", "conversion" "conversation"
                raise VocabularyError(
                    f"{source} line {number}: {term!r} reads as {said!r} of line {first} (words compare by their "
                    "stems); a term may belong to one group only"
                )
        groups.append(SynonymGroup(terms[0], CONCEPT + "_".join(phrases[0].stems), phrases, topic))
    return tuple(groups)


def _phrase(term: str, spellings: Vocabulary) -> Phrase:
    words = split_words(term)
    acronym = words[0] if len(words) == 1 and len(words[0]) > 1 and words[0].isupper() else None
    spelt = tuple(spellings.spell(w.lower()) for w in words)
    return Phrase(tuple(stem(w) for w in spelt), acronym, spelt)


_ACRONYM_OF = re.compile(r"[A-Z]{2,6}")  # capitals only: the initials of a term's words
MIN_SHORTENED = 3  # "pt" could shorten too many words
# Zipf frequency in English under which a word of the vocabulary is an abbreviation to spell out ("bupe" 0, "MMT"
# 2.3, "OST" 3.2) rather than a word the model knows and a corpus may use ("GP" 3.9, "dose" 4.2, "prison" 4.8).
RARE_IN_ENGLISH = 3.3
SHORTENED_BY = 1.5  # a word with an ending ("compassionate") or a variant ("empathetic") is no shortening


def abbreviated(word: str, stemmed: str, groups: Sequence[SynonymGroup]) -> str | None:
    """The term a word (its stem `stemmed`) abbreviates in the synonym groups it is a one-word term of, whatever
    the corpus holds, when general English hardly uses the word (under RARE_IN_ENGLISH): an acronym is the
    initials of the term's words ("MMT": methadone maintenance treatment, "UDS": urine drug screen), a shortened
    word opens as the term's one word does and keeps its letters in order ("bupe": buprenorphine, "benzos":
    benzodiazepines, "appt": appointment). None when no term of those groups is so written."""
    if zipf_frequency(word, "en") >= RARE_IN_ENGLISH:  # "GP", "dose": the model reads them as they are
        return None
    for group in groups:
        if not any(phrase.stems == (stemmed,) for phrase in group.phrases):
            continue
        for phrase in group.phrases:
            if _ACRONYM_OF.fullmatch(word):
                if len(phrase.words) > 1 and abbreviates(word, " ".join(phrase.words)):
                    return " ".join(phrase.words)
            elif len(phrase.words) == 1 and _shortens(word.lower(), phrase.words[0]):
                return phrase.words[0]
    return None


def _shortens(short: str, full: str) -> bool:
    """Whether `short` is `full` shortened: of at least MIN_SHORTENED letters, the full word SHORTENED_BY times as
    long or more, opening with the same two letters and holding the short word's letters in order ("bupe",
    "appt")."""
    if len(short) < MIN_SHORTENED or len(full) < SHORTENED_BY * len(short) or short[:2] != full[:2]:
        return False
    letters = iter(full)
    return all(letter in letters for letter in short)
