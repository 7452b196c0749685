"""Text analysis for lexical search: the same for passages and questions.

Text is cut into words, each spelling variant is made one, words are stemmed, and every phrase of a
synonym group adds the group's concept token (`@name`), so a question saying "observed dosing"
meets a passage saying "supervision".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from matrixqa.index.vocabulary import EMPTY_VOCABULARY, Phrase, SynonymGroup, Vocabulary
from matrixqa.index.words import split_words, stem
from matrixqa.textrules import STOPWORDS

WORD_CACHE = 1 << 18  # distinct written words whose reading is kept
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")  # "GPs" is the plural of "GP"; a stemmer would not know
INFLECTION = 3  # the most letters an inflection adds to or takes from a word ("-ies", "-ing")


@dataclass(frozen=True)
class Term:
    """A content word of the question: its stem and the synonym groups it stands in."""

    word: str
    stem: str
    concepts: tuple[SynonymGroup, ...] = ()

    @property
    def tokens(self) -> frozenset[str]:
        return frozenset([self.stem, *(g.token for g in self.concepts)])

    def shown(self, present: frozenset[str], written: Mapping[str, str]) -> str:
        """How the inspector shows the term's match: the word itself, or the word and the passage's own words for
        the synonym groups it matched through ("warm ≈ compassionate"). written: a passage's words by concept
        token (Analysis.written); a group whose words it lacks (held in metadata only) is named by its name."""
        if self.stem in present:
            return self.word
        # A group named after the word itself says nothing: "harm ≈ a synonym of harm", not "harm ≈ harm".
        groups = [
            written.get(g.token) or (g.name if g.name.lower() != self.word.lower() else f"a synonym of {g.name}")
            for g in self.concepts
            if g.token in present
        ]
        return f"{self.word} ≈ {' / '.join(dict.fromkeys(groups))}" if groups else self.word


@dataclass(frozen=True)
class Analysis:
    tokens: list[str]  # what BM25 indexes
    terms: list[Term]  # the distinct content words, in order, with their concept tokens
    words: list[str]  # every word of the text, as written
    written: dict[str, str] = field(default_factory=dict)  # concept token -> its first phrase in the text, as written


class Analyzer:
    """Turns text into the tokens lexical search compares, the same way for passages and questions."""

    def __init__(self, vocabulary: Vocabulary = EMPTY_VOCABULARY) -> None:
        self.vocabulary = vocabulary
        self.topic_tokens = frozenset(group.token for group in vocabulary.groups if group.topic)
        self._by_first: dict[str, list[tuple[Phrase, SynonymGroup]]] = {}
        for group in vocabulary.groups:
            for phrase in group.phrases:
                self._by_first.setdefault(phrase.stems[0], []).append((phrase, group))
        # A corpus repeats the same few thousand words millions of times: each is read once.
        self._read = lru_cache(maxsize=WORD_CACHE)(self._read_word)

    def _read_word(self, word: str) -> tuple[str, bool]:
        """A written word's stem, and whether it is a content word (not a stop word, not one letter)."""
        lower = word.lower()
        stemmed = lower[:-1] if _PLURAL_ACRONYM.fullmatch(word) else stem(self.vocabulary.spell(lower))
        return stemmed, len(stemmed) >= 2 and (lower not in STOPWORDS or word.isupper())  # "US" is not "us"

    def analyse(self, text: str) -> Analysis:
        words = split_words(text)
        read = [self._read(word) for word in words]
        found, concepts, written = self._concepts(words, [stemmed for stemmed, _ in read])
        terms: dict[str, Term] = {}
        for i, (stemmed, content) in enumerate(read):
            if content and stemmed not in terms:
                terms[stemmed] = Term(words[i], stemmed, tuple(concepts[i]))
        tokens = [stemmed for stemmed, content in read if content]
        return Analysis(tokens + found, list(terms.values()), words, written)

    def tokens(self, text: str) -> list[str]:
        """What BM25 indexes of a text: analyse(text).tokens, without the detail only a question needs."""
        words = split_words(text)
        read = [self._read(word) for word in words]
        found, _, _ = self._concepts(words, [stemmed for stemmed, _ in read])
        return [stemmed for stemmed, content in read if content] + found

    def _concepts(
        self, words: list[str], stems: list[str]
    ) -> tuple[list[str], list[list[SynonymGroup]], dict[str, str]]:
        """The concept token of every synonym phrase the words hold, the groups each word stands in, and each
        concept's first phrase as written."""
        concepts: list[list[SynonymGroup]] = [[] for _ in words]
        found: list[str] = []
        written: dict[str, str] = {}
        phrase_end: dict[str, int] = {}  # one concept token per phrase, however many of its terms overlap
        for i, stemmed in enumerate(stems):
            for phrase, group in self._by_first.get(stemmed, ()):
                end = i + len(phrase.stems)
                if tuple(stems[i:end]) != phrase.stems:
                    continue
                if phrase.acronym and words[i].rstrip("s") != phrase.acronym:
                    continue
                if group.topic and not all(map(_inflects, words[i:end], phrase.words)):
                    continue
                if phrase_end.get(group.token, 0) <= i:
                    found.append(group.token)
                    written.setdefault(group.token, " ".join(words[i:end]))
                phrase_end[group.token] = max(end, phrase_end.get(group.token, 0))
                for position in range(i, end):
                    if group not in concepts[position]:
                        concepts[position].append(group)
        return found, concepts, written


def _inflects(word: str, name: str) -> bool:
    """Whether a word sharing the stem of a topic's name is one of its inflections ("benzos", "pregnancies"),
    not a derivation of the same stem: "do patients mind?" does not name mindfulness."""
    return abs(len(word) - len(name)) <= INFLECTION
