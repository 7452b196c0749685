"""Reuse the vectors of an earlier build for texts that have not changed, so a rebuild embeds only edits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matrixqa.index.embed import Embedder

KEY_BYTES = 16
BATCH = 256

Progress = Callable[[str], None]


def text_key(text: str) -> bytes:
    """The cache key of a text: a hash of its exact content (the model is checked in the manifest)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES).digest()


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """Keys as rows of bytes (a fixed-width bytes dtype would drop a key's trailing zero bytes)."""
    return np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(len(texts), KEY_BYTES)


@dataclass
class VectorCache:
    """Known vectors by the content hash of their text, for one model."""

    rows: dict[bytes, int] = field(default_factory=dict)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def of(cls, keys: np.ndarray, vectors: np.ndarray) -> VectorCache:
        return cls({k.tobytes(): row for row, k in enumerate(keys)}, np.ascontiguousarray(vectors, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.rows)

    def embed(
        self, embedder: Embedder, texts: Sequence[str], what: str, progress: Progress
    ) -> tuple[np.ndarray, int, int]:
        """Vectors for texts, embedding only those not in the cache, each distinct text once.

        Also return how many texts were embedded and how many vectors were taken from the cache.
        """
        keys = [text_key(t) for t in texts]
        out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        for position, key in enumerate(keys):
            row = self.rows.get(key)
            if row is None:
                missing.setdefault(key, []).append(position)
            else:
                out[position] = self.vectors[row]
        reused = len(texts) - sum(map(len, missing.values()))
        if reused:
            progress(f"reused {reused}/{len(texts)} {what} vectors")
        todo = [positions[0] for positions in missing.values()]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = embedder.embed([texts[p] for p in batch])
            for position, vector in zip(batch, vectors, strict=True):
                out[missing[keys[position]]] = vector
            progress(f"embedded {min(start + BATCH, len(todo))}/{len(todo)} new {what}s")
        return out, len(todo), reused
