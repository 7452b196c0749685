"""The model thread: one thread runs every batch, and callers who arrive together share one."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from matrixqa.index.embed import HashingEmbedder, ModelEmbedder, ModelThread, embed_later, load_embedder
from matrixqa.startup import MODEL_ENVIRONMENT


class _SlowModel:
    """A stand-in model that holds its first batch until released, and notes every batch's texts and thread."""

    def __init__(self):
        self.batches, self.threads = [], set()
        self.release, self.started = threading.Event(), threading.Event()

    def __call__(self, texts):
        self.batches.append(list(texts))
        self.threads.add(threading.get_ident())
        self.started.set()
        self.release.wait(5)
        if "fail" in texts:
            raise RuntimeError("the model failed")
        return HashingEmbedder().embed(texts)


def test_callers_arriving_while_the_model_is_busy_share_one_batch_and_get_their_own_rows():
    model = _SlowModel()
    thread = ModelThread(model)
    questions = [[f"question {n}", f"variant {n} a", f"variant {n} b"] for n in range(8)]
    with ThreadPoolExecutor(9) as callers:
        first = callers.submit(thread.run, ["the first question"])
        model.started.wait(5)  # the model is busy with the first; the others queue up meanwhile
        rest = [callers.submit(thread.run, texts) for texts in questions]
        while thread._queue.qsize() < len(questions):
            threading.Event().wait(0.001)
        model.release.set()
        first.result(5)
        answers = [f.result(5) for f in rest]
    assert len(model.batches) == 2 and sorted(model.batches[1]) == sorted(t for q in questions for t in q)
    for texts, rows in zip(questions, answers, strict=True):
        np.testing.assert_array_equal(rows, HashingEmbedder().embed(texts))
    assert len(model.threads) == 1 and threading.get_ident() not in model.threads


def test_a_failing_batch_fails_its_callers_and_the_thread_goes_on():
    model = _SlowModel()
    model.release.set()
    thread = ModelThread(model)
    with pytest.raises(RuntimeError, match="the model failed"):
        thread.run(["fail"])
    np.testing.assert_array_equal(thread.run(["after"]), HashingEmbedder().embed(["after"]))


def test_a_caller_alone_is_not_held_for_company():
    model = _SlowModel()
    model.release.set()
    thread = ModelThread(model, wait=60.0)
    done = threading.Event()
    threading.Thread(target=lambda: (thread.run(["alone"]), done.set()), daemon=True).start()
    assert done.wait(5), "a lone caller was held for company"
    assert model.batches == [["alone"]]


def test_an_embedder_without_a_model_thread_has_embedded_by_the_time_submit_returns():
    class Counting(HashingEmbedder):
        calls = 0

        def embed(self, texts):
            Counting.calls += 1
            return super().embed(texts)

    embedder = Counting()
    future = embedder.submit(["methadone at the pharmacy"])
    assert future.done() and Counting.calls == 1  # through the subclass's own embed
    np.testing.assert_array_equal(future.result(), HashingEmbedder().embed(["methadone at the pharmacy"]))


def test_a_model_embedder_submits_to_its_thread_and_nothing_for_no_texts():
    batches = []

    def encode(texts):
        batches.append(list(texts))
        return HashingEmbedder().embed(texts)

    embedder = ModelEmbedder("stand-in", "fingerprint", HashingEmbedder.dimension, "onnx", encode, len)
    vectors = embed_later(embedder, ["supervised dosing", "trust"])()
    np.testing.assert_array_equal(vectors, HashingEmbedder().embed(["supervised dosing", "trust"]))
    assert embedder.submit([]).result().shape == (0, HashingEmbedder.dimension)
    assert batches == [["supervised dosing", "trust"]]


@pytest.mark.model
def test_loading_the_model_leaves_the_environment_alone(real_embedder, model_cache, monkeypatch):
    """Only an entry point sets the environment (matrixqa.startup); a stage that loads the model reads it."""
    for name in MODEL_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    before = dict(os.environ)
    load_embedder("all-MiniLM-L6-v2", "onnx", model_cache)
    assert dict(os.environ) == before
