import json
from pathlib import Path

import numpy as np
import pytest

from matrixqa.errors import IndexUnusable
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import MANIFEST, PASSAGES, SENTENCE_VECTORS, build_index, load_index
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
