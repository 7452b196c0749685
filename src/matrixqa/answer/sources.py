"""Which passages an answer draws on: the best-ranked and those nearly as close, from whichever cells they come, a
cell's further passages giving way to another cell's close behind them; and each matrix or part of the question that
asks of its own."""

from __future__ import annotations

from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.cells import CellKey
from matrixqa.search.retrieve import Hit

CELL_REPEAT = 0.05  # fused score a source gives up for each source of its own cell chosen before it


def sources_of(
    hits: list[Hit], count: int, margin: float, matrices: tuple[str, ...] = (), parts: tuple[CellKey, ...] = ()
) -> list[Hit]:
    """The passages an answer quotes from: the best-ranked, and of the next count - 1 those whose best sentence is
    within `margin` of the closest.

    Answers draw on the most relevant passages (the diverse order of the hit list is for browsing), from
    whichever cells they come, a cell's further passages giving way to another cell's close behind them. A
    cell's summary says what the cell is about: it is no evidence on a question's subject. A question naming the
    subjects of several matrices (`matrices`: "drug or alcohol problems") asks of each: the best-ranked passage of
    a named matrix no source is from joins them, as does the best-ranked passage of each cell that a part of a
    question joining several asks found its best evidence in (`parts`: their cells), when no source is from it.
    """
    evidence = [h for h in hits if h.passage.section != SUMMARY_SECTION] or hits
    by_rank = sorted(evidence, key=lambda h: h.fused_rank or h.rank)
    leaders = across_cells(by_rank, count)
    best = max(h.sentence_score for h in leaders)
    sources = [h for h in leaders if h is leaders[0] or h.sentence_score >= best - margin]
    for matrix in matrices:
        if all(h.passage.cell.matrix != matrix for h in sources):
            sources += [h for h in by_rank if h.passage.cell.matrix == matrix][:1]
    for cell in parts:
        if all(cell_of(h) != cell for h in sources):
            sources += [h for h in by_rank if cell_of(h) == cell][:1]
    return sources


def across_cells(by_rank: list[Hit], count: int) -> list[Hit]:
    """The best-ranked passage, then the next count - 1 by their own fused score (their cell's breadth left out),
    each giving up CELL_REPEAT of it for every passage of its cell taken before it: a question whose evidence spans
    cells draws on each, though one cell's passages rank first."""
    if not all(h.searched for h in by_rank):  # study entries looked up keep their order
        return by_rank[:count]
    left, taken = list(by_rank), []
    while left and len(taken) < count:
        cells = [cell_of(h) for h in taken]
        if taken:
            pick = max(left, key=lambda h: h.own_score - CELL_REPEAT * cells.count(cell_of(h)))  # the first of a tie
        else:
            pick = max(left, key=lambda h: h.score)
        taken.append(pick)
        left.remove(pick)
    return taken


def cell_of(hit: Hit) -> CellKey:
    return CellKey.of(hit.passage.cell)
