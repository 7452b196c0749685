"""The ONNX Runtime path: the same vectors as torch, an export checked by its manifest, serving without torch."""

import json
import subprocess
import sys

import numpy as np
import pytest

from matrixqa.errors import MatrixQAError, ModelError
from matrixqa.index.embed import load_embedder, resolve_model_path
from matrixqa.index.onnxmodel import BATCH, EXPORT_MANIFEST, cached_export, read_layout, similar_lengths
from matrixqa.index.store import read_manifest
from matrixqa.settings import PROJECT_ROOT, load_config

from ..conftest import REAL_INDEX

TEXTS = [
    "does supervised dosing harm relationships?",
    "waht makes a good keywroker",  # typos, as practitioners type them
    "GPs",
    "Is observed urine collection humiliating? " * 40,  # longer than the model reads: truncated alike
    "Café — “quoted” naïve text, 2007; 35% of patients",
]


@pytest.mark.model
def test_onnx_vectors_agree_with_torch(real_embedder, model_cache):
    torch_embedder = load_embedder("all-MiniLM-L6-v2", "torch", model_cache)
    passages = [json.loads(line)["text"] for line in (REAL_INDEX / "passages.jsonl").read_text().splitlines()]
    texts = TEXTS + passages
    onnx_vectors, torch_vectors = real_embedder.embed(texts), torch_embedder.embed(texts)
    assert real_embedder.backend == "onnx" and torch_embedder.backend == "torch"
    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), 384)
    assert float(np.min(np.sum(onnx_vectors * torch_vectors, axis=1))) >= 0.9999
    # One at a time (no padding) gives the same rows as a padded batch.
    alone = np.vstack([real_embedder.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(alone, onnx_vectors[: len(TEXTS)], atol=1e-5)
    # Both backends serve the same index: one fingerprint, the one the committed index was built with.
    assert real_embedder.fingerprint == torch_embedder.fingerprint == read_manifest(REAL_INDEX)["model_fingerprint"]


@pytest.mark.model
def test_a_damaged_or_foreign_export_is_made_again(real_embedder, model_cache):
    path = resolve_model_path("all-MiniLM-L6-v2")
    export = cached_export(path, real_embedder.fingerprint, model_cache)
    good = export.read_bytes()
    with open(export, "r+b") as handle:  # flip bytes in the middle of the weights
        handle.seek(len(good) // 2)
        handle.write(b"\0" * 64)
    assert cached_export(path, real_embedder.fingerprint, model_cache).read_bytes() == good
    manifest_path = export.parent / EXPORT_MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "model_fingerprint": "another-model"}))
    cached_export(path, real_embedder.fingerprint, model_cache)
    assert json.loads(manifest_path.read_text())["model_fingerprint"] == real_embedder.fingerprint


@pytest.mark.model
def test_serving_on_onnx_never_imports_torch(real_embedder, model_cache):
    script = (
        "import sys; from pathlib import Path; "
        "from matrixqa.search.retrieve import open_retriever; from matrixqa.settings import load_config; "
        f"r = open_retriever(load_config(index_dir={str(REAL_INDEX)!r}, corpus_dir={str(PROJECT_ROOT / 'corpus')!r}, "
        f"backend='onnx', model_cache={str(model_cache)!r})); "
        "r.search('does supervised dosing harm relationships?'); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT_ROOT / "src")},
        cwd=model_cache,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def _model_folder(tmp_path, pooling: dict):
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text("[]")
    (folder / "config.json").write_text(json.dumps({"type_vocab_size": 2, "max_position_embeddings": 512}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return folder


def test_a_model_pooled_other_than_by_mean_is_refused_with_the_way_out(tmp_path):
    folder = _model_folder(tmp_path, {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    with pytest.raises(ModelError, match="MATRIXQA_BACKEND=torch"):
        read_layout(folder)


def test_layout_reads_the_sequence_length_and_inputs(tmp_path):
    folder = _model_folder(tmp_path, {"pooling_mode_mean_tokens": True})
    assert read_layout(folder).max_length == 512
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256}))
    layout = read_layout(folder)
    assert layout.max_length == 256 and layout.inputs == ("input_ids", "attention_mask", "token_type_ids")


def test_an_unknown_backend_is_refused_naming_the_setting(monkeypatch):
    assert load_config().backend == "onnx"
    monkeypatch.setenv("MATRIXQA_BACKEND", "tensorflow")
    with pytest.raises(MatrixQAError, match="MATRIXQA_BACKEND: input should be 'onnx' or 'torch', not 'tensorflow'"):
        load_config()


def test_texts_go_through_the_model_in_batches_of_similar_length():
    lengths = [77, 3, 3, 5, 30, 14, 15]
    batches = similar_lengths(lengths)
    assert sorted(p for batch in batches for p in batch) == list(range(len(lengths)))  # each text once
    assert batches == [[1, 2, 3, 5], [6, 4], [0]]  # shortest first; a word never waits on a long question
    for batch in batches:
        assert max(lengths[p] for p in batch) <= 2 * min(lengths[p] for p in batch) + 8
    assert [len(b) for b in similar_lengths([4] * (BATCH + 1))] == [BATCH, 1]


@pytest.mark.model
def test_a_question_and_its_words_embedded_together_are_each_as_alone(real_embedder):
    texts = ["I run a busy community pharmacy and one lady hates standing at the counter " * 3, "lady", "counter"]
    together = real_embedder.embed(texts)
    np.testing.assert_allclose(together, np.vstack([real_embedder.embed([t]) for t in texts]), atol=1e-5)
