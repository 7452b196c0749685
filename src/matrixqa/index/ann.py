"""The passage vector index: exact inner product for a small corpus, HNSW above a size threshold."""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

# HNSW graph settings: 32 links a node, wide construction and search beams; recall is reported by bench/.
HNSW_LINKS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
SCORE_TOLERANCE = 1e-5  # inner products of the same vectors summed in another order differ in the last bits
# OpenMP threads FAISS may use for one question. With two, an exact search spreads over both cores and the
# idle thread then spins, taking a core from the model (docs/bench.md). Set around each search, as OpenMP's
# setting holds per thread, and WSGI threads start with the default.
SEARCH_THREADS = 1


def make_passage_index(vectors: np.ndarray, ann_threshold: int) -> faiss.Index:
    """An exact index, or an approximate HNSW one once there are at least ann_threshold passages (0: never)."""
    dimension = vectors.shape[1]
    if ann_threshold > 0 and len(vectors) >= ann_threshold:
        index = faiss.IndexHNSWFlat(dimension, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    index.add(vectors)
    return index


def describe(index: faiss.Index) -> dict[str, Any]:
    """What the manifest records about the search structure."""
    if isinstance(index, faiss.IndexHNSW):
        return {
            "kind": "hnsw",
            "links": HNSW_LINKS,
            "ef_construction": index.hnsw.efConstruction,
            "ef_search": index.hnsw.efSearch,
        }
    return {"kind": "exact"}


def exact_view(index: faiss.Index) -> faiss.Index:
    """The exact index over the same vectors: an HNSW index keeps them in a flat store."""
    if isinstance(index, faiss.IndexHNSW):
        return faiss.downcast_index(index.storage)
    return index


def ranked_rows(index: faiss.Index, vector: np.ndarray, k: int, every: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Scores and rows of the k nearest passages, or of every passage in exact order when every is set.

    A filtered search needs every passage ranked; an HNSW graph only reaches part of them, so that
    ranking comes from the exact store.
    """
    query = np.ascontiguousarray(vector[None, :], dtype=np.float32)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(SEARCH_THREADS)
    try:
        if every:
            scores, rows = exact_view(index).search(query, index.ntotal)
        else:
            scores, rows = index.search(query, min(index.ntotal, k))
    finally:
        faiss.omp_set_num_threads(threads)  # the caller's own batched work keeps its threads
    return scores[0], rows[0]


def recall(exact: faiss.Index, queries: np.ndarray, found: np.ndarray, k: int) -> float:
    """Share of the k nearest passages of each query that an approximate search found (rows in found[:, :k]).

    Ties count as found: a row scoring at least the exact k-th score is one of the k nearest, since
    among passages with equal vectors (duplicates) exact search itself picks any of them.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact_scores, _ = exact.search(queries, k)
    found = found[:, :k]
    vectors = exact.reconstruct_batch(np.clip(found, 0, None).ravel()).reshape(*found.shape, -1)
    scores = np.einsum("qkd,qd->qk", vectors, queries)
    hits = (found >= 0) & (scores >= exact_scores[:, -1:] - SCORE_TOLERANCE)
    return float(hits.sum() / (len(queries) * k))
