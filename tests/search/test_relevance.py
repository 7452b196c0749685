"""The relevance decision: reading a question in the corpus's words, and the rule that declines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import load_index
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search import retrieve
from matrixqa.search.relevance import MIN_EVIDENCE, STRONG_EVIDENCE, Reading, decide
from matrixqa.search.retrieve import Retriever
from tests.index.test_index_faults import CountingEmbedder


def test_the_rule_needs_evidence_and_more_of_it_when_a_topic_is_absent():
    plain = Reading("q")
    assert not decide(MIN_EVIDENCE - 0.01, 0.0, plain).relevant
    assert decide(MIN_EVIDENCE, 0.0, plain).relevant
    assert not decide(STRONG_EVIDENCE - 0.01, 0.0, plain, absent=("pregnancy",)).relevant
    assert decide(STRONG_EVIDENCE, 0.0, plain, absent=("pregnancy",)).relevant
    # A word no passage uses that names no topic of the field is reported, not a reason to decline.
    assert decide(MIN_EVIDENCE, 0.0, plain, unknown=("xylophone",)).relevant
    reading = Reading("q", ("a → b",), ("RCGP = Royal",))
    both = decide(0.5, 0.4, reading, absent=("pregnancy",), matched=("pee ≈ urine",), unknown=("zop",))
    assert both.evidence == pytest.approx(0.6) and both.missing == ("pregnancy",) and both.unknown == ("zop",)
    assert both.corrected == ("a → b",) and both.matched == ("RCGP = Royal", "pee ≈ urine")


def test_a_question_naming_an_author_of_a_first_passages_study_is_answered():
    plain, named = Reading("q"), ("Luborsky = an author of ‘A study’ (1985)",)
    assert not decide(MIN_EVIDENCE - 0.1, 0.0, plain).relevant
    by_author = decide(MIN_EVIDENCE - 0.1, 0.0, plain, authors=named)
    assert by_author.relevant and by_author.matched == named
    # A name does not make up for a topic the corpus does not treat.
    assert not decide(MIN_EVIDENCE - 0.1, 0.0, plain, absent=("prison",), authors=named).relevant


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("Is Nyxoid safe in pregnancy?", ("Nyxoid (naloxone)", "pregnancy")),  # by any of its names, said once
        ("do drug consumption rooms work", ("drug consumption rooms",)),  # a phrase: its words are in the corpus
        ("naloxone and Narcan", ("naloxone",)),  # one topic, named twice
        ("alcohol and the clinic", ()),  # the fake D4 cell is about alcohol: a topic the corpus treats
        ("xylophone tuning", ()),  # no topic of the field
    ],
)
def test_a_topic_is_absent_when_no_passage_names_it(retriever: Retriever, question, absent):
    assert retriever.reader.absent_topics(retriever.analyzer.analyse(question)) == absent


def test_a_question_on_an_absent_topic_is_declined_and_says_which(retriever: Retriever):
    result = retriever.search("naloxone for patients at the clinic", 5)
    assert result.relevance.missing == ("naloxone",) and result.relevance.unknown == ()
    if result.relevance.evidence < STRONG_EVIDENCE:
        assert not result.relevant


def test_a_name_of_the_field_corrects_a_misspelling_and_is_never_corrected(retriever: Retriever):
    assert retriever.reader.correction("naloxne") == "naloxone"  # the vocabulary's word, though not the corpus's
    result = retriever.search("does retendering harm outcomes", 5)
    assert result.read_as == "does retendering harm outcomes" and result.relevance.corrected == ()
    assert result.relevance.missing == ("retendering (commissioning)",)


def test_an_acronym_of_capitals_may_spell_out_a_phrase_in_small_letters(retriever: Retriever):
    assert retriever.reader.spell_out("DTU") == "drug treatment units"
    assert retriever.reader.spell_out("DT") is None  # two letters: too many phrases would do
    assert retriever.reader.spell_out("Dtu") is None  # small letters after a capital go on with its word
    result = retriever.search("DTU or GP", 5)
    assert result.read_as == "drug treatment units or GP"
    # An acronym naming a topic of the field is that topic, not a phrase to look for.
    assert retriever.search("NSP and the clinic", 5).relevance.missing == ("NSP (needle exchange)",)


def test_authors_are_named_by_surname_capitalised_or_rare(retriever: Retriever):
    passages = retriever.index.passages
    analyse = retriever.analyzer.analyse
    (luborsky,) = retriever.reader.named_authors(analyse("luborsky therapist success"), passages)
    assert luborsky.startswith("luborsky = an author of ‘")
    assert retriever.reader.named_authors(analyse("What did Kim et al find?"), passages)
    assert not retriever.reader.named_authors(analyse("what did kim find"), passages)  # a common word in lower case
    assert not retriever.reader.named_authors(analyse("Who wrote about Xylophones?"), passages)


@pytest.mark.parametrize(
    ("written", "corrected"),
    [
        ("methadne", "methadone"),  # the corpus's word beats the English "methane" at the same distance
        ("buprenorphin", "buprenorphine"),
        ("relatinship", "relationship"),
        ("superviesd", "supervised"),
        ("Philidelphia", "Philadelphia"),  # a capital is kept
        ("smokng", "smoking"),  # a typo of a word the corpus lacks becomes that word
        ("clins", "clinks"),  # among many English words as near ("coins", "clips"...), the corpus's wins
    ],
)
def test_misspellings_are_corrected_against_the_corpus_and_english(retriever: Retriever, written, corrected):
    assert retriever.reader.correction(written) == corrected


@pytest.mark.parametrize("word", ["woody", "rude", "fibbing", "kim", "centered", "Guichard", "Najavits"])
def test_real_words_and_short_words_are_not_corrected(retriever: Retriever, word):
    assert retriever.reader.correction(word) is None


def test_the_corrected_question_is_what_retrieval_searches(retriever: Retriever):
    typed = retriever.search("whole persn approach with buprenorphin in france", 5)
    tidy = retriever.search("whole person approach with buprenorphine in france", 5)
    assert typed.read_as == "whole person approach with buprenorphine in france"
    assert set(typed.relevance.corrected) == {"persn → person", "buprenorphin → buprenorphine"}
    assert [h.passage.id for h in typed.hits] == [h.passage.id for h in tidy.hits]
    assert typed.relevance.evidence == pytest.approx(tidy.relevance.evidence)


def test_an_acronym_is_spelt_out_from_the_capitalised_phrase_it_abbreviates(retriever: Retriever):
    result = retriever.search("RCGP competencies", 5)
    assert result.read_as == "Royal College of General Practitioners competencies"
    assert result.relevance.matched == ("RCGP = Royal College of General Practitioners",)
    assert "RCGP" not in result.relevance.missing
    assert "Royal College of General Practitioners" in result.hits[0].passage.text


@pytest.mark.parametrize(
    ("acronym", "phrase"),
    [
        ("RCPsych", "Royal College of Psychiatrists"),  # small letters go on with the word their capital opens
        ("PHE", "Public Health England"),
        ("RCPx", None),  # the small letters must go on with the word: "px" does not
        ("RCGPX", None),  # one capital too many
    ],
)
def test_an_acronym_abbreviates_a_phrase_capital_by_capital(retriever: Retriever, acronym, phrase):
    assert retriever.reader.spell_out(acronym) == phrase


def test_a_word_known_only_through_the_vocabulary_is_read_with_the_fields_word(retriever: Retriever):
    result = retriever.search("picking up a script every day", 5)
    assert result.read_as == "picking up a script (prescription) every day"
    assert "script ≈ prescription" in result.relevance.matched and "script" not in result.relevance.missing
    # A word the corpus itself uses is left as it is, though the vocabulary joins it to others.
    assert retriever.search("the pharmacy every day", 5).read_as == "the pharmacy every day"


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("What does this matrix cell cover?", True),
        ("What is cell B3 about?", True),
        ("what do you cover", True),
        ("What does the matrix say about methadone?", False),  # a subject of its own
        ("What is a cell?", False),  # asks nothing of what it covers
    ],
)
def test_a_question_asking_what_the_corpus_covers_is_told_its_cells_summaries(retriever: Retriever, question, about):
    result = retriever.search(question, 5)
    assert result.about_the_corpus is about
    if about:
        assert result.relevant and result.hits[0].passage.section == SUMMARY_SECTION
        assert result.relevance.missing == ()


def test_the_cells_summaries_answer_what_the_corpus_covers_above_the_candidate_pool(retriever: Retriever, monkeypatch):
    monkeypatch.setattr(retrieve, "POOL", 1)  # fewer candidates than passages: the summaries must still be among them
    summaries = {p.id for p in retriever.index.passages if p.section == SUMMARY_SECTION}
    hits = retriever.search("What does this matrix cell cover?", 5).hits
    assert {h.passage.id for h in hits[: len(summaries)]} == summaries


def test_words_naming_the_corpus_itself_are_not_unknown(retriever: Retriever):
    result = retriever.search("what does the matrix cell B3 say about xylophone tuning", 5)
    assert not {"matrix", "cell", "B3"} & set(result.relevance.unknown)
    assert "xylophone" in result.relevance.unknown


@pytest.mark.model
def test_real_model_matches_an_everyday_word_by_meaning(real_retriever: Retriever):
    result = real_retriever.search("Is it humiliating to have to pee in front of staff for a drug test?", 5)
    assert "pee ≈ urine" in result.relevance.matched and "pee" not in result.relevance.unknown
    assert result.relevant


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
@pytest.mark.parametrize(
    "question",
    ["Is methadone safe in pregnancy?", "Do drug consumption rooms reduce overdose deaths?", "smokng cessation"],
)
def test_real_model_still_declines_topics_the_corpus_never_treats(real_retriever: Retriever, question):
    result = real_retriever.search(question, 5)
    assert not result.relevant and result.relevance.missing


@pytest.mark.model
def test_real_model_answers_a_misspelt_question_as_the_tidy_one(real_retriever: Retriever):
    result = real_retriever.search("does the methadne counseller make a diffrence", 5)
    assert result.relevant and "methadne → methadone" in result.relevance.corrected
    assert "counsellor" in result.hits[0].passage.text.lower()


def test_the_corpus_words_are_embedded_by_build_not_by_the_first_question(index_dir: Path, corpus_dir: Path):
    index = load_index(index_dir, HashingEmbedder(), corpus_dir)
    assert index.words and index.word_vectors is not None and len(index.words) == len(index.word_vectors)
    stored = CountingEmbedder()
    result = Retriever(index, stored).search("xylophone methadone", 5)
    assert "xylophone" in result.relevance.unknown  # the unknown word was compared with the corpus words
    # One pass of the model: the question and its unknown word; the corpus words' vectors were stored.
    assert stored.calls == 1 and stored.texts == ["xylophone methadone", "xylophone"]
    # A word's vector does not depend on the question: the next question embeds only itself.
    retriever = Retriever(index, stored)
    retriever.search("xylophone tuning", 5)
    retriever.search("xylophone methadone again", 5)
    assert stored.texts[2:] == ["xylophone tuning", "xylophone", "tuning", "xylophone methadone again"]
    # An index built before words were stored still works: the words are embedded when first needed.
    before = CountingEmbedder()
    Retriever(replace(index, words=None, word_vectors=None), before).search("xylophone methadone", 5)
    assert set(index.words) <= set(before.texts)
