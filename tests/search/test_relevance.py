"""The relevance decision: the rule that declines, applied to a question's evidence."""

from __future__ import annotations

import numpy as np
import pytest

from matrixqa.index.analysis import Analysis
from matrixqa.search.cells import CellKey
from matrixqa.search.evidence import Candidates, CellEvidence, Evidence
from matrixqa.search.reading import Query
from matrixqa.search.relevance import MIN_EVIDENCE, decide
from matrixqa.search.retrieve import Retriever

SOME_CANDIDATES = Candidates(*[np.zeros(1)] * 12)  # some passage may be retrieved
B3, B4 = CellKey("Drug Treatment Matrix", "B3"), CellKey("Drug Treatment Matrix", "B4")
NO_WORDS = Analysis([], [], [])


def judged(sentence, coverage, query=None, **measured):
    """The decision on evidence measured as given, some passage being admitted."""
    query = query or Query("q", "q", NO_WORDS)
    evidence = Evidence(query, None, SOME_CANDIDATES, cells=(CellEvidence(B3, sentence, coverage),), **measured)
    return decide(evidence)


def test_one_cell_gives_the_evidence_a_sentence_of_one_and_words_of_another_make_none():
    # One cell's good sentence and another's words add up to enough only if summed across cells.
    apart = (CellEvidence(B3, MIN_EVIDENCE - 0.05, 0.0), CellEvidence(B4, 0.2, 0.8))
    decided = decide(Evidence(Query("q", "q", NO_WORDS), None, SOME_CANDIDATES, cells=apart))
    assert not decided.relevant and decided.evidence == pytest.approx(MIN_EVIDENCE - 0.05)
    together = (CellEvidence(B3, MIN_EVIDENCE - 0.05, 0.2), CellEvidence(B4, 0.2, 0.8))
    decided = decide(Evidence(Query("q", "q", NO_WORDS), None, SOME_CANDIDATES, cells=together))
    assert decided.relevant and (decided.sentence_score, decided.coverage) == (MIN_EVIDENCE - 0.05, 0.2)


def test_the_rule_needs_evidence_and_more_of_it_when_a_topic_is_absent():
    assert not judged(MIN_EVIDENCE - 0.01, 0.0).relevant
    assert judged(MIN_EVIDENCE, 0.0).relevant
    # A topic the answering passages do not treat declines, however strong the rest of the evidence.
    assert not judged(1.0, 1.0, missing=("pregnancy",)).relevant
    # A word no passage uses that names no topic of the field is reported, not a reason to decline.
    assert judged(MIN_EVIDENCE, 0.0, unknown=("xylophone",)).relevant
    read = Query("q", "q", NO_WORDS, corrected=("a → b",), expanded=("RCGP = Royal",))
    both = judged(0.5, 0.4, read, missing=("pregnancy",), matched=("pee ≈ urine",), unknown=("zop",))
    assert both.evidence == pytest.approx(0.6) and both.missing == ("pregnancy",) and both.unknown == ("zop",)
    assert both.corrected == ("a → b",) and both.matched == ("RCGP = Royal", "pee ≈ urine")


def test_a_question_naming_an_author_of_a_first_passages_study_is_answered():
    named = ("Luborsky = an author of ‘A study’ (1985)",)
    assert not judged(MIN_EVIDENCE - 0.1, 0.0).relevant
    by_author = judged(MIN_EVIDENCE - 0.1, 0.0, authors=named)
    assert by_author.relevant and by_author.matched == named
    # A name does not make up for a topic the corpus does not treat.
    assert not judged(MIN_EVIDENCE - 0.1, 0.0, missing=("prison",), authors=named).relevant


def test_no_admitted_passage_is_nothing_relevant_and_a_question_about_the_corpus_always_is():
    assert decide(Evidence(Query("q", "q", NO_WORDS), None, None)).relevant is False
    asked = Query("q", "q", NO_WORDS, corrected=("celll → cell",), about_the_corpus=True)
    about = judged(0.2, 0.4, asked, missing=("pregnancy",))
    assert about.relevant and about.missing == ()
    # What the evidence measured is still reported, and why it was answered anyway.
    assert about.evidence == pytest.approx(0.3) and about.sentence_score == 0.2 and about.coverage == 0.4
    assert about.corrected == ("celll → cell",) and len(about.matched) == 1 and "summary" in about.matched[0]


def test_a_question_naming_a_section_of_a_cell_it_names_is_answered_from_it():
    assert not judged(MIN_EVIDENCE - 0.2, 0.0).relevant
    assert judged(MIN_EVIDENCE - 0.2, 0.0, sections=("Key studies",)).relevant
    # A section does not make up for a topic the corpus does not treat.
    assert not judged(MIN_EVIDENCE - 0.2, 0.0, sections=("Key studies",), missing=("prison",)).relevant


def test_a_question_on_an_absent_topic_is_declined_and_says_which(retriever: Retriever):
    result = retriever.search("naloxone for patients at the clinic", 5)
    assert result.relevance.missing == ("naloxone",) and result.relevance.unknown == ()
    assert not result.relevant


@pytest.mark.model
@pytest.mark.parametrize(
    "question",
    [
        "do prescribers use relaxing supervision as a carrot to make clients behave",
        "is it mortifying for patients to give a urine sample while someone watches",
        "is there any decent research on whether the bloke you get as your counsellor changes how you get on",
    ],
)
def test_real_model_answers_in_everyday_words_the_corpus_does_not_use(real_retriever: Retriever, question):
    result = real_retriever.search(question, 5)
    assert result.relevant and result.relevance.missing == ()


@pytest.mark.model
def test_real_model_answers_whoever_asks_but_declines_a_topic_asked_of(real_retriever: Retriever):
    # B3 treats neither pregnancy nor commissioning: named as who asks, they decline nothing.
    for asker, asked in [
        (
            "Midwife here - does supervised dosing harm relationships?",
            "Does supervised dosing harm relationships in pregnancy?",
        ),
        (
            "I'm a commissioner. What guidance is there on what doctors treating drug users should be able to do?",
            "What guidance is there on commissioning doctors to treat drug users?",
        ),
    ]:
        assert real_retriever.search(asker, 5).relevant, asker
        result = real_retriever.search(asked, 5)
        assert not result.relevant and result.relevance.missing, asked


@pytest.mark.model
@pytest.mark.parametrize(
    "question",
    ["Is methadone safe in pregnancy?", "Do drug consumption rooms reduce overdose deaths?", "smokng cessation"],
)
def test_real_model_still_declines_topics_the_corpus_never_treats(real_retriever: Retriever, question):
    result = real_retriever.search(question, 5)
    assert not result.relevant and result.relevance.missing


def test_a_search_naming_only_cells_the_corpus_lacks_reports_nothing_relevant(client):
    response = client.post("/api/search", json={"question": "what does alcohol E5 say?", "k": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["relevant"] is False  # the passages nearest it are still listed, as not relevant
    assert body["relevance"]["matched"] == ["the question names only cells this corpus does not hold"]
