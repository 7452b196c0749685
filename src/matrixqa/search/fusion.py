"""Fuse dense and lexical evidence into one score per passage: the only place the two are combined.

Each signal is first put on a 0-1 scale over the passages that may be retrieved, so that none
dominates by its units: the passage's cosine similarity and its best sentence's cosine similarity
are min-max scaled, and the BM25 score is divided by the best BM25 score (zero stays "no word in
common"). The fused score is the plain mean of the signals the mode uses: equal weights, so no
weight is fitted to any set of questions. The hybrid adds at half weight the passage's coverage,
the share of the question's distinctive weight whose words it holds (a share already): BM25 rewards
a word repeated, so a passage holding every word of the question once may rank below one repeating
its commonest; coverage is a second view of the words BM25 weighs, so it counts half a signal.

The final order then trades a little fused score for variety (maximal marginal relevance), so that
several near-identical passages of one section do not push every other candidate out of the first
few places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
COVERAGE_WEIGHT = 0.5  # coverage's weight in the hybrid's mean, against 1 for each other signal (see above)


@dataclass(frozen=True)
class Signals:
    """Scores of the same passages, in the same order, from each kind of evidence."""

    dense: np.ndarray  # cosine similarity of question and passage
    sentence: np.ndarray  # cosine similarity of question and the passage's most similar sentence
    lexical: np.ndarray  # BM25
    coverage: np.ndarray | None = None  # share of the question's distinctive weight whose words it holds; None: unused


def min_max(values: np.ndarray) -> np.ndarray:
    if not len(values):
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def share_of_best(values: np.ndarray) -> np.ndarray:
    if not len(values) or float(values.max()) <= 0:
        return np.zeros_like(values, dtype=np.float32)
    return (values / float(values.max())).astype(np.float32)


def fuse(signals: Signals, mode: Mode = "hybrid") -> np.ndarray:
    """One score in [0, 1] for each passage; higher is better."""
    parts = []
    if mode in ("hybrid", "dense"):
        parts += [min_max(signals.dense), min_max(signals.sentence)]
    if mode in ("hybrid", "lexical"):
        parts.append(share_of_best(signals.lexical))
    weights = [1.0] * len(parts)
    if mode == "hybrid" and signals.coverage is not None:
        parts.append(signals.coverage.astype(np.float32))
        weights.append(COVERAGE_WEIGHT)
    if not parts:
        raise ValueError(f"unknown retrieval mode {mode!r}")
    return np.average(parts, axis=0, weights=weights).astype(np.float32)


def ranks(scores: np.ndarray) -> np.ndarray:
    """The rank (from 1) of each score among all, best first; ties keep page order."""
    order = np.argsort(-scores, kind="stable")
    result = np.empty(len(scores), dtype=np.int64)
    result[order] = np.arange(1, len(scores) + 1)
    return result


def maximal_marginal_relevance(vectors: np.ndarray, relevance: np.ndarray, count: int, weight: float) -> list[int]:
    """Pick count rows one by one, each maximising weight x relevance - (1 - weight) x its greatest
    similarity to a row already picked; the first pick is the most relevant row."""
    chosen: list[int] = []
    candidates = list(range(len(relevance)))
    while candidates and len(chosen) < count:
        if chosen:
            redundancy = (vectors[candidates] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        scores = weight * relevance[candidates] - (1 - weight) * redundancy
        pick = candidates[int(np.argmax(scores))]
        chosen.append(pick)
        candidates.remove(pick)
    return chosen
