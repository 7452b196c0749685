import json
from pathlib import Path

import numpy as np
import pytest

from matrixqa.errors import IndexUnusable
from matrixqa.index.analysis import Analyzer
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.lexical import LexicalIndex
from matrixqa.index.store import LEXICAL, MANIFEST, PASSAGES, SENTENCE_VECTORS, build_index, load_index, load_lexical
from matrixqa.index.vocabulary import load_vocabulary, parse_vocabulary
from matrixqa.ingest.corpus import load_corpus


def test_build_then_load_round_trips(index_dir: Path, corpus_dir: Path):
    index = load_index(index_dir, HashingEmbedder(), corpus_dir)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    assert manifest["model"] == "hashing" and manifest["dimension"] == 256
    assert manifest["passages"] == len(index.passages) == index.passage_index.ntotal
    assert {"model", "dimension", "corpus_fingerprint", "built_at"} <= set(manifest)
    assert sorted(manifest["cells"]) == ["Alcohol Treatment Matrix cell D4", "Drug Treatment Matrix cell B3"]
    # Vectors are unit length, so inner product is cosine similarity.
    norms = np.linalg.norm(index.sentence_vectors, axis=1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)


def test_changed_corpus_is_refused_with_how_to_rebuild(index_dir: Path, corpus_dir: Path):
    page = corpus_dir / "alcohol-D4.txt"
    page.write_text(page.read_text() + "\nOne more line.\n")
    with pytest.raises(IndexUnusable, match="matrixqa build"):
        load_index(index_dir, HashingEmbedder(), corpus_dir)


def test_index_from_another_model_is_refused(index_dir: Path, corpus_dir: Path):
    class OtherModel(HashingEmbedder):
        name = "other"
        fingerprint = "other-model"

    with pytest.raises(IndexUnusable, match="built with the model 'hashing'"):
        load_index(index_dir, OtherModel(), corpus_dir)


@pytest.mark.parametrize("name", [PASSAGES, SENTENCE_VECTORS])
def test_corrupted_file_is_detected(index_dir: Path, corpus_dir: Path, name: str):
    path = index_dir / name
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IndexUnusable, match="corrupted"):
        load_index(index_dir, HashingEmbedder(), corpus_dir)


def test_missing_index_says_how_to_build(tmp_path: Path):
    with pytest.raises(IndexUnusable, match="matrixqa build"):
        load_index(tmp_path / "none", HashingEmbedder())


def test_rebuild_replaces_the_index_whole(index_dir: Path, corpus_dir: Path):
    (corpus_dir / "alcohol-D4.txt").unlink()
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    index = load_index(index_dir, HashingEmbedder(), corpus_dir)
    assert {p.cell.code for p in index.passages} == {"B3"}
    assert not list(index_dir.parent.glob(".index-*"))  # no staging or retired folder left behind


QUESTIONS = ["does supervised dosing harm relationships?", "urine tests and trust", "what do GPs need to know"]


def _lexical_figures(lexical, analyzer):
    analyses = [analyzer.analyse(q) for q in QUESTIONS]
    return (
        [lexical.scores(a).tolist() for a in analyses],
        [lexical.token_sets[p] for p in range(lexical.size)],
        lexical.document_frequency,
        [[lexical.coverage(a, p) for p in range(lexical.size)] for a in analyses],
    )


def test_the_stored_lexical_index_is_loaded_and_ranks_as_one_analysed_afresh(index_dir: Path, corpus_dir: Path):
    index = load_index(index_dir, HashingEmbedder(), corpus_dir)
    analyzer = Analyzer(load_vocabulary())
    fresh = LexicalIndex.of(index.passages, analyzer)
    stored = load_lexical(index, analyzer)
    assert isinstance(stored.model.scores["data"], np.memmap)  # read from disk, not analysed again
    assert _lexical_figures(stored, analyzer) == _lexical_figures(fresh, analyzer)


def test_another_vocabulary_is_analysed_at_load(index_dir: Path, corpus_dir: Path):
    index = load_index(index_dir, HashingEmbedder(), corpus_dir)
    vocabulary = parse_vocabulary("[synonyms]\nurine test | drug screen\n", "another")
    other = Analyzer(vocabulary)
    analysed = load_lexical(index, other)
    assert not isinstance(analysed.model.scores["data"], np.memmap)
    assert _lexical_figures(analysed, other) == _lexical_figures(LexicalIndex.of(index.passages, other), other)


def test_a_damaged_lexical_file_is_refused_with_how_to_rebuild(index_dir: Path, corpus_dir: Path):
    damaged = next(p for p in sorted((index_dir / LEXICAL).rglob("*.npy")))
    damaged.write_bytes(damaged.read_bytes()[:-8])
    with pytest.raises(IndexUnusable, match="matrixqa build"):
        load_index(index_dir, HashingEmbedder(), corpus_dir)


def test_the_committed_index_stores_the_lexical_index_this_code_would_build():
    """Guards LEXICAL_FORMAT: an analysis changed without bumping it would leave a stale stored index."""
    from matrixqa.ingest.chunk import Passage

    from ..conftest import REAL_INDEX

    lines = (REAL_INDEX / PASSAGES).read_text(encoding="utf-8").splitlines()
    passages = [Passage.from_dict(json.loads(line)) for line in lines if line.strip()]
    analyzer = Analyzer(load_vocabulary())
    stored = LexicalIndex.load(REAL_INDEX / LEXICAL, analyzer)
    fresh = LexicalIndex.of(passages, analyzer)
    assert _lexical_figures(stored, analyzer) == _lexical_figures(fresh, analyzer), (
        "the analysis changed: bump LEXICAL_FORMAT in index/lexical.py and run `matrixqa build`"
    )
