"""What a question is read as: asking what a cell covers (in a clause of its own too), the topics it names, or
nothing search can weigh."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.reading import QuestionReader
from matrixqa.search.retrieve import Retriever


@pytest.mark.parametrize(
    "question",
    [
        "do counsellors make a difference to drinkers - what does the matrix say about it?",
        "Is methadone better than buprenorphine? What does the matrix cover on that?",
    ],
)
def test_a_clause_naming_only_the_corpus_after_a_subject_asks_of_the_subject_when_no_cell_is_named(
    retriever: Retriever, question: str
):
    # Without a cell named, "the matrix" in the last clause is where to look for the subject, not what is asked about.
    assert not retriever.reader.read(question).about_the_corpus


def test_a_clause_of_the_askers_may_itself_ask_what_the_cell_covers(retriever: Retriever):
    # Every clause opens with "I"; the first asks what the cell covers, the last says who asks.
    result = retriever.search("I would like to know what drug B3 covers. I work in probation.", 5)
    assert result.about_the_corpus and result.relevant
    assert result.hits[0].passage.section == SUMMARY_SECTION and result.hits[0].passage.cell.code == "B3"


@pytest.mark.parametrize(
    ("question", "code"),
    [
        # "it" stands for the cell the clause before ends naming, whatever word comes before the code.
        ("my manager mentioned D4 - what's it about?", "D4"),
        # The clause names the cell by its title's words: they name the corpus, as the code would.
        ("I work in probation. What does the organisational psychosocial therapies cell cover?", "D4"),
    ],
)
def test_a_clause_of_its_own_asks_what_the_cell_covers(retriever: Retriever, question: str, code: str):
    result = retriever.search(question, 5)
    assert result.about_the_corpus and result.relevant
    assert result.hits[0].passage.section == SUMMARY_SECTION and result.hits[0].passage.cell.code == code


@pytest.mark.parametrize("question", ["what is it?", "why?"])
def test_a_question_with_no_word_of_its_own_is_declined(retriever: Retriever, question: str):
    # Nothing in it for search to weigh: no passage covers any of it.
    result = retriever.search(question, 5)
    assert not result.relevant and not result.about_the_corpus


def test_a_word_naming_two_topics_names_both(retriever: Retriever):
    # "smoking" is tobacco, and "stop smoking" smoking cessation: a question no cell answers is told it lacks both.
    result = retriever.search("What's the best way to help methadone patients stop smoking?", 5)
    assert [t.shown for t in result.query.topics] == ["smoking cessation", "smoking (tobacco)"]
    assert not result.relevant and result.relevance.missing == ("smoking cessation", "smoking (tobacco)")


def test_a_name_of_the_field_the_corpus_lacks_is_no_misspelling(retriever: Retriever):
    # "retender" (the vocabulary's word for recommissioning) is one letter from "reminder": it is read as written.
    question = "how do commissioners decide when to retender a drug treatment service"
    query = retriever.reader.read(question)
    assert query.text == question and query.corrected == ()


@pytest.mark.parametrize(
    ("question", "read_as"),
    [
        # Every word after an acronym spelt out, or a name of the corpus, is still read: an acronym, a misspelling.
        (
            "what do the RCPsych and RCGP say doctors should be competent in?",
            "what do the Royal College of Psychiatrists and Royal College of General Practitioners say doctors should "
            "be competent in?",
        ),
        ("RCGP competncies", "Royal College of General Practitioners competencies"),
        ("what does drug B3 say about methadne?", "what does drug B3 say about methadone?"),  # and after a name
        ("picking up a script for methadne", "picking up a script (prescription) for methadone"),  # a synonym
        ("does retendering harm buprenorphin patients?", "does retendering harm buprenorphine patients?"),  # a topic
        # A report's code the corpus holds (CR173) is no acronym to spell out, though its letters begin a phrase.
        ("what does Royal College report CR173 say?", "what does Royal College report CR173 say?"),
    ],
)
def test_each_word_of_a_question_is_read_once_in_the_corpus_words(retriever: Retriever, question: str, read_as: str):
    assert retriever.reader.read(question).text == read_as


def test_an_acronym_naming_a_topic_is_not_spelt_out_though_a_phrase_of_the_corpus_has_its_initials(
    retriever: Retriever,
):
    first, second = [p for p in retriever.index.passages if p.kind == "commentary"][:2]
    phrase = replace(first, text="Many clients use a Needle Syringe Programme each week.")
    reader = QuestionReader([phrase, second], retriever.lexical)
    assert reader.spell_out("NSP") == "Needle Syringe Programme"
    query = reader.read("is the NSP open late?")
    assert query.text == "is the NSP open late?" and query.expanded == ()
    assert [t.shown for t in query.topics] == ["NSP (needle exchange)"]


def test_a_misspelling_of_a_word_english_hardly_uses_is_corrected_to_the_corpus_word(retriever: Retriever):
    # Neither spelling is common English: the misspelling is unknown to it, so the corpus's word is taken.
    question = "whats the countertransferance bit in the clinicans review about"
    query = retriever.reader.read(question)
    assert query.text == "whats the countertransference bit in the clinicians review about"
    assert "countertransferance → countertransference" in query.corrected


def test_a_misspelling_as_near_two_words_of_the_corpus_is_read_as_the_commoner(retriever: Retriever):
    # Neither word is English: the one the corpus uses more often is taken, wherever it first occurs.
    first, second = [p for p in retriever.index.passages if p.kind == "commentary"][:2]
    rarer = replace(first, text="Zorbix was tried once.")
    commoner = replace(second, text="Zorbex helped; zorbex was kept, and zorbex is still given.")
    reader = QuestionReader([rarer, commoner], retriever.lexical)
    assert reader.read("is zorbax safe?").text == "is zorbex safe?"
