"""The tutorial baseline that `matrixqa eval` compares matrixqa with, and the chunking it is built on."""

from __future__ import annotations

from pathlib import Path

import faiss

from matrixqa.evaluate import Ranked, Ranking, Setup
from matrixqa.index.embed import Embedder

BASELINE_NAME = "tutorial baseline: 1,000-char chunks, 200 overlap, dense"
BASELINE_SIZE = 1000
BASELINE_OVERLAP = 200
BASELINE_MIN_COSINE = 0.45  # the backbone's original rule: abstain when the best cosine is below this


def baseline_setup(corpus_dir: Path, embedder: Embedder) -> Setup:
    """The common tutorial set-up, built here: each page cut into 1,000-character chunks with 200
    characters of overlap, embedded, searched with a flat FAISS index, dense score only."""
    chunks: list[Ranked] = []
    for page in sorted(Path(corpus_dir).glob("*.txt")):
        for number, text in enumerate(tutorial_chunks(page.read_text(encoding="utf-8-sig"))):
            chunks.append(Ranked(f"{page.stem}-chunk{number}", text, 0.0))
    vectors = embedder.embed([c.text for c in chunks])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)

    def search(question: str, k: int) -> Ranking:
        scores, rows = index.search(embedder.embed([question]), min(k, len(chunks)))
        ranked = [
            Ranked(chunks[r].id, chunks[r].text, float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0
        ]
        return Ranking(ranked, bool(ranked) and ranked[0].score >= BASELINE_MIN_COSINE)

    return Setup(BASELINE_NAME, chunks, search)


def tutorial_chunks(text: str, separators: tuple[str, ...] = ("\n\n", "\n", " ", "")) -> list[str]:
    """Cut text as the tutorials' recursive character splitter does (chunk 1,000, overlap 200): split at
    the coarsest separator present, cut any piece still too long at the next, then pack the pieces
    into chunks, each starting with up to 200 characters of the one before.

    Built this way the baseline reproduces the reference figures in shared/eval/README.md.
    """
    separator, finer = separators[-1], ()
    for i, candidate in enumerate(separators):
        if candidate == "" or candidate in text:
            separator, finer = candidate, separators[i + 1 :]
            break
    pieces = [p for p in (text.split(separator) if separator else list(text)) if p]
    chunks: list[str] = []
    short: list[str] = []
    for piece in pieces:
        if len(piece) < BASELINE_SIZE:
            short.append(piece)
            continue
        chunks += _pack(short, separator)
        short = []
        chunks += tutorial_chunks(piece, finer) if finer else [piece]
    return chunks + _pack(short, separator)


def _pack(pieces: list[str], separator: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    length = 0  # of the pieces in current joined by separator
    for piece in pieces:
        joiner = len(separator) if current else 0
        if length + joiner + len(piece) > BASELINE_SIZE and current:
            chunks.append(separator.join(current).strip())
            # Keep the tail of this chunk, at most the overlap, to open the next one.
            while length > BASELINE_OVERLAP or (length + len(separator) + len(piece) > BASELINE_SIZE and length > 0):
                length -= len(current[0]) + (len(separator) if len(current) > 1 else 0)
                current.pop(0)
        current.append(piece)
        length += len(piece) + (len(separator) if len(current) > 1 else 0)
    if current:
        chunks.append(separator.join(current).strip())
    return [c for c in chunks if c]
