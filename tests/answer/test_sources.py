"""Which passages an answer draws on (answer/sources.py). The margin and the cells' turns are tested in
tests/answer/test_compose_contract.py.

Written against the mutants mutmut left alive in sources.py (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from matrixqa.answer.choose import LENGTHS
from matrixqa.answer.sources import sources_of
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.cells import CellKey
from matrixqa.search.retrieve import Hit, Retriever

SHORT = LENGTHS["short"]


def _ranked(*scored) -> list[Hit]:
    """Searched hits in this order, each with its fused score and its best sentence's score alike."""
    return [Hit(p, s, n, fused_rank=n, sentence_score=s) for n, (p, s) in enumerate(scored, 1)]


@pytest.fixture
def b3_and_d4(retriever: Retriever):
    """Three evidence passages of the drug B3 cell and two of the fake alcohol D4 cell."""
    passages = [p for p in retriever.index.passages if p.section != SUMMARY_SECTION]
    b3 = [p for p in passages if p.cell.code == "B3"][:3]
    d4 = [p for p in passages if p.cell.code == "D4"][:2]
    assert len(b3) == 3 and len(d4) == 2
    return b3, d4


def test_a_named_matrix_no_source_is_from_brings_its_best_ranked_passage_only(b3_and_d4):
    # The alcohol D4 passages rank last, their best sentences far below the margin: the question names both
    # matrices, so D4's best-ranked passage is drawn on too, and no more of D4 than that one.
    b3, d4 = b3_and_d4
    hits = _ranked((b3[0], 0.9), (b3[1], 0.88), (b3[2], 0.87), (d4[0], 0.3), (d4[1], 0.29))
    both = sources_of(hits, SHORT.passages, SHORT.passage_margin, (d4[0].cell.matrix, b3[0].cell.matrix))
    assert [h.passage for h in both] == [*b3, d4[0]]


def test_a_cell_a_part_found_brings_its_best_ranked_passage_only(b3_and_d4):
    # A part of the question found its best evidence in D4: its best-ranked passage is drawn on, and no more of D4.
    b3, d4 = b3_and_d4
    hits = _ranked((b3[0], 0.9), (b3[1], 0.88), (b3[2], 0.87), (d4[0], 0.3), (d4[1], 0.29))
    parts = (CellKey.of(b3[0].cell), CellKey.of(d4[0].cell))
    assert [h.passage for h in sources_of(hits, SHORT.passages, SHORT.passage_margin, parts=parts)] == [*b3, d4[0]]


def test_a_named_matrixs_passage_drawn_on_is_its_best_by_fused_score_not_by_the_diverse_order(b3_and_d4):
    # The hit list is in the diverse order, which put D4's second-best passage (by fused score) before its best: the
    # passage the named matrix brings is its most relevant, as the answer's other sources are.
    b3, d4 = b3_and_d4
    scored = [(b3[0], 0.9, 1), (b3[1], 0.88, 2), (b3[2], 0.87, 3), (d4[1], 0.29, 5), (d4[0], 0.3, 4)]
    hits = [Hit(p, s, n, fused_rank=fused, sentence_score=s) for n, (p, s, fused) in enumerate(scored, 1)]
    for matrices, parts in [((d4[0].cell.matrix, b3[0].cell.matrix), ()), ((), (CellKey.of(d4[0].cell),))]:
        sources = sources_of(hits, SHORT.passages, SHORT.passage_margin, matrices, parts)
        assert [h.passage for h in sources] == [*b3, d4[0]], (matrices, parts)
