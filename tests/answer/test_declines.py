"""Declines that say why: the filters, or the topics the corpus does not treat, and where to turn."""

from __future__ import annotations

from matrixqa.answer.compose import Answerer
from matrixqa.answer.declines import Decline, Elsewhere, decline_message, describe_filters
from matrixqa.ingest.chunk import CellRef
from matrixqa.ingest.identity import plain_name
from matrixqa.search.filters import Filters
from matrixqa.search.retrieve import Retriever

ZEBRA = "do zebra stripes in the waiting room help counselling?"
DRUG_ONLY = Filters(matrix="Drug Treatment Matrix", year_from=2015, year_to=2020)


def test_a_question_the_filters_keep_from_its_evidence_says_so_and_how_much_they_leave(answerer: Answerer):
    assert answerer.answer(ZEBRA).answered  # the fake alcohol cell answers it
    declined = answerer.answer(ZEBRA, filters=DRUG_ONLY)
    assert not declined.answered and declined.decline and declined.decline.filtered
    filtered = declined.decline.filtered
    admitted = sum(DRUG_ONLY.admits(p) for p in answerer.retriever.index.passages)
    assert filtered.admitted == admitted and filtered.total == len(answerer.retriever.index.passages)
    assert filtered.cited_without == len(answerer.answer(ZEBRA).citations)
    assert "Your filters (the Drug Treatment Matrix; studies from 2015 to 2020) leave out" in declined.message
    assert "does not cover" not in declined.message


def test_a_question_nothing_answers_with_or_without_filters_is_not_blamed_on_them(answerer: Answerer):
    declined = answerer.answer("xylophone quantum chromodynamics", filters=DRUG_ONLY)
    assert not declined.answered and declined.decline and declined.decline.filtered is None
    assert declined.message.startswith("The evidence in this corpus does not cover that question")


def test_the_cells_treating_a_topic_are_found_from_the_corpus(retriever: Retriever):
    treating = retriever.gatherer.topics.cells_treating
    alcohol = next(g.token for g in retriever.analyzer.vocabulary.groups if g.name == "alcohol")
    # Every cell of the Alcohol Treatment Matrix treats alcohol; the drug cell B3 does not.
    assert [(k.matrix, k.code) for k in treating(alcohol)] == [("Alcohol Treatment Matrix", "D4")]


def test_a_decline_names_where_the_corpus_treats_a_topic_in_plain_words():
    cell = CellRef("Drug Treatment Matrix", "A1", "Interventions; Reducing harm", "https://example.test/A1", "")
    b3 = CellRef("Drug Treatment Matrix", "B3", "Practitioners; Medical treatment", "https://example.test/B3", "")
    decline = Decline(None, (Elsewhere("naloxone", cell),))
    message = decline_message(decline, Filters(), ("naloxone",), [cell, b3], [b3])
    assert "‘naloxone’ is treated in the cell on interventions in reducing harm (Drug Treatment Matrix)" in message
    assert "A1" not in message and "B3" not in message
    untreated = decline_message(Decline(), Filters(), ("naloxone",), [b3], [b3])
    assert "No cell of this corpus treats ‘naloxone’: it holds 1 of the Effectiveness Bank's 50" in untreated


def test_filters_are_described_in_words():
    assert describe_filters(Filters(types=frozenset({"G"}), year_from=2015, year_to=2020)) == (
        "guidance; studies from 2015 to 2020"
    )
    assert describe_filters(Filters(cells=frozenset({"B3"}), matrix="Drug Treatment Matrix")) == (
        "cell B3 of the Drug Treatment Matrix"
    )


def test_a_cell_off_the_grid_keeps_its_code():
    assert plain_name("Drug Treatment Matrix", "A1") == "interventions in reducing harm (Drug Treatment Matrix)"
    assert plain_name("Synthetic Matrix", "S001") == "Synthetic Matrix cell S001"


def test_a_decline_names_the_topic_its_nearest_passages_lack_and_the_cell_that_treats_it(answerer: Answerer):
    # B3 is nearest the question but does not treat drinking; the fake alcohol cell D4 does.
    declined = answerer.answer("Do doctors who treat heavy drinkers need special skills?")
    assert not declined.answered and declined.relevance and declined.decline
    (topic,) = declined.relevance.missing
    d4 = next(cell for cell in answerer.cells if cell.code == "D4")
    assert declined.decline.elsewhere == (Elsewhere(topic, d4),)
    assert f"The passages nearest the question do not treat ‘{topic}’." in declined.message
    assert f"‘{topic}’ is treated in the cell on {Elsewhere(topic, d4).name}." in declined.message
