"""Which of the field's topics a question names and each passage names, and which each cell treats rather than
mentions in passing.

A cell treats a topic when its matrix, title, summary, one of its headings, or the title or finding of one of the
studies it lists names it (every cell of the Alcohol Treatment Matrix treats alcohol; a cell listing a study
of naloxone kits treats naloxone; a finding opening "In cognitive-behavioural therapy for cocaine users, ..."), or
when at least TREATED_MENTIONS of its own sentences do. A topic named in one sentence of a cell and nowhere else
there ("pregnant women were excluded", "after release from prison"), or only after a finding's opening clause
("..., including many starting after release from prison"), is a passing mention: the cell says nothing about it
that would answer a question on it. Only a passage's own words count (its heading and sentences), not the metadata
the corpus adds to it (a publication's title helps find a study but is not what the cell says).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from matrixqa.index.analysis import Analysis, Analyzer
from matrixqa.index.lexical import LexicalIndex
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage
from matrixqa.search.cells import CellKey

TREATED_MENTIONS = 2  # sentences of a cell naming a topic for the cell to treat it
_BRACKETS = re.compile(r"\([^()]*\)")  # an aside within a clause
_CLAUSE_END = re.compile(r"[,;:]|\s[-–—]\s")  # where a sentence's opening clause ends


@dataclass(frozen=True)
class Topic:
    """A topic of the field (the vocabulary's [topics]) that a question names."""

    token: str  # the synonym group's concept token
    shown: str  # the question's word ("Nyxoid (naloxone)" where the topic has another name) or the topic's name


class TopicMentions:
    """The topics each passage names, and each cell treats, found at the first question that names a topic."""

    def __init__(self, passages: list[Passage], lexical: LexicalIndex):
        self.passages = passages
        self.lexical = lexical

    @property
    def analyzer(self) -> Analyzer:
        return self.lexical.analyzer

    @cached_property
    def _named(self) -> dict[int, frozenset[str]]:
        """For each passage naming any topic in its own words (few do), the topics it names."""
        topics = self.analyzer.topic_tokens & set(self.lexical.known_tokens)
        named: dict[int, frozenset[str]] = {}
        for position in self._holding(topics):
            passage = self.passages[position]
            own = topics & set(self.analyzer.tokens(passage.headed_text))
            if own:
                named[position] = frozenset(own)
        return named

    @cached_property
    def _treated_by_cell(self) -> dict[CellKey, frozenset[str]]:
        mentions: dict[CellKey, Counter[str]] = {}
        headline: dict[CellKey, set[str]] = {}
        for position, topics in self._named.items():
            passage = self.passages[position]
            cell = CellKey.of(passage.cell)
            counts = mentions.setdefault(cell, Counter())
            for sentence in passage.sentence_texts:
                counts.update(topics & set(self.analyzer.tokens(sentence)))
            entry = passage.study.title if passage.study else ""
            names = f"{passage.cell.matrix}: {passage.cell.title}. {passage.section}. {entry}. {_finding(passage)}"
            titled = set(self.analyzer.tokens(names))
            if passage.section == SUMMARY_SECTION:
                titled |= topics
            headline.setdefault(cell, set()).update(topics & titled)
        return {
            cell: frozenset({t for t, n in counts.items() if n >= TREATED_MENTIONS} | headline.get(cell, set()))
            for cell, counts in mentions.items()
        }

    def named_by(self, position: int) -> frozenset[str]:
        """The topics a passage names in its own words, in passing or not, and those its cell's matrix and title
        name."""
        passage = self.passages[position]
        return self._subject(passage.cell.matrix, passage.cell.title) | self._named.get(position, frozenset())

    def treated_by(self, position: int) -> frozenset[str]:
        """The topics a passage names that its cell treats, and those its cell's matrix and title name: every
        passage of a cell is about what the cell's name says (an Alcohol Treatment Matrix cell's, alcohol)."""
        passage = self.passages[position]
        subject = self._subject(passage.cell.matrix, passage.cell.title)
        named = self._named.get(position)
        if not named:
            return subject
        return subject | (named & self._treated_by_cell.get(CellKey.of(passage.cell), frozenset()))

    def cells_treating(self, token: str) -> list[CellKey]:
        """The cells that treat a topic, in matrix and code order: by their own sentences, headings or studies,
        or by their matrix and title."""
        cells = {CellKey.of(p.cell): p.cell for p in self._one_a_cell}
        by_name = {key for key, cell in cells.items() if token in self._subject(cell.matrix, cell.title)}
        by_text = {key for key, topics in self._treated_by_cell.items() if token in topics}
        return sorted(by_name | by_text)

    @cached_property
    def _one_a_cell(self) -> list[Passage]:
        return list({CellKey.of(p.cell): p for p in self.passages}.values())

    @lru_cache(maxsize=128)  # noqa: B019 - one entry a cell, for the life of the loaded index
    def _subject(self, matrix: str, title: str) -> frozenset[str]:
        return frozenset(self.analyzer.topic_tokens & set(self.analyzer.tokens(f"{matrix}: {title}")))

    def _holding(self, tokens: set[str]) -> list[int]:
        """The passages whose indexed tokens include any of these (those naming one in their own words, and more)."""
        sets = self.lexical.token_sets
        ids = [self.lexical.known_tokens[t] for t in tokens if t in self.lexical.known_tokens]
        if not ids:
            return []
        hit = np.flatnonzero(np.isin(sets.ids, ids))
        return sorted(set((np.searchsorted(sets.offsets, hit, side="right") - 1).tolist()))


def _finding(passage: Passage) -> str:
    """The opening clause of a listed study's finding (its first sentence after the title and year) without its
    asides: what the study is about, as its title is ("In cognitive-behavioural therapy for cocaine users, ...",
    "Counsellors who attended a motivational interviewing workshop showed ..."). The rest of the sentence names its
    asides ("..., including many starting after release from prison") and the lists of where or what it looked at
    ("..., in counselling, medical and residential settings alike") in passing."""
    if not passage.study:
        return ""
    after_title = (
        passage.text[start:end]
        for start, end in passage.sentences
        if start >= len(passage.study.title) and not passage.text[start:end].startswith("(")
    )
    return _CLAUSE_END.split(_BRACKETS.sub(" ", next(after_title, "")), maxsplit=1)[0]


def named_topics(analysis: Analysis, naming: frozenset[str] = frozenset()) -> tuple[Topic, ...]:
    """The topics of the field a question names, each once: shown by the question's word, or by the topic's
    name where the question names it by a phrase. A word naming a matrix ("alcohol B4") names no topic."""
    topics: dict[str, Topic] = {}
    for term in analysis.terms:
        for group in term.concepts if term.word.lower() not in naming else ():
            if not group.topic or group.name in topics:
                continue
            one_word = any(phrase.stems == (term.stem,) for phrase in group.phrases)
            shown = term.word if one_word else group.name
            label = shown if shown.lower() == group.name.lower() else f"{shown} ({group.name})"
            topics[group.name] = Topic(group.token, label)
    return tuple(topics.values())
