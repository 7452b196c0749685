"""Find the passages that answer a question, and say whether any of them is relevant at all."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ann import ranked_rows
from .chunk import Passage
from .embed import Embedder
from .index import Index

MIN_RELEVANCE = 0.45  # cosine similarity below which the corpus is taken to hold nothing relevant


@dataclass(frozen=True)
class Filters:
    """Restrictions a user puts on which passages may be retrieved."""

    types: frozenset[str] = frozenset()  # S, K, R, G, or "commentary"
    cells: frozenset[str] = frozenset()  # cell codes such as "B3"
    matrix: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def admits(self, passage: Passage) -> bool:
        kind = passage.study.type if passage.study else "commentary"
        if self.types and kind not in self.types:
            return False
        if self.cells and passage.cell.code not in self.cells:
            return False
        if self.matrix and passage.cell.matrix != self.matrix:
            return False
        if self.year_from or self.year_to:
            year = passage.study.year if passage.study else None
            if year is None or (self.year_from and year < self.year_from) or (self.year_to and year > self.year_to):
                return False
        return True

    @property
    def active(self) -> bool:
        return bool(self.types or self.cells or self.matrix or self.year_from or self.year_to)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    rank: int


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: list[Hit]
    relevant: bool
    question_vector: np.ndarray = field(repr=False)


class Retriever:
    """Searches one loaded index with one embedder."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self.position = {p.id: i for i, p in enumerate(index.passages)}

    def search(self, question: str, k: int = 5, filters: Filters = Filters()) -> SearchResult:
        """The k best passages for a question, best first."""
        vector = self.embedder.embed([question])[0]
        scores, rows = ranked_rows(self.index.passage_index, vector, k, every=filters.active)
        hits: list[Hit] = []
        for score, row in zip(scores, rows, strict=True):
            if row < 0:
                continue
            passage = self.index.passages[row]
            if filters.admits(passage):
                hits.append(Hit(passage, float(score), len(hits) + 1))
            if len(hits) == k:
                break
        relevant = bool(hits) and hits[0].score >= MIN_RELEVANCE
        return SearchResult(question, hits, relevant, vector)
