"""The model's one pass for a question, and words matched by meaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import load_index
from matrixqa.search.meaning import MEANING_MATCH, WordMeanings, matches
from matrixqa.search.retrieve import Retriever
from tests.index.test_index_faults import CountingEmbedder


def test_an_unknown_word_is_matched_to_the_nearest_corpus_word_only_when_near_enough(retriever: Retriever):
    words = ["urine", "test"]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    meanings = WordMeanings(retriever.embedder, words, vectors)
    terms = retriever.reader.read("pee zop").analysis.terms
    near = np.array([MEANING_MATCH + 0.01, np.sqrt(1 - (MEANING_MATCH + 0.01) ** 2)], dtype=np.float32)
    far = np.array([MEANING_MATCH - 0.01, 0.0], dtype=np.float32)
    assert matches(tuple(terms), meanings.closest_to(np.vstack([near, far]))) == (("pee ≈ urine",), ("zop",))
    # The same vector as a corpus word is a hashing collision, not a meaning.
    assert matches(tuple(terms[:1]), meanings.closest_to(vectors[:1])) == ((), ("pee",))


def test_the_closest_corpus_word_is_found_only_when_near_enough(retriever: Retriever):
    words = ["urine", "test"]
    meanings = WordMeanings(retriever.embedder, words, np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    near = np.array([MEANING_MATCH + 0.01, np.sqrt(1 - (MEANING_MATCH + 0.01) ** 2)], dtype=np.float32)
    meanings._seen.update({"pee": near, "zop": np.array([MEANING_MATCH - 0.01, 0.0], dtype=np.float32)})
    assert meanings.closest("pee") == "urine"
    assert meanings.closest("zop") is None
    assert meanings.closest("urine") is None  # a word is not its own neighbour


@pytest.mark.model
def test_real_model_matches_an_everyday_word_by_meaning(real_retriever: Retriever):
    result = real_retriever.search("Is it humiliating to have to pee in front of staff for a drug test?", 5)
    assert "pee ≈ urine" in result.relevance.matched and "pee" not in result.relevance.unknown
    assert result.relevant


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


def test_an_answer_to_a_question_asking_for_a_thing_makes_one_pass_of_the_question(index_dir: Path, corpus_dir: Path):
    from matrixqa.answer.compose import Answerer

    stored = CountingEmbedder()
    answer = Answerer(Retriever(load_index(index_dir, HashingEmbedder(), corpus_dir), stored)).answer(
        "How often should patients be tested for drugs?"
    )
    assert answer.asks_for == "a frequency"
    # The answer weighs the subject's words by the question's vector search made: the question is embedded once.
    assert stored.texts.count("How often should patients be tested for drugs?") == 1


def test_words_embedded_outside_a_search_are_kept_within_the_same_bound(index_dir: Path, corpus_dir: Path, monkeypatch):
    from matrixqa.search import meaning

    monkeypatch.setattr(meaning, "SEEN_WORDS", 2)
    retriever = Retriever(load_index(index_dir, HashingEmbedder(), corpus_dir), CountingEmbedder())
    meanings = retriever.gatherer.meanings
    assert meanings.vectors_of(["xylophone", "zither"]).shape == (2, meanings.vectors.shape[1])
    meanings.vectors_of(["ocarina"])
    assert list(meanings._seen) == ["zither", "ocarina"]  # the earliest went first


def test_a_request_for_a_cells_summary_searched_again_makes_one_pass_of_the_question(index_dir: Path, corpus_dir: Path):
    stored = CountingEmbedder()
    result = Retriever(load_index(index_dir, HashingEmbedder(), corpus_dir), stored).search(
        "summarise alcohol D4 for a new starter", 5
    )
    assert result.about_the_corpus  # declined on its words, then searched again for D4's summary
    assert stored.texts.count("summarise alcohol D4 for a new starter") == 1
