"""Questions the corpus answers well: follow-ups from the cited passages' sections and their neighbours, or
alternatives when nothing fits.

Candidates come from the corpus itself: question headings and question sentences, the two headings every cell
has ("What is this cell about?", "Where should I start?") named for their cell, and each listed document by its
title ("What did the key study ‘Treatment staff matter as much as the drug’ find?"). A candidate is offered
only once asking it has been seen to answer from the section it comes from, so a suggestion never leads to a
decline or to an answer from elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from matrixqa.index.store import Index
from matrixqa.ingest.cell import SUBSECTION, StudyType
from matrixqa.ingest.chunk import CellRef, Passage
from matrixqa.ingest.identity import plain_name
from matrixqa.textrules import NOT_STANDALONE

_ASKABLE = re.compile(r"^(?:What|How|Why|Does|Do|Is|Are|Can|Which|Who|When|Where|Should)\b")


@dataclass(frozen=True)
class Candidate:
    question: str
    cell: CellRef
    section: str
    position: int  # position of the passage it comes from
    sentence_row: int | None  # a corpus sentence has a vector already


# The passage an answer to a question opens with, or None when the corpus does not answer it.
AnswersFrom = Callable[[str], Passage | None]


class Suggestions:
    """Candidate questions drawn from the corpus itself (found at their first use, then kept with the index they
    come from), each offered once it has been seen to be answered from where it comes from."""

    def __init__(self, index: Index, answers_from: AnswersFrom) -> None:
        self.index = index
        self.answers_from = answers_from
        self._answered_well: dict[str, bool] = {}

    @cached_property
    def candidates(self) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        seen_sections: set[tuple[str, str, str]] = set()
        for position, passage in enumerate(self.index.passages):
            cell = passage.cell
            key = (cell.matrix, cell.code, passage.section)
            if key not in seen_sections:
                seen_sections.add(key)
                question = _heading_question(passage.section.split(SUBSECTION)[-1], cell)
                if question:
                    found.setdefault(question, Candidate(question, cell, passage.section, position, None))
            rows = self.index.sentence_rows(position)
            for offset, sentence in enumerate(passage.sentence_texts):
                if _is_askable(sentence):
                    found.setdefault(sentence, Candidate(sentence, cell, passage.section, position, rows[offset]))
            entry = _entry_question(passage)
            if entry:
                found.setdefault(entry, Candidate(entry, cell, passage.section, position, None))
        return list(found.values())

    def answered_well(self, candidate: Candidate) -> bool:
        """Whether asking the candidate is answered from the section it comes from (asked once, then kept)."""
        if candidate.question not in self._answered_well:
            opening = self.answers_from(candidate.question)
            self._answered_well[candidate.question] = (
                opening is not None and opening.cell == candidate.cell and opening.section == candidate.section
            )
        return self._answered_well[candidate.question]

    def near(self, positions: list[int], exclude: set[str], count: int = 3) -> list[str]:
        """Questions from the cited passages' own sections first, then from the passages nearest them in meaning;
        none from a passage the answer cited, which the asker has just read."""
        if not positions:
            return []
        cited = set(positions)
        sections = {(self.index.passages[p].cell, self.index.passages[p].section) for p in positions}
        meaning = self._passage_vectors[positions] @ self._passage_vectors.T
        closeness = meaning.max(axis=0)

        def order(candidate: Candidate) -> tuple[bool, float]:
            return (candidate.cell, candidate.section) not in sections, -float(closeness[candidate.position])

        chosen: list[str] = []
        for candidate in sorted(self.candidates, key=order):
            if candidate.question.lower() in exclude or candidate.position in cited:
                continue
            if self.answered_well(candidate):
                chosen.append(candidate.question)
                if len(chosen) == count:
                    break
        return chosen

    @cached_property
    def _passage_vectors(self) -> np.ndarray:
        """Each passage as the mean of its sentences' vectors, normalised: what the cited passages are near."""
        vectors = np.zeros((len(self.index.passages), self.index.sentence_vectors.shape[1]), dtype=np.float32)
        for position in range(len(self.index.passages)):
            rows = self.index.sentence_rows(position)
            if len(rows):
                mean = self.index.sentence_vectors[list(rows)].mean(axis=0)
                vectors[position] = mean / (np.linalg.norm(mean) or 1.0)
        return vectors

    def closest(self, question_vector: np.ndarray, exclude: set[str], count: int = 3) -> list[str]:
        """Questions the corpus answers that are nearest in meaning to one it cannot: a question sentence by its
        own vector, a heading by the sentence of its section nearest the question."""
        scored = []
        for candidate in self.candidates:
            if candidate.question.lower() in exclude:
                continue
            rows = (
                [candidate.sentence_row]
                if candidate.sentence_row is not None
                else list(self.index.sentence_rows(candidate.position))
            )
            score = float((self.index.sentence_vectors[rows] @ question_vector).max()) if rows else 0.0
            scored.append((score, candidate))
        scored.sort(key=lambda item: -item[0])
        return [candidate.question for _, candidate in scored if self.answered_well(candidate)][:count]


def _is_askable(sentence: str) -> bool:
    words = sentence.split()
    return (
        sentence.endswith("?")
        and 4 <= len(words) <= 25
        and bool(_ASKABLE.match(sentence))
        and not NOT_STANDALONE.search(sentence)
    )


def _heading_question(heading: str, cell: CellRef) -> str | None:
    """Turn a section heading into a question that stands on its own."""
    # In the words of the cell's column and row, which a reader knows without the grid ("B3" means little).
    if heading == "What is this cell about?":
        return f"What is the cell on {plain_name(cell.matrix, cell.code)} about?"
    if heading == "Where should I start?":
        return f"Where should I start in the cell on {plain_name(cell.matrix, cell.code)}?"
    if heading.endswith("?") and _is_askable(heading):
        return heading
    return None


def _entry_question(passage: Passage) -> str | None:
    """What a listed document found (or, for guidance, says), asked by its title; none for a title that is a
    question already (it is a candidate as it stands)."""
    study = passage.study
    if study is None or study.title.endswith("?"):
        return None
    verb = "say" if study.type is StudyType.GUIDANCE else "find"
    return f"What did the {study.type.label.lower()} ‘{study.title}’ {verb}?"
