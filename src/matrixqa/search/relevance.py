"""Read a question in the corpus's words, and decide whether the corpus holds anything relevant to it.

Reading comes first, and what it reads is what retrieval searches (BM25 and the dense side alike):

1. A misspelt word is corrected against the corpus vocabulary: a word the corpus does not hold as
   written is replaced by the closest word (optimal string alignment distance, rapidfuzz: one edit,
   two in a long word) of the corpus or of general English (wordfreq), a corpus word winning a tie,
   when the written word is unknown in English or at least SPELLING_MARGIN (Zipf scale) rarer than
   the correction. A real word is not "corrected" into another ("woody" stays), a capitalised word
   only into a corpus word, and a typo of a word the corpus does not use ("smokng") becomes that
   word, which is then missing.
2. A word the corpus knows only through the field's vocabulary is read as the name of its synonym
   group, when the corpus uses that name ("gear" as heroin, "script" as prescription), so that the
   dense side, which knows no vocabulary, reads the question in the corpus's words too.
3. An acronym the corpus does not hold is spelt out when it abbreviates a capitalised phrase the
   corpus uses: each capital opens a word of the phrase, and any small letters after it go on with
   that word (RCGP: Royal College of General Practitioners; RCPsych: Royal College of Psychiatrists).

A question that only names the corpus and asks what it covers ("What does this cell cover?", "What is
cell B3 about?") is answered from each cell's own summary, the paragraph its page opens with.

The decision otherwise: the corpus is taken to hold nothing relevant when

    best sentence similarity + COVERAGE_WEIGHT x coverage < MIN_EVIDENCE and the question names
    no author of a study among the first passages, or
    a word the question rests on is missing and that same sum < STRONG_EVIDENCE

where the best sentence similarity is the highest cosine similarity between the question and any
sentence of the passages that may be retrieved, and coverage is the largest share, among the first
passages, of the question's distinctive words that one passage contains. A word the question rests
on is one whose weight (how far the question's meaning moves without it, relative to its most
important word) is at least MISSING_WEIGHT. It is missing when no passage holds it (by word,
spelling variant, synonym or root), it does not name the corpus itself ("matrix", "cell", a cell
code), and no corpus word is near it in meaning: an everyday word whose nearest corpus word by the
embedding model has a cosine of at least MEANING_MATCH is matched to it ("pee" to "urine") rather
than missing. A question naming an author of a study the first passages come from or discuss
("Luborsky therapist success") asks about that study, though a name means little to the embedding
model: the name is written capitalised, or is no common English word (below Zipf AUTHOR_RARITY), so
"woody" in lower case still counts while "kim" and "bell" need their capitals.

A topic the corpus never treats ("drug consumption rooms", "pregnancy") has no near corpus word and
declines; practitioners' paraphrases of covered subjects score above STRONG_EVIDENCE.
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

MIN_EVIDENCE = 0.6
COVERAGE_WEIGHT = 0.25
MISSING_WEIGHT = 0.5
STRONG_EVIDENCE = 0.7
MEANING_MATCH = 0.7  # cosine of a missing word and its nearest corpus word for the two to count as one
AUTHOR_RARITY = 3.5  # a lower-case word rarer than this in English (Zipf) may name an author ("woody")
SPELLING_MARGIN = 2.0  # a correction must be this much commoner in English (Zipf: 2 is a hundred times)
ENGLISH_WORDS = 30_000  # the commonest English words a misspelling may be of
MIN_CORRECTED = 4  # shorter words have too many neighbours to correct with confidence
LONG_WORD = 8  # from this length a misspelling may be two edits away ("relatinship"), below it one
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
_PHRASE_JOINER = frozenset({"of", "for", "the", "on"})


@dataclass(frozen=True)
class Relevance:
    """Why the corpus was or was not taken to hold something relevant."""

    relevant: bool
    evidence: float
    sentence_score: float
    coverage: float
    missing: tuple[str, ...] = ()  # words the question rests on that no passage holds
    corrected: tuple[str, ...] = ()  # "methadne → methadone"
    matched: tuple[str, ...] = ()  # "RCGP = Royal College of General Practitioners", "pee ≈ urine"


@dataclass(frozen=True)
class Reading:
    """A question as retrieval reads it: misspellings corrected and acronyms spelt out."""

    question: str
    corrected: tuple[str, ...] = ()
    expanded: tuple[str, ...] = ()


def decide(
    sentence_score: float,
    coverage: float,
    missing: tuple[str, ...],
    reading: Reading,
    matched: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    about_the_corpus: bool = False,
) -> Relevance:
    """The documented rule (see the module's docstring) applied to its measured inputs; `authors` are the
    question's words naming an author of a study among the first passages ("Luborsky = an author of ...")."""
    evidence = sentence_score + COVERAGE_WEIGHT * coverage
    if about_the_corpus:  # the corpus always holds its own summaries
        return Relevance(True, evidence, sentence_score, coverage, (), reading.corrected, (ABOUT_THE_CORPUS,))
    enough = evidence >= MIN_EVIDENCE or bool(authors)
    relevant = enough and not (missing and evidence < STRONG_EVIDENCE)
    return Relevance(
        relevant, evidence, sentence_score, coverage, missing, reading.corrected, reading.expanded + matched + authors
    )


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
    def _spellings(self) -> list[str]:
        """The words a misspelling may be of: general English, then the corpus's own."""
        return _english_words() + list(self.words)

    def spell_out(self, acronym: str) -> str | None:
        """The commonest capitalised phrase of the corpus that the acronym abbreviates, if any."""
        parts = [part.lower() for part in _ACRONYM_PART.findall(acronym)]
        for phrase in self.phrases:
            words = [w.lower() for w in phrase.split() if w.lower() not in _PHRASE_JOINER]
            if len(words) == len(parts) and all(w.startswith(p) for w, p in zip(words, parts, strict=True)):
                return phrase
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
            phrase = self.spell_out(word) if not known and _ACRONYM.fullmatch(word) else None
            if phrase:
                text = _replace(text, word, phrase)
                expanded.append(f"{word} = {phrase}")
                continue
            synonym = self.corpus_synonym(term) if known else None
            if synonym:
                text = _replace(text, word, f"{word} ({synonym})")
                expanded.append(f"{word} ≈ {synonym}")
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
        lower = word.lower()
        if len(lower) < MIN_CORRECTED or not lower.isalpha():
            return None
        limit = 1 if len(lower) < LONG_WORD else 2
        candidates = process.extract(lower, self._spellings, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not candidates:
            return None
        best, _, _ = min(
            candidates, key=lambda c: (c[1], c[0] not in self.words, -zipf_frequency(c[0], "en"), -self.words[c[0]])
        )
        written = zipf_frequency(lower, "en")
        if best == lower or (written > 0 and zipf_frequency(best, "en") - written < SPELLING_MARGIN):
            return None
        if word[0].isupper() and best not in self.words:
            return None  # a name the corpus lacks is not some other English name ("Guichard" is not "Richard")
        return best.capitalize() if word[0].isupper() else best

    def missing(self, analysis: Analysis, weights: list[float] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The words the question rests on that the corpus does not hold, and those matched by meaning."""
        unknown = [
            term
            for term, weight in zip(analysis.terms, weights or [], strict=False)
            if weight >= MISSING_WEIGHT and not self.known(term)
        ]
        if not unknown:
            return (), ()
        vocabulary, vectors = self._word_vectors()
        similarity = self.embedder.embed([t.word for t in unknown]) @ vectors.T
        missing, matched = [], []
        for term, row in zip(unknown, similarity, strict=True):
            # Two different words given one vector (a hashing embedder's collision) say nothing of meaning.
            row[row >= 1 - 1e-6] = -1.0
            nearest = int(np.argmax(row))
            if row[nearest] >= MEANING_MATCH:
                matched.append(f"{term.word} ≈ {vocabulary[nearest]}")
            else:
                missing.append(term.word)
        return tuple(missing), tuple(matched)

    def _word_vectors(self) -> tuple[list[str], np.ndarray]:
        # Stored by build; for an index built before that, embedded the first time a question needs them.
        if self._vectors is None:
            self._vocabulary = meaning_words(self.words)
            self._vectors = self.embedder.embed(self._vocabulary)
        return self._vocabulary or [], self._vectors


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
