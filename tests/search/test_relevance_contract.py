"""The reading of a question and the relevance decision, as the module's docstring states them.

Written against the mutants mutmut left alive in relevance.py (docs/mutation.md): each test states a
documented rule that a one-token change broke without any test noticing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Retriever


@pytest.mark.parametrize(
    ("written", "corrected"),
    [
        ("urin", "urine"),  # four letters are enough to correct
        ("mehtadne", "methadone"),  # two edits in a word of eight letters
        ("relatinshp", "relationship"),  # two edits in a long word
        ("centrlise", "centralise"),  # an unknown word is corrected even into a word rare in English
    ],
)
def test_misspellings_within_the_documented_distance_are_corrected(retriever: Retriever, written, corrected):
    assert retriever.reader.correction(written) == corrected


@pytest.mark.parametrize(
    "word",
    [
        "drg",  # shorter than four letters: too many neighbours ("drug", "dog", "dry") to choose with confidence
        "authorise",  # a real word, not a hundred times rarer than the corpus's "authorised"
        "Kitchin",  # a name: capitalised, so corrected only into a corpus word, and "kitchen" is not one
        "grassing",  # slang English knows: not two edits from "passing", a word English knows far better
    ],
)
def test_short_words_real_words_and_names_the_corpus_lacks_are_left_alone(retriever: Retriever, word):
    assert retriever.reader.correction(word) is None


def test_the_capital_is_what_protects_a_name(retriever: Retriever):
    assert retriever.reader.correction("kitchin") == "kitchen"


def test_words_after_a_spelt_out_acronym_are_still_corrected(retriever: Retriever):
    result = retriever.search("RCGP competncies", 5)
    assert result.read_as == "Royal College of General Practitioners competencies"
    assert result.relevance.corrected == ("competncies → competencies",)


def test_a_dense_only_search_still_decides_relevance(retriever: Retriever):
    dense = retriever.with_mode("dense")
    assert not dense.search("xylophone quantum chromodynamics tuning", 5).relevant
    assert dense.search("Supervision also forces the patient into a stigmatising position", 5).relevant


DIMENSION = HashingEmbedder.dimension
# Two directions no single word's hashing vector leans to (every component is +-1/16): one for a
# corpus word, one for the other meanings.
UNUSUAL = np.resize([1.0, -1.0], DIMENSION) / np.sqrt(DIMENSION)
ELSEWHERE = np.ones(DIMENSION) / np.sqrt(DIMENSION)


class MeaningEmbedder(HashingEmbedder):
    """The hashing embedder, except for the words given a vector of their own."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = super().embed(texts)
        for row, text in enumerate(texts):
            if text in self.vectors:
                vectors[row] = self.vectors[text]
        return vectors


def _retriever(embedder: HashingEmbedder, corpus_dir: Path, folder: Path) -> Retriever:
    """An index built with the embedder: the corpus words' vectors come from it too."""
    build_index(load_corpus(corpus_dir), embedder, folder)
    return Retriever(load_index(folder, embedder, corpus_dir), embedder)


def test_a_word_near_a_corpus_word_in_meaning_is_matched_not_missing(corpus_dir: Path, tmp_path: Path):
    near = 0.9 * UNUSUAL + np.sqrt(1 - 0.9**2) * ELSEWHERE  # cosine 0.9 with "urine"
    embedder = MeaningEmbedder({"urine": UNUSUAL, "zop": near})
    result = _retriever(embedder, corpus_dir, tmp_path / "index").search("zop tests", 5)
    assert result.relevance.matched == ("zop ≈ urine",)
    assert result.relevance.missing == () and result.relevance.unknown == ()


def test_a_word_near_no_corpus_word_in_meaning_is_unknown_not_missing(corpus_dir: Path, tmp_path: Path):
    embedder = MeaningEmbedder({"urine": UNUSUAL, "zop": ELSEWHERE})
    result = _retriever(embedder, corpus_dir, tmp_path / "index").search("zop tests", 5)
    assert result.relevance.unknown == ("zop",) and result.relevance.matched == ()
    assert result.relevance.missing == ()  # no topic of the field: not, alone, a reason to decline


def test_a_word_near_a_corpus_word_in_meaning_is_searched_as_that_word(corpus_dir: Path, tmp_path: Path):
    near = 0.9 * UNUSUAL + np.sqrt(1 - 0.9**2) * ELSEWHERE
    embedder = MeaningEmbedder({"urine": UNUSUAL, "zop": near})
    hits = _retriever(embedder, corpus_dir, tmp_path / "index").search("zop", 10).hits
    # Lexical search finds the passages holding the word it stands for, and only those.
    assert hits[0].lexical_score > 0 and "urine" in hits[0].passage.text.lower()
    assert all((h.lexical_score > 0) == ("urine" in h.passage.text.lower()) for h in hits)


def test_a_word_near_no_corpus_word_in_meaning_adds_no_lexical_evidence(corpus_dir: Path, tmp_path: Path):
    embedder = MeaningEmbedder({"urine": UNUSUAL, "zop": ELSEWHERE})
    hits = _retriever(embedder, corpus_dir, tmp_path / "index").search("zop", 10).hits
    assert hits and all(h.lexical_score == 0 for h in hits)
