"""Which sentences an answer quotes, from which passages (answer/choose.py). Most of its tests are in
tests/answer/test_compose_contract.py and tests/answer/test_asks.py, which have no room for more.

Written against the mutants mutmut left alive in choose.choose_sentences (docs/mutation.md).
"""

from __future__ import annotations

from matrixqa.answer.choose import LENGTHS, choose_sentences
from matrixqa.search.retrieve import Retriever


def test_an_answer_to_a_question_naming_both_matrices_subjects_quotes_each_matrix(retriever: Retriever):
    # The fast corpus: the alcohol D4 passage ranks sixth, its best sentence too far below the drug B3 passages' to
    # be drawn on by a short answer, unless the question asks of both matrices.
    result = retriever.search("do patients with drug or alcohol problems do better with a good counsellor?", 8)
    assert len(result.query.matrices) == 2
    chosen = choose_sentences(result, retriever, result.query, LENGTHS["short"], None)
    assert {chosen.sources[source].passage.cell.matrix for source, _ in chosen.picked} == set(result.query.matrices)
