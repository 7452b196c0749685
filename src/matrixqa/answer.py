"""Compose an extractive answer: whole sentences from the retrieved passages, each with its citation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

from .chunk import Passage
from .index import Index
from .retrieve import Hit, SearchResult

MAX_PASSAGES = 3  # passages an answer may draw on
PASSAGE_MARGIN = 0.15  # a passage this far below the best one is not cited
MIN_SENTENCE = 0.25  # sentences less similar to the question than this are left out
DIVERSITY = 0.7  # maximal marginal relevance: weight of relevance against novelty
LENGTHS = {"short": 3, "long": 7}


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    score: float
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    id: str
    question: str
    answered: bool
    answer: str
    lead: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    message: str = ""
    related: tuple[str, ...] = field(default_factory=tuple)


def compose_answer(result: SearchResult, index: Index, detail: str = "short") -> Answer:
    """Pick the sentences that best answer the question from the best passages, and cite them."""
    answer_id = uuid.uuid4().hex
    if not result.relevant:
        return _not_covered(answer_id, result, index)

    best = result.hits[0].score
    sources = [h for h in result.hits[:MAX_PASSAGES] if h.score >= best - PASSAGE_MARGIN]
    rows: list[tuple[int, int, int]] = []  # (sentence row, source number, sentence number in passage)
    for source_number, hit in enumerate(sources):
        for offset, row in enumerate(index.sentence_rows(index.positions[hit.passage.id])):
            if not hit.passage.sentence_texts[offset].rstrip().endswith("?"):  # a question is not evidence
                rows.append((row, source_number, offset))
    if not rows:
        return _not_covered(answer_id, result, index)

    vectors = index.sentence_vectors[[r[0] for r in rows]]
    relevance = vectors @ result.question_vector
    chosen = _maximal_marginal_relevance(vectors, relevance, LENGTHS.get(detail, LENGTHS["short"]))
    chosen = [i for i in chosen if relevance[i] >= MIN_SENTENCE] or chosen[:1]
    chosen.sort(key=lambda i: (rows[i][1], rows[i][2]))

    numbers: dict[int, int] = {}
    by_source: dict[int, list[str]] = {}
    parts = []
    for i in chosen:
        _, source_number, offset = rows[i]
        n = numbers.setdefault(source_number, len(numbers) + 1)
        sentence = sources[source_number].passage.sentence_texts[offset]
        by_source.setdefault(source_number, []).append(sentence)
        parts.append(f"{sentence} [{n}]")
    citations = tuple(
        Citation(n, sources[s].passage, sources[s].score, tuple(by_source[s])) for s, n in numbers.items()
    )
    cells = sorted({f"{c.passage.cell.matrix} cell {c.passage.cell.code} ({c.passage.cell.title})" for c in citations})
    lead = f"From the Effectiveness Bank {' and '.join(cells)}:"
    return Answer(answer_id, result.question, True, " ".join(parts), lead, citations, tuple(result.hits))


def _maximal_marginal_relevance(vectors: np.ndarray, relevance: np.ndarray, count: int) -> list[int]:
    chosen: list[int] = []
    candidates = list(range(len(relevance)))
    while candidates and len(chosen) < count:
        if chosen:
            redundancy = (vectors[candidates] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        scores = DIVERSITY * relevance[candidates] - (1 - DIVERSITY) * redundancy
        pick = candidates[int(np.argmax(scores))]
        chosen.append(pick)
        candidates.remove(pick)
    return chosen


def covered_cells(index: Index) -> list[str]:
    cells = {(p.cell.matrix, p.cell.code, p.cell.title) for p in index.passages}
    return [f"{matrix} cell {code}: {title}" for matrix, code, title in sorted(cells)]


def _not_covered(answer_id: str, result: SearchResult, index: Index) -> Answer:
    message = (
        "The evidence in this corpus does not cover that question, so there is no answer to give from it. "
        f"The corpus covers: {'; '.join(covered_cells(index))}."
    )
    return Answer(answer_id, result.question, False, "", "", (), tuple(result.hits), message)
