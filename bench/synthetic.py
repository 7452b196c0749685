"""One scale run over a synthetic corpus made from the real passages (never written to the corpus folder).

    PYTHONPATH=src python bench/synthetic.py --passages 10000 --source-index embeddings --work /tmp/scale

Each synthetic passage joins two to four real sentences drawn at random; its vector is the
normalised sum of those sentences' real model vectors, handed to the build as already known, so
the run measures chunk storage, index construction, loading and search at size without spending
hours embedding. Embedding time at that size is estimated from the rate measured on real text.
Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from measure import DEFAULT_QUESTIONS, load_questions, ms, percentile, rss_mb, say

from matrixqa.answer.compose import Answerer
from matrixqa.index.ann import exact_view, recall
from matrixqa.index.embed import DEFAULT_MODEL, load_embedder
from matrixqa.index.passagetext import embedding_text
from matrixqa.index.store import load_index, write_index
from matrixqa.index.vectorcache import VectorCache, text_keys
from matrixqa.ingest.chunk import CellRef, Passage
from matrixqa.search.evidence import POOL
from matrixqa.search.filters import Filters
from matrixqa.search.retrieve import Retriever
from matrixqa.startup import keep_model_offline, limit_blas_threads

PASSAGES_PER_CELL = 100
RECALL_K = 10


def synthetic_passages(source_dir: Path, count: int, seed: int, embedder) -> tuple[list[Passage], VectorCache]:
    """count passages built from the real sentences of the index in source_dir, with their vectors."""
    real = load_index(source_dir, embedder)
    sentences = [s for p in real.passages for s in p.sentence_texts]
    rng = np.random.default_rng(seed)
    passages: list[Passage] = []
    vectors = np.empty((count, embedder.dimension), dtype=np.float32)
    for i in range(count):
        picked = rng.choice(len(sentences), size=int(rng.integers(2, 5)), replace=False)
        spans, parts, cursor = [], [], 0
        for row in picked:
            parts.append(sentences[row])
            spans.append((cursor, cursor + len(sentences[row])))
            cursor += len(sentences[row]) + 1
        vector = real.sentence_vectors[picked].sum(axis=0)
        vectors[i] = vector / np.linalg.norm(vector)
        cell = i // PASSAGES_PER_CELL
        passages.append(
            Passage(
                id=f"synthetic-{i}",
                text=" ".join(parts),
                kind="commentary",
                cell=CellRef("Synthetic Matrix", f"S{cell}", f"synthetic cell {cell}", "", "synthetic, for bench/"),
                section="Synthetic",
                position=i % PASSAGES_PER_CELL,
                study=None,
                refers_to=(),
                sentences=tuple(spans),
            )
        )
    keys = np.concatenate([text_keys([embedding_text(p) for p in passages]), text_keys(sentences)])
    return passages, VectorCache.of(keys, np.vstack([vectors, real.sentence_vectors]))


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def timed_searches(retriever: Retriever, questions: list[str], reps: int) -> dict[str, list[float]]:
    """Seconds per question: the whole search; the model's part of it (the one pass a search makes, of the
    question and any word no passage uses, from its submission to its vectors) and the rest (what the search
    does besides, less what it does while the model runs); the answer; and a search restricted to ten cells
    (the filter is applied over every passage)."""
    times: dict[str, list[float]] = {"search": [], "model": [], "rest": [], "answer": [], "filtered": []}
    model_seconds: list[float] = []
    embedder = retriever.embedder

    class TimedEmbedder:
        def __getattr__(self, name):
            return getattr(embedder, name)

        def embed(self, texts):
            started = time.perf_counter()
            try:
                return embedder.embed(texts)
            finally:
                model_seconds.append(time.perf_counter() - started)

        def submit(self, texts):
            started = time.perf_counter()
            future = embedder.submit(texts)
            future.add_done_callback(lambda _: model_seconds.append(time.perf_counter() - started))
            return future

    retriever.embedder = TimedEmbedder()
    answerer = Answerer(retriever)
    ten_cells = Filters(cells=frozenset(f"S{n}" for n in range(10)))
    try:
        for _ in range(reps):
            for question in questions:
                model_seconds.clear()
                started = time.perf_counter()
                retriever.search(question, 5)
                times["search"].append(time.perf_counter() - started)
                times["model"].append(sum(model_seconds))
                times["rest"].append(times["search"][-1] - times["model"][-1])
                started = time.perf_counter()
                answerer.answer(question)
                times["answer"].append(time.perf_counter() - started)
                started = time.perf_counter()
                retriever.search(question, 5, ten_cells)
                times["filtered"].append(time.perf_counter() - started)
    finally:
        retriever.embedder = embedder
    return times


def ann_recall(retriever: Retriever, questions: list[str], seed: int) -> dict[str, float]:
    """recall@10 of the index against exact search, over the questions and noisy copies of passages.

    Ties count as found (ann.recall): the synthetic corpus repeats sentence sets, so many passages share
    one vector, and which of equals a search returns says nothing of its recall. The share of the exact
    rows themselves is reported beside it, and recall of the POOL candidates that search takes.
    """
    index = retriever.index.passage_index
    rng = np.random.default_rng(seed + 1)
    sample = index.reconstruct_batch(rng.choice(index.ntotal, size=200, replace=False))
    noisy = sample + rng.normal(0, 0.02, sample.shape).astype(np.float32)
    queries = np.vstack([retriever.embedder.embed(questions), noisy / np.linalg.norm(noisy, axis=1, keepdims=True)])
    started = time.perf_counter()
    _, approximate = index.search(queries, RECALL_K)
    ann_seconds = (time.perf_counter() - started) / len(queries)
    started = time.perf_counter()
    _, exact = exact_view(index).search(queries, RECALL_K)
    exact_seconds = (time.perf_counter() - started) / len(queries)
    by_id = [len(set(a) & set(e)) / RECALL_K for a, e in zip(approximate, exact, strict=True)]
    _, pools = index.search(queries, min(POOL, index.ntotal))
    return {
        "recall_at_10": round(recall(exact_view(index), queries, approximate, RECALL_K), 4),
        "recall_at_10_by_id": round(float(np.mean(by_id)), 4),
        "pool_recall_at_10": round(recall(exact_view(index), queries, pools, RECALL_K), 4),
        "faiss_ms_per_query": round(ann_seconds * 1000, 3),
        "exact_faiss_ms_per_query": round(exact_seconds * 1000, 3),
    }


def edit_one_cell(passages: list[Passage], seed: int) -> list[Passage]:
    """The same corpus with the passages of cell S0 rewritten (sentences reordered)."""
    rng = np.random.default_rng(seed + 2)
    edited = []
    for p in passages:
        if p.cell.code != "S0":
            edited.append(p)
            continue
        order = rng.permutation(len(p.sentences))[::-1] if len(p.sentences) > 1 else [0]
        texts = [p.sentence_texts[i] for i in order]
        text = " ".join(texts) + " (revised)"
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        spans = tuple((int(s), int(s) + len(t)) for s, t in zip(starts, texts, strict=True))
        edited.append(Passage(p.id, text, p.kind, p.cell, p.section, p.position, None, (), spans))
    return edited


def build(args: argparse.Namespace, index_dir: Path, label: str) -> dict:
    """Build the synthetic index (and, with --edit, rebuild it after one cell's edit); report the figures."""
    say(f"{label} loading the model")
    embedder = load_embedder(DEFAULT_MODEL)
    say(f"{label} generating the synthetic corpus from the real sentences")
    passages, cache = synthetic_passages(args.source_index, args.passages, args.seed, embedder)
    about = {"corpus_fingerprint": f"synthetic-{args.passages}-{args.seed}", "cells": [], "skipped": []}
    progress = lambda m: say(f"{label} {m}")  # noqa: E731
    started = time.perf_counter()
    manifest = write_index(passages, about, embedder, index_dir, progress, args.ann_threshold, cache)
    result = {
        "passages": args.passages,
        "sentences": manifest["sentences"],
        "search_kind": manifest["search"]["kind"],
        "build_seconds_index_only": round(time.perf_counter() - started, 1),
        "index_mb": folder_mb(index_dir),
    }
    del cache
    if args.edit:
        say(f"{label} rebuilding after rewriting the {PASSAGES_PER_CELL} passages of one cell")
        started = time.perf_counter()
        edited = write_index(
            edit_one_cell(passages, args.seed), about, embedder, index_dir, progress, args.ann_threshold
        )
        result["edit_rebuild"] = {
            "seconds": round(time.perf_counter() - started, 1),
            "embedded": edited["embedded"],
            "reused": edited["reused"],
        }
    return result


def serve_figures(index_dir: Path, questions: list[str], reps: int, seed: int, label: str) -> dict:
    """Load the index as a server would and search it; run in its own process so memory is the server's."""
    started = time.perf_counter()
    embedder = load_embedder(DEFAULT_MODEL)
    model_seconds = time.perf_counter() - started
    say(f"{label} loading the index")
    started = time.perf_counter()
    retriever = Retriever(load_index(index_dir, embedder), embedder)
    load_seconds = time.perf_counter() - started
    limit_blas_threads()
    result = {"load_seconds": round(load_seconds, 2), "ready_seconds": round(model_seconds + load_seconds, 2)}
    say(f"{label} searching")
    timed_searches(retriever, questions, 1)  # warm
    times = timed_searches(retriever, questions, reps)
    result.update(
        search_p50_ms=ms(percentile(times["search"], 50)),
        search_p95_ms=ms(percentile(times["search"], 95)),
        answer_p95_ms=ms(percentile(times["answer"], 95)),
        filtered_search_p95_ms=ms(percentile(times["filtered"], 95)),
        model_p50_ms=ms(percentile(times["model"], 50)),
        model_p95_ms=ms(percentile(times["model"], 95)),
        rest_p50_ms=ms(percentile(times["rest"], 50)),
        rest_p95_ms=ms(percentile(times["rest"], 95)),
    )
    result.update(ann_recall(retriever, questions, seed))
    result.update(rss_mb())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, required=True)
    parser.add_argument("--source-index", type=Path, required=True, help="a real index built with the real model")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (emptied)")
    parser.add_argument("--ann-threshold", type=int, default=20000)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--edit", action="store_true", help="also time a rebuild after one cell's edit")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)  # the second process
    args = parser.parse_args()
    keep_model_offline()
    questions = load_questions(args.questions)
    label = f"[{args.passages} passages]"
    index_dir = args.work / "index"
    if args.serve_only:
        print(json.dumps(serve_figures(index_dir, questions, args.reps, args.seed, label)))
        return

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    try:
        result = build(args, index_dir, label)
        served = subprocess.run(
            [sys.executable, *sys.argv, "--serve-only"], stdout=subprocess.PIPE, text=True, check=True
        )
        result.update(json.loads(served.stdout))
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
