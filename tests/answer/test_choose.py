"""Which sentences an answer quotes, from which passages (answer/choose.py). Most of its tests are in
tests/answer/test_compose_contract.py and tests/answer/test_asks.py, which have no room for more.

Written against the mutants mutmut left alive in choose.choose_sentences (docs/mutation.md).
"""

from __future__ import annotations

from matrixqa.answer.choose import LENGTHS, choose_sentences
from matrixqa.answer.compose import Answerer
from matrixqa.search.retrieve import Retriever


def test_an_answer_to_a_question_naming_both_matrices_subjects_quotes_each_matrix(retriever: Retriever):
    # The fast corpus: the alcohol D4 passage ranks sixth, its best sentence too far below the drug B3 passages' to
    # be drawn on by a short answer, unless the question asks of both matrices.
    result = retriever.search("do patients with drug or alcohol problems do better with a good counsellor?", 8)
    assert len(result.query.matrices) == 2
    chosen = choose_sentences(result, retriever, result.query, LENGTHS["short"], None)
    assert {chosen.sources[source].passage.cell.matrix for source, _ in chosen.picked} == set(result.query.matrices)


def test_a_sentence_leaning_back_further_than_usual_is_quoted_only_when_it_gives_what_was_asked(answerer: Answerer):
    # B3's "... another larger US study involving 265 patients and 13 counsellors" leans back three sentences: it is
    # quoted with them for how many were in that study (tests/answer/test_compose_contract.py), but gives no yes or no
    # to this question, for which no sentence of the sources gives one.
    answer = answerer.answer("Does the doctor's attitude affect how patients do?")
    assert answer.answered and answer.lacking == ("a yes or no",)
    assert "265 patients" not in answer.answer and "The stand-out counsellor" not in answer.answer
