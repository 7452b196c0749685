"""The common tutorial set-up, for comparison: fixed 1,000-character chunks with 200 overlap, dense only.

It reads each cell page as plain text, cuts it into overlapping windows the way LangChain's
character splitter tutorials do, embeds them with the same model and searches a flat FAISS index.
The model runs as the tutorials run it (TutorialEmbedder: sentence-transformers on torch, called in
the searching thread); the benchmark also times the same set-up on matrixqa's own embedder (ONNX
Runtime on its model thread), to show what the model alone accounts for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200


def fixed_chunks(text: str) -> list[str]:
    """Windows of CHUNK_CHARS characters, each starting CHUNK_CHARS - OVERLAP_CHARS after the last."""
    step = CHUNK_CHARS - OVERLAP_CHARS
    return [text[start : start + CHUNK_CHARS] for start in range(0, max(len(text) - OVERLAP_CHARS, 1), step)]


@dataclass
class TutorialEmbedder:
    """The model as a tutorial loads and calls it: `SentenceTransformer(...).encode(...)`, in process."""

    model: object
    dimension: int

    @classmethod
    def load(cls, path: Path) -> TutorialEmbedder:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return cls(model, int(model.get_embedding_dimension()))

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


@dataclass
class Baseline:
    chunks: list[str]
    index: faiss.Index
    embedder: object

    @classmethod
    def build(cls, corpus_dir: Path, embedder) -> Baseline:
        chunks = [c for page in sorted(corpus_dir.glob("*.txt")) for c in fixed_chunks(page.read_text("utf-8"))]
        index = faiss.IndexFlatIP(embedder.dimension)
        index.add(embedder.embed(chunks))
        return cls(chunks, index, embedder)

    def search(self, question: str, k: int = 5) -> list[str]:
        vector = self.embedder.embed([question])
        _, rows = self.index.search(np.ascontiguousarray(vector, dtype=np.float32), min(k, self.index.ntotal))
        return [self.chunks[row] for row in rows[0] if row >= 0]
