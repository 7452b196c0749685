"""Questions the corpus can answer: follow-ups beside a cited passage, or alternatives when nothing fits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from matrixqa.index.store import Index
from matrixqa.ingest.chunk import CellRef
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


class Suggestions:
    """Candidate questions drawn from the corpus itself: question headings and question sentences (found at their
    first use, then kept with the index they come from)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    @cached_property
    def candidates(self) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        seen_sections: set[tuple[str, str, str]] = set()
        for position, passage in enumerate(self.index.passages):
            cell = passage.cell
            key = (cell.matrix, cell.code, passage.section)
            if key not in seen_sections:
                seen_sections.add(key)
                heading = passage.section.split(" › ")[-1]
                question = _heading_question(heading, cell)
                if question:
                    found.setdefault(question, Candidate(question, cell, passage.section, position, None))
            rows = self.index.sentence_rows(position)
            for offset, sentence in enumerate(passage.sentence_texts):
                if _is_askable(sentence):
                    found.setdefault(sentence, Candidate(sentence, cell, passage.section, position, rows[offset]))
        return list(found.values())

    def near(self, positions: list[int], exclude: set[str], count: int = 3) -> list[str]:
        """Questions from the cited passages' sections and the sections next to them."""
        if not positions:
            return []
        first = self.index.passages[positions[0]]
        first_section = (first.cell, first.section)
        chosen: list[str] = []
        for candidate in sorted(self.candidates, key=lambda c: min(abs(c.position - p) for p in positions)):
            if candidate.question.lower() in exclude or (candidate.cell, candidate.section) == first_section:
                continue
            chosen.append(candidate.question)
            if len(chosen) == count:
                break
        return chosen

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
            scored.append((score, candidate.question))
        scored.sort(key=lambda item: -item[0])
        return [question for _, question in scored[:count]]


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
