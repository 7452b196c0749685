"""What a question asks for, read on the fast index: what a "how many" question counts, and a subject word no passage
uses, named by the corpus word nearest it in meaning (a hashing embedder knows no meaning: here one word is given a
vector near another's). tests/answer/test_asks.py has the rest.

Written against the mutants mutmut left alive in asks.read_asked (docs/mutation.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from matrixqa.answer.asks import read_asked
from matrixqa.answer.compose import Answerer
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Retriever


class NearInMeaning(HashingEmbedder):
    """A hashing embedder wide enough that no two words of the corpus share a vector, which gives "parisian" (a word no
    passage uses, nor the vocabulary) a vector near, not equal to, that of "france"."""

    dimension = 10_007
    fingerprint = "hashing-near-in-meaning"

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = super().embed(texts)
        france, other = super().embed(["france", "qqzx"])
        for row, text in enumerate(texts):
            if text == "parisian":
                vectors[row] = (france + 0.3 * other) / np.linalg.norm(france + 0.3 * other)  # cosine 0.96
        return vectors


@pytest.fixture
def meaning(corpus_dir, tmp_path) -> Retriever:
    embedder = NearInMeaning()
    build_index(load_corpus(corpus_dir), embedder, tmp_path / "near")
    return Retriever(load_index(tmp_path / "near", embedder, corpus_dir), embedder)


def test_a_word_no_passage_uses_is_named_by_its_nearest_corpus_word_in_meaning(meaning: Retriever):
    assert meaning.gatherer.meanings.closest("parisian") == "france"
    query = meaning.reader.read("How many patients were Parisian?")
    assert [t.word for t in query.unknown] == ["Parisian"]
    asked = read_asked(query, meaning, meaning.embedder.embed([query.text])[0])
    tokens = meaning.analyzer.tokens
    assert asked.given_by("Interviews with 40 patients in France.", tokens)
    assert not asked.given_by("Interviews with 40 patients in Scotland.", tokens)


def test_a_how_many_question_is_not_answered_by_a_count_of_something_else(answerer: Answerer):
    counted = answerer.answer("How many clinicians in Scotland were asked about supervision?")
    assert counted.lacking == () and "20 out of 32 clinicians" in counted.answer
    other = answerer.answer("How many pharmacists were asked about supervision in Scotland?")  # the cells count none
    cells = {citation.passage.cell for citation in other.citations}
    lacking = "The cell gives no figure" if len(cells) == 1 else "These cells give no figure"
    assert other.answered and other.lacking == ("a number",) and other.lead.startswith(lacking)


def test_the_words_a_question_is_about_weigh_more_than_those_that_frame_it(meaning: Retriever):
    # The question as search reads it is nearest in meaning to "France": a clause naming France names most of its
    # subject, one naming only the interviews too little of it.
    query = meaning.reader.read("How many patients in France were interviewed?")
    asked = read_asked(query, meaning, meaning.embedder.embed(["france"])[0])
    tokens = meaning.analyzer.tokens
    assert asked.given_by("In France 40 patients took part.", tokens)
    assert not asked.given_by("40 patients were interviewed.", tokens)


def test_a_yes_or_no_the_cells_do_not_give_is_said_to_be_lacking(answerer: Answerer):
    # asks_for_final5.jsonl:af5-40 (labelled lacking: the cells say nothing of how long those patients stayed) with a
    # word no passage uses, nor the vocabulary, for its "French", which the vocabulary now reads as France: a subject
    # word named nowhere weighs as the rarest, so the sentences naming the rest of the subject give no yes or no.
    answer = answerer.answer("Did the Parisian patients with a whole-person relationship stay in treatment longer?")
    assert answer.answered and answer.lacking == ("a yes or no",)


@pytest.mark.parametrize("question", ["where should I start?", "B3: where should I start reading?"])
def test_a_question_the_page_asks_under_a_heading_asks_for_that_section_not_a_kind(answerer: Answerer, question):
    # "should I" asks what to do; the page's "Where should I start?" heading asks the same and its section answers.
    retriever = answerer.retriever
    result = retriever.search(question, 5)
    assert read_asked(result.query, retriever, result.question_vector) is None
    answer = answerer.answer(question)
    assert answer.answered and not answer.asks_for and answer.lacking == ()
    assert answer.citations[0].passage.section == "Where should I start?"
    assert "no advice" not in answer.answer
    # A question asking what to do in words of no heading still asks it.
    other = retriever.search("what should I do when a patient misses doses?", 5)
    assert read_asked(other.query, retriever, other.question_vector).kind.name == "what to do"


@pytest.mark.parametrize(
    "question",
    [
        "Which review is recommended as the place to start reading on clinician influence?",
        "What's the best piece of research to start with on clinician influence?",
    ],
)
def test_the_words_asking_what_to_read_first_name_no_subject(answerer: Answerer, question):
    # The page's "Where should I start?" answers the request; its words are not what the giving sentence must name.
    retriever = answerer.retriever
    result = retriever.search(question, 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    named = {token for tokens, _ in asked.subject for token in tokens}
    tokens = retriever.analyzer.tokens
    assert asked.kind.name == "a study"
    assert named & set(tokens("clinician")) and named & set(tokens("influence"))
    assert not named & set(tokens("recommended place start reading best piece research review"))
