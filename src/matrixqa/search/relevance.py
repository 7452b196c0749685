"""Read a question in the corpus's words, and decide whether the corpus holds anything relevant to it.

Reading comes first, and what it reads is what retrieval searches (BM25 and the dense side alike):

1. A misspelt word is corrected against the corpus vocabulary: a word the corpus does not hold as
   written is replaced by the closest word (optimal string alignment distance, rapidfuzz: one edit,
   two in a long word English does not know) of the corpus, the field's vocabulary or general English
   (wordfreq), a corpus word winning a tie, when the written word is unknown in English or at least
   SPELLING_MARGIN (Zipf scale) rarer than the correction. A real word is not "corrected" into
   another ("woody" stays), a capitalised word only into a corpus word, and a typo of a word the
   corpus does not use ("smokng") becomes that word, which is then judged as that word.
2. A word the corpus knows only through the field's vocabulary is read as the name of its synonym
   group, when the corpus uses that name ("gear" as heroin, "script" as prescription), so that the
   dense side, which knows no vocabulary, reads the question in the corpus's words too.
3. An acronym the corpus does not hold is spelt out when it abbreviates a phrase the corpus uses:
   each capital opens a word of the phrase, and any small letters after it go on with that word
   (RCGP: Royal College of General Practitioners; RCPsych: Royal College of Psychiatrists). A
   capitalised phrase is preferred; an acronym of three letters or more may also spell out a phrase
   in small letters ("DTU": drug treatment units).

A question that only names the corpus and asks what it covers ("What does this cell cover?", "What is
cell B3 about?") is answered from each cell's own summary, the paragraph its page opens with.

The decision otherwise: the corpus is taken to hold nothing relevant when

    the question names a topic of the field that no passage mentions, and
    best sentence similarity + COVERAGE_WEIGHT x coverage < STRONG_EVIDENCE; or
    that sum < MIN_EVIDENCE, and the question names no author of a study among the first passages

where the best sentence similarity is the highest cosine similarity between the question and any
sentence of the passages that may be retrieved, and coverage is the largest share, among the first
passages, of the question's distinctive words (by inverse document frequency) that one passage contains.

The field's topics are listed in the vocabulary file (its `[topics]` section): the drugs, medicines,
conditions, populations, services and policies a practitioner may ask about ("naloxone | Narcan |
take-home naloxone", "pregnancy | pregnant | antenatal"). A topic is absent when no passage mentions
any of its names; a question naming it ("Is methadone safe in pregnancy?") asks about something the
corpus does not treat, however well its other words match. A word that is neither in the corpus nor
a topic of the field (slang, an idiom, a word of the asker's own: "pee in a pot", "carrot and stick")
is not, alone, a reason to decline: the model reads its meaning into the question's vector, which the
evidence measures. Such a word is reported: matched to the nearest corpus word by the embedding
model when their cosine is at least MEANING_MATCH ("pee ≈ urine"), otherwise listed as unknown.

A question naming an author of a study the first passages come from or discuss ("Luborsky therapist
success") asks about that study, though a name means little to the embedding model: the name is
written capitalised, or is no common English word (below Zipf AUTHOR_RARITY), so "woody" in lower
case still counts while "kim" and "bell" need their capitals.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import top_n_list, zipf_frequency

from matrixqa.index.embed import Embedder
from matrixqa.index.lexical import (
    STOPWORDS,
    Analysis,
    LexicalIndex,
    Term,
    corpus_words,
    fold,
    meaning_words,
    searchable_texts,
    surnames,
)
from matrixqa.ingest.chunk import Passage

MIN_EVIDENCE = 0.45
COVERAGE_WEIGHT = 0.25
STRONG_EVIDENCE = 0.75  # the evidence that answers a question though it names a topic the corpus does not treat
MEANING_MATCH = 0.7  # cosine of an unknown word and its nearest corpus word for the two to count as one
AUTHOR_RARITY = 3.5  # a lower-case word rarer than this in English (Zipf) may name an author ("woody")
SPELLING_MARGIN = 2.0  # a correction must be this much commoner in English (Zipf: 2 is a hundred times)
ENGLISH_WORDS = 30_000  # the commonest English words a misspelling may be of
MIN_CORRECTED = 4  # shorter words have too many neighbours to correct with confidence
LONG_WORD = 8  # from this length a misspelling may be two edits away ("relatinship"), below it one
CORRECTIONS = 50_000  # question words whose correction is remembered
# Words by which a question names the corpus itself rather than a subject in it.
CORPUS_NAMES = frozenset({"matrix", "matrices", "cell", "cells", "effectiveness", "bank", "findings"})
# Words by which a question asks what the corpus covers ("What does this cell cover?").
SCOPE_WORDS = frozenset(
    {"cover", "covers", "covered", "include", "includes", "contain", "contains", "topic", "topics", "scope"}
    | {"summary", "overview", "subject", "subjects", "about"}
)
ABOUT_THE_CORPUS = "the question asks what the corpus covers: each cell's own summary comes first"
_WORD = re.compile(r"[A-Za-z]+")
_PHRASE = re.compile(r"\b[A-Z][a-z]+(?:(?:\s+(?:of|for|the|on))*\s+[A-Z][a-z]+)+")
# Capitals only (RCGP), or capitals each followed by small letters, at least two of them (RCPsych).
_ACRONYM = re.compile(r"[A-Z]{2,6}|(?=(?:[a-z]*[A-Z]){2})(?:[A-Z][a-z]{0,6}){2,6}")
_ACRONYM_PART = re.compile(r"[A-Z][a-z]*")
MIN_LOWER_ACRONYM = 3  # an acronym spelt out by a phrase in small letters has at least this many capitals
_PHRASE_JOINER = frozenset({"of", "for", "the", "on"})


@dataclass(frozen=True)
class Relevance:
    """Why the corpus was or was not taken to hold something relevant."""

    relevant: bool
    evidence: float
    sentence_score: float
    coverage: float
    missing: tuple[str, ...] = ()  # topics of the field the question names that no passage mentions
    corrected: tuple[str, ...] = ()  # "methadne → methadone"
    matched: tuple[str, ...] = ()  # "RCGP = Royal College of General Practitioners", "pee ≈ urine"
    unknown: tuple[str, ...] = ()  # other words no passage uses, and no corpus word is near in meaning


@dataclass(frozen=True)
class Reading:
    """A question as retrieval reads it: misspellings corrected and acronyms spelt out."""

    question: str
    corrected: tuple[str, ...] = ()
    expanded: tuple[str, ...] = ()


def decide(
    sentence_score: float,
    coverage: float,
    reading: Reading,
    absent: tuple[str, ...] = (),
    matched: tuple[str, ...] = (),
    unknown: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    about_the_corpus: bool = False,
) -> Relevance:
    """The documented rule (see the module's docstring) applied to its measured inputs: `absent` are the
    topics of the field the question names that no passage mentions; `matched` and `unknown` the question's
    other words no passage uses, matched by meaning or not (reported, not decisive); `authors` the words
    naming an author of a study among the first passages ("Luborsky = an author of ...")."""
    evidence = sentence_score + COVERAGE_WEIGHT * coverage
    if about_the_corpus:  # the corpus always holds its own summaries
        return Relevance(True, evidence, sentence_score, coverage, (), reading.corrected, (ABOUT_THE_CORPUS,))
    enough = evidence >= MIN_EVIDENCE or bool(authors)
    relevant = enough and not (absent and evidence < STRONG_EVIDENCE)
    explained = reading.expanded + matched + authors
    return Relevance(relevant, evidence, sentence_score, coverage, absent, reading.corrected, explained, unknown)


class QuestionReader:
    """Knows the corpus's words, so as to read a question in them and to say which of its words are missing."""

    def __init__(
        self,
        passages: list[Passage],
        lexical: LexicalIndex,
        embedder: Embedder,
        words: list[str] | None = None,
        word_vectors: np.ndarray | None = None,
    ):
        """words, word_vectors: the corpus's meaning words and their vectors as `build` stored them (None:
        embedded at the first question that needs them)."""
        self.passages = passages
        self.lexical = lexical
        self.embedder = embedder
        self.names = CORPUS_NAMES | {p.cell.code.lower() for p in passages}
        self.names |= {w.lower() for p in passages for w in _WORD.findall(p.cell.matrix)}
        self._vocabulary, self._vectors = (words, word_vectors) if word_vectors is not None else (None, None)
        self._corrections = lru_cache(maxsize=CORRECTIONS)(self._correct)  # a word's correction is found once

    # Read from the passages' searchable text at the first question, so that loading an index stays quick.
    @cached_property
    def _texts(self) -> list[str]:
        return searchable_texts(self.passages)

    @cached_property
    def words(self) -> Counter[str]:
        """Every word of the corpus as written (lower case), with how often it occurs."""
        return corpus_words(self._texts)

    @cached_property
    def phrases(self) -> list[str]:
        """The corpus's capitalised phrases ("Royal College of Psychiatrists"), commonest first."""
        return _phrases(self._texts)

    @cached_property
    def _spellings(self) -> dict[int, list[str]]:
        """The words a misspelling may be of, by length: general English, the field's vocabulary, the corpus's own."""
        field = sorted(self.lexical.analyzer.vocabulary.terms - set(self.words))
        by_length: dict[int, list[str]] = {}
        for spelling in _english_words() + field + list(self.words):
            by_length.setdefault(len(spelling), []).append(spelling)
        return by_length

    @cached_property
    def _folded_texts(self) -> list[str]:
        return [fold(text) for text in self._texts]

    def spell_out(self, acronym: str) -> str | None:
        """The commonest capitalised phrase of the corpus that the acronym abbreviates; failing that, for
        an acronym of capitals only (three or more), the first run of content words in small letters whose
        initials it is ("DTU": drug treatment units). None when the corpus has neither."""
        parts = [part.lower() for part in _ACRONYM_PART.findall(acronym)]
        for phrase in self.phrases:
            words = [w.lower() for w in phrase.split() if w.lower() not in _PHRASE_JOINER]
            if len(words) == len(parts) and all(w.startswith(p) for w, p in zip(words, parts, strict=True)):
                return phrase
        if not (acronym.isupper() and len(acronym) >= MIN_LOWER_ACRONYM):
            return None
        words = r"\s+".join(rf"{re.escape(letter)}[a-z]+" for letter in acronym.lower())
        for text in self._folded_texts:
            for found in re.finditer(rf"\b{words}\b", text):
                if not set(found.group().split()) & STOPWORDS:
                    return found.group()
        return None

    def read(self, question: str, analysis: Analysis) -> Reading:
        """The question with each word the corpus does not hold corrected or spelt out, where it can be."""
        corrected, expanded = [], []
        text = question
        for term in analysis.terms:
            word = term.word
            if word.lower() in self.words or word.lower() in self.names:
                continue
            # A word known only by its stem is still corrected: the dense side reads words as written.
            known = self.lexical.in_corpus(term)
            topic = any(group.topic for group in term.concepts)  # "NSP" names a topic: not a phrase to find
            phrase = self.spell_out(word) if not known and not topic and _ACRONYM.fullmatch(word) else None
            if phrase:
                text = _replace(text, word, phrase)
                expanded.append(f"{word} = {phrase}")
                continue
            synonym = self.corpus_synonym(term) if known else None
            if synonym:
                text = _replace(text, word, f"{word} ({synonym})")
                expanded.append(f"{word} ≈ {synonym}")
                continue
            if topic:  # a name of the field's vocabulary is no misspelling
                continue
            correction = self.correction(word)
            if correction:
                text = _replace(text, word, correction)
                corrected.append(f"{word} → {correction}")
        return Reading(text, tuple(corrected), tuple(expanded))

    def corpus_synonym(self, term: Term) -> str | None:
        """The field's word for a question word the corpus knows only through the vocabulary ("gear" is
        heroin, "script" a prescription): the name of its synonym group, when the corpus uses that name."""
        if self.lexical.document_frequency.get(term.stem, 0):
            return None
        for group in term.concepts:
            one_word = any(phrase.stems == (term.stem,) for phrase in group.phrases)
            if one_word and all(w in self.words for w in _WORD.findall(group.name.lower())):
                return group.name
        return None

    def named_authors(self, analysis: Analysis, passages: list[Passage]) -> tuple[str, ...]:
        """The question's words that name an author of a study these passages are or discuss."""
        studies = {s.title: s for p in passages for s in ([p.study] if p.study else p.refers_to) if s.authors}
        by_surname: dict[str, str] = {}  # a surname, lower case -> the first study it is an author of
        for study in studies.values():
            year = f" ({study.year})" if study.year else ""
            for name in surnames(study.authors):
                by_surname.setdefault(name.lower(), f"‘{study.title}’{year}")
        return tuple(
            f"{word} = an author of {by_surname[word.lower()]}"
            for word in dict.fromkeys(analysis.words)
            if word.lower() in by_surname and (word[0].isupper() or zipf_frequency(word, "en") < AUTHOR_RARITY)
        )

    def asks_what_it_covers(self, analysis: Analysis) -> bool:
        """Whether a question only names the corpus and asks what it covers ("What is cell B3 about?")."""
        words = [w.lower() for w in analysis.words]
        asked = {w for w in words if w in SCOPE_WORDS}
        named = {w for w in words if w in self.names}
        return (
            bool(asked)
            and all(t.word.lower() in self.names | SCOPE_WORDS for t in analysis.terms)
            and (bool(named) or len(analysis.terms) <= 1)
        )

    def known(self, term: Term) -> bool:
        """Whether the corpus holds a question word, or the word names the corpus itself."""
        return self.lexical.in_corpus(term) or term.word.lower() in self.names

    def correction(self, word: str) -> str | None:
        """The word a misspelling stands for, or None when the word is not misspelt or nothing is close."""
        return self._corrections(word)

    def _correct(self, word: str) -> str | None:
        lower = word.lower()
        if len(lower) < MIN_CORRECTED or not lower.isalpha():
            return None
        written = zipf_frequency(lower, "en")
        # Two edits only for a long word English does not know at all: "grassing" (slang) is not "passing".
        limit = 2 if len(lower) >= LONG_WORD and written == 0 else 1
        # Only a word within `limit` letters of the written length can be within `limit` edits of it.
        candidates = [
            found
            for length in range(len(lower) - limit, len(lower) + limit + 1)
            for found in process.extract(
                lower, self._spellings.get(length, ()), scorer=OSA.distance, score_cutoff=limit, limit=None
            )
        ]
        if not candidates:
            return None
        best, _, _ = min(
            candidates, key=lambda c: (c[1], c[0] not in self.words, -zipf_frequency(c[0], "en"), -self.words[c[0]])
        )
        if best == lower or (written > 0 and zipf_frequency(best, "en") - written < SPELLING_MARGIN):
            return None
        if word[0].isupper() and best not in self.words:
            return None  # a name the corpus lacks is not some other English name ("Guichard" is not "Richard")
        return best.capitalize() if word[0].isupper() else best

    def absent_topics(self, analysis: Analysis) -> tuple[str, ...]:
        """The topics of the field the question names that no passage's own text mentions, each once: the question's
        word ("Nyxoid (naloxone)" where the topic has another name) or the topic's name for a phrase."""
        absent: dict[str, str] = {}
        for term in analysis.terms:
            for group in term.concepts:
                if not group.topic or group.name in absent or group.token in self.lexical.treated:
                    continue
                one_word = any(phrase.stems == (term.stem,) for phrase in group.phrases)
                shown = term.word if one_word else group.name
                absent[group.name] = shown if shown.lower() == group.name.lower() else f"{shown} ({group.name})"
        return tuple(absent.values())

    def unknown(self, analysis: Analysis) -> list[Term]:
        """The question's words that no passage uses, that name neither the corpus nor a topic of the field:
        the words to compare with the corpus's by meaning."""
        return [t for t in analysis.terms if not self.known(t) and not any(g.topic for g in t.concepts)]

    def by_meaning(self, unknown: list[Term], vectors: np.ndarray) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Each unknown word matched to its nearest corpus word ("pee ≈ urine") when their cosine is at least
        MEANING_MATCH, else left unknown; vectors are the words' own, one row each."""
        if not unknown:
            return (), ()
        vocabulary, corpus_vectors = self._word_vectors()
        similarity = vectors @ corpus_vectors.T
        matched, still_unknown = [], []
        for term, row in zip(unknown, similarity, strict=True):
            # Two different words given one vector (a hashing embedder's collision) say nothing of meaning.
            row[row >= 1 - 1e-6] = -1.0
            nearest = int(np.argmax(row)) if len(row) else -1
            if nearest >= 0 and row[nearest] >= MEANING_MATCH:
                matched.append(f"{term.word} ≈ {vocabulary[nearest]}")
            else:
                still_unknown.append(term.word)
        return tuple(matched), tuple(still_unknown)

    def _word_vectors(self) -> tuple[list[str], np.ndarray]:
        # Stored by build; for an index built before that, embedded the first time a question needs them.
        if self._vectors is None:
            self._vocabulary = meaning_words(self.words)
            self._vectors = self.embedder.embed(self._vocabulary)
        return self._vocabulary or [], self._vectors

    @cached_property
    def _word_rows(self) -> dict[str, int]:
        return {word: row for row, word in enumerate(self._word_vectors()[0])}

    def stored_vector(self, word: str) -> np.ndarray | None:
        """The vector `build` stored for a corpus word (lower case), or None: a word to embed with the question."""
        row = self._word_rows.get(word)
        return None if row is None else self._word_vectors()[1][row]


@lru_cache(maxsize=1)
def _english_words() -> list[str]:
    return [w for w in top_n_list("en", ENGLISH_WORDS) if w.isalpha()]


def _phrases(texts: list[str]) -> list[str]:
    found: Counter[str] = Counter()
    for text in texts:
        for match in _PHRASE.finditer(fold(text)):
            found[" ".join(match.group().split())] += 1
    return [phrase for phrase, _ in found.most_common()]


def _replace(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", replacement, text)
