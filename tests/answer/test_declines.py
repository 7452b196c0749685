"""Declines that say why: the filters, or the topics the corpus does not treat, and where to turn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.answer.declines import (
    MATRICES_PAGE,
    NOT_COVERED,
    Decline,
    Elsewhere,
    FilteredOut,
    decline_message,
    describe_filters,
)
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.chunk import CellRef
from matrixqa.ingest.corpus import load_corpus
from matrixqa.ingest.identity import plain_name
from matrixqa.search.cells import CellKey
from matrixqa.search.filters import Filters
from matrixqa.search.retrieve import Retriever

MANY_CELLS = Path(__file__).parents[1] / "data" / "many_cells"

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


def test_a_long_answer_the_filters_keep_from_its_evidence_counts_the_passages_the_long_answer_would_cite(
    answerer: Answerer,
):
    cited = {detail: len(answerer.answer(ZEBRA, detail=detail).citations) for detail in ("short", "long")}
    assert cited["long"] > cited["short"]  # clearing the filters gives the long answer: its count is the one to tell
    declined = answerer.answer(ZEBRA, detail="long", filters=DRUG_ONLY)
    assert declined.decline and declined.decline.filtered and declined.decline.filtered.cited_without == cited["long"]
    assert f"citing {cited['long']} passages: clear the filters" in declined.message


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
    every_type = Filters(types=frozenset({"S", "K", "R", "G", "commentary"}))
    assert describe_filters(every_type) == "guidance and key studies and reviews and seminal studies and commentary"
    assert describe_filters(Filters(cells=frozenset({"B3", "A1"}))) == "cell A1, B3"
    assert describe_filters(Filters(matrix="Drug Treatment Matrix")) == "the Drug Treatment Matrix"
    assert describe_filters(Filters(year_from=2015)) == "studies from 2015 to now"
    assert describe_filters(Filters(year_to=2020)) == "studies from any year to 2020"


def _cell(code: str) -> CellRef:
    return CellRef("Drug Treatment Matrix", code, "", f"https://example.test/{code}", "")


@pytest.mark.parametrize("cited, passages", [(1, "citing 1 passage: clear"), (2, "citing 2 passages: clear")])
def test_a_decline_by_the_filters_reads_in_full(cited: int, passages: str):
    decline = Decline(FilteredOut(admitted=3, total=40, cited_without=cited))
    message = decline_message(decline, Filters(types=frozenset({"K"})), (), [_cell("B3")], [_cell("B3")])
    assert message == (
        "Your filters (key studies) leave out the evidence on this: they admit 3 of the corpus's 40 passages, "
        f"and none of those answers it. Without the filters the corpus answers it, {passages} the filters to "
        "see that answer."
    )


def test_a_decline_for_topics_the_corpus_lacks_reads_in_full():
    a1, b3, c2 = _cell("A1"), _cell("B3"), _cell("C2")
    decline = Decline(None, (Elsewhere("naloxone", a1), Elsewhere("naloxone", c2)))
    message = decline_message(decline, Filters(), ("naloxone", "pregnancy", "prison"), [a1, b3, c2], [b3])
    assert message == (
        f"{NOT_COVERED} The passages nearest the question do not treat ‘naloxone’, ‘pregnancy’ and ‘prison’. "
        "In this corpus, ‘naloxone’ is treated in the cell on interventions in reducing harm (Drug Treatment "
        "Matrix) and management/supervision in generic and cross-cutting issues (Drug Treatment Matrix). "
        "No cell of this corpus treats ‘pregnancy’: it holds 3 of the Effectiveness Bank's 50 matrix cells "
        f"({MATRICES_PAGE}). No cell of this corpus treats ‘prison’: it holds 3 of the Effectiveness Bank's 50 "
        f"matrix cells ({MATRICES_PAGE}). The corpus covers the cell on interventions in reducing harm (Drug "
        "Treatment Matrix), the cell on practitioners in medical treatment (Drug Treatment Matrix) and the cell "
        "on management/supervision in generic and cross-cutting issues (Drug Treatment Matrix)."
    )


def test_a_decline_from_a_corpus_of_many_cells_names_the_nearest_three_once_each():
    corpus = [_cell(code) for code in ("A1", "B3", "C2", "D4", "E5")]
    a1, b3, c2, d4, _ = corpus
    message = decline_message(Decline(), Filters(), (), corpus, [b3, b3, d4, a1, c2])
    assert message == (
        f"{NOT_COVERED} The corpus covers 5 cells; the nearest to this question: the cell on practitioners in "
        "medical treatment (Drug Treatment Matrix); the cell on organisational functioning in psychosocial "
        "therapies (Drug Treatment Matrix); the cell on interventions in reducing harm (Drug Treatment Matrix)."
    )
    assert decline_message(Decline(), Filters(), (), corpus, []) == f"{NOT_COVERED} The corpus covers 5 cells."


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


def test_a_decline_for_one_matrixs_subject_names_that_matrixs_nearest_cells(answerer: Answerer):
    # The fake alcohol D4 alone speaks of zebra stripes; heroin is the drug matrix's, whose one cell here is B3.
    declined = answerer.answer("Do zebra-striped waiting rooms help heroin users keep their appointments?")
    assert not declined.answered and declined.relevance and declined.decline
    assert declined.relevance.missing == ("heroin",)
    b3 = next(cell for cell in answerer.cells if cell.code == "B3")
    assert declined.decline.elsewhere == (Elsewhere("heroin", b3),)
    assert f"‘heroin’ is treated in the cell on {Elsewhere('heroin', b3).name}." in declined.message
    assert "No cell of this corpus treats" not in declined.message


@pytest.mark.parametrize(
    ("question", "said"),
    [
        (
            "what is cell E5 about?",
            "This corpus does not hold the cell on treatment systems in safeguarding the community (Alcohol Treatment "
            "Matrix) at https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/E5.htm or the cell on treatment systems "
            "in safeguarding the community (Drug Treatment Matrix) at "
            "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/E5.htm, so there is no answer to give from it.",
        ),
        (
            "what does the drug matrix cell C1 say about prescribing?",
            "This corpus does not hold the cell on management/supervision in reducing harm (Drug Treatment Matrix) at "
            "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/C1.htm, so there is no answer to give from it.",
        ),
    ],
)
def test_a_question_naming_only_cells_the_corpus_lacks_is_declined_naming_them_and_their_pages(
    answerer: Answerer, question: str, said: str
):
    # Answered from other cells, "what is cell E5 about?" would read as if those cells were E5.
    declined = answerer.answer(question)
    assert not declined.answered and declined.citations == ()
    assert declined.message.startswith(said) and "The corpus covers" in declined.message
    assert declined.decline and {k.code for k in declined.decline.not_held} == {question.split("cell ")[1][:2]}


def test_a_matrix_the_corpus_holds_no_cell_of_is_named_whole_in_the_decline():
    decline = Decline(not_held=tuple(CellKey("Drug Treatment Matrix", c + r) for c in "ABCDE" for r in "12345"))
    cell = CellRef("Alcohol Treatment Matrix", "D4", "Organisational functioning; Psychosocial therapies", "u", "a")
    message = decline_message(decline, Filters(), (), [cell], [cell])
    assert message.startswith(f"This corpus holds no cell of the Drug Treatment Matrix ({MATRICES_PAGE}), so there")
    # Beside a cell of the other matrix: the matrix named whole, then the cell.
    e5 = CellKey("Alcohol Treatment Matrix", "E5")
    message = decline_message(Decline(not_held=(*decline.not_held, e5)), Filters(), (), [cell], [cell])
    assert message.startswith(
        f"This corpus holds no cell of the Drug Treatment Matrix ({MATRICES_PAGE}) and does not hold the cell on "
        f"{plain_name(e5.matrix, e5.code)} at https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/E5.htm, so there"
    )


def test_a_question_naming_a_cell_the_corpus_holds_beside_one_it_lacks_is_answered(answerer: Answerer):
    # B3 is in both matrices; the corpus holds the drug one.
    answer = answerer.answer("What is cell B3 about?")
    assert answer.answered and answer.decline is None


def test_an_answer_from_a_cell_held_says_which_other_cells_named_the_corpus_lacks(answerer: Answerer):
    answer = answerer.answer("What do drug cells B3 and C1 say about relationships with prescribers?")
    assert answer.answered and {c.passage.cell.code for c in answer.citations} == {"B3"}
    assert answer.lead.endswith(
        " This corpus does not hold the cell on management/supervision in reducing harm (Drug Treatment Matrix) at "
        "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/C1.htm."
    )
    # A cell named that the corpus holds adds nothing to the lead.
    assert "does not hold" not in answerer.answer("What does drug cell B3 say about prescribers?").lead


def test_a_matrix_named_beside_a_cell_the_corpus_lacks_is_no_topic_to_decline_for(answerer: Answerer):
    # "alcohol" names the matrix of a cell the corpus lacks, not the drinking the drug cell does not treat.
    answer = answerer.answer("What do drug B3 and alcohol B4 say about relationships with prescribers?")
    assert answer.answered and answer.lead.endswith("https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/B4.htm.")
    assert answer.relevance and "alcohol" not in answer.relevance.missing


def test_a_decline_from_a_corpus_of_more_than_three_cells_names_those_its_nearest_passages_come_from(
    tmp_path: Path, corpus_dir: Path
):
    for code in ("drug-A4", "drug-B2", "alcohol-B1"):
        shutil.copy(MANY_CELLS / f"{code}.txt", corpus_dir / f"{code}.txt")
    build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "four")
    retriever = Retriever(load_index(tmp_path / "four", HashingEmbedder(), corpus_dir), HashingEmbedder())
    declined = Answerer(retriever).answer("xylophone quantum chromodynamics")
    assert not declined.answered
    nearest = [plain_name(h.passage.cell.matrix, h.passage.cell.code) for h in declined.hits]
    shown = list(dict.fromkeys(nearest))[:3]
    assert f"The corpus covers 5 cells; the nearest to this question: the cell on {shown[0]}" in declined.message
    assert all(f"the cell on {name}" in declined.message for name in shown)
    # Asked of a cell the corpus lacks, likewise.
    lacking = Answerer(retriever).answer("what is cell E5 about?")
    assert not lacking.answered and "The corpus covers 5 cells; the nearest to this question: " in lacking.message
