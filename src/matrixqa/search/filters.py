"""Restrictions a user puts on which passages may be retrieved, applied to every passage at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matrixqa.ingest.chunk import Passage
from matrixqa.search.cells import CellKey


@dataclass(frozen=True)
class Filters:
    """Restrictions a user puts on which passages may be retrieved."""

    types: frozenset[str] = frozenset()  # S, K, R, G, or "commentary"
    cells: frozenset[str] = frozenset()  # cell codes such as "B3"
    matrix: str | None = None  # "Drug Treatment Matrix", or its first word ("drug")
    year_from: int | None = None
    year_to: int | None = None

    def __post_init__(self) -> None:
        # Two years given the other way round still name the years between them (JSON Schema, which the API
        # is documented in, cannot ask for them in order).
        if self.year_from and self.year_to and self.year_from > self.year_to:
            low, high = self.year_to, self.year_from
            object.__setattr__(self, "year_from", low)
            object.__setattr__(self, "year_to", high)

    def admits(self, passage: Passage) -> bool:
        return bool(self.admitted(FilterColumns.of([passage]))[0])

    def admitted(self, columns: FilterColumns) -> np.ndarray:
        """Which passages the filters admit, as a mask over the passages the columns were made from."""
        admitted = np.ones(len(columns.kind), dtype=bool)
        if self.types:
            admitted &= np.isin(columns.kind, sorted(self.types))
        if self.cells:
            admitted &= np.isin(columns.cell, sorted(self.cells))
        if self.matrix:
            wanted = self.matrix.strip().lower()
            admitted &= (columns.matrix == wanted) | (columns.matrix_word == wanted)
        if self.year_from:
            admitted &= columns.year >= self.year_from  # a passage with no year (NaN) is never in a range
        if self.year_to:
            admitted &= columns.year <= self.year_to
        return admitted

    @property
    def active(self) -> bool:
        return bool(self.types or self.cells or self.matrix or self.year_from or self.year_to)


@dataclass(frozen=True)
class FilterColumns:
    """What filters look at, one array over all the passages each, so a filter is applied without a loop."""

    kind: np.ndarray  # study type (S, K, R, G), or "commentary"
    cell: np.ndarray  # cell code
    matrix: np.ndarray  # matrix name, lower case
    matrix_word: np.ndarray  # its first word ("drug")
    year: np.ndarray  # study year; NaN for commentary and a study without one
    cell_key: np.ndarray  # matrix and code together ("Drug Treatment Matrix B3"): a cell of one matrix

    @classmethod
    def of(cls, passages: list[Passage]) -> FilterColumns:
        def column(values: list[str]) -> np.ndarray:
            return np.array(values, dtype=str)

        matrices = [p.cell.matrix.lower() for p in passages]
        return cls(
            kind=column([p.study.type if p.study else "commentary" for p in passages]),
            cell=column([p.cell.code for p in passages]),
            matrix=column(matrices),
            matrix_word=column([(m.split() or [""])[0] for m in matrices]),
            year=np.array(
                [p.study.year if p.study and p.study.year is not None else np.nan for p in passages], dtype=float
            ),
            cell_key=column([str(CellKey.of(p.cell)) for p in passages]),
        )


NO_FILTERS = Filters()
