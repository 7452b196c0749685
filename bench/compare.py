"""Two checkouts of matrixqa served in turn on this machine: warm latency over HTTP and 32 clients, A against B.

    git worktree add /tmp/matrixqa-before HEAD~1
    PYTHONPATH=src python bench/compare.py --a /tmp/matrixqa-before --b . --rounds 4

Each round serves A and then B (the next round B first, so a drift of the machine's speed falls on
both), each from its own `src/`, `corpus/` and `embeddings/`, with this checkout's Python. Each server
gets the dev questions once to warm up, five passes of /api/search and /api/ask on one connection, then
400 requests from 32 keep-alive clients. Prints every round and the medians, then B's over A's. Bench only
on an idle machine. Servers bind 127.0.0.1; the question log and the rate limit are off.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from load import run_load
from measure import DEFAULT_QUESTIONS, ROOT, Server, load_questions, say
from run import http_latency

CLIENTS, REQUESTS = 32, 400


def one_server(checkout: Path, questions: list[str], model_cache: Path) -> dict[str, float]:
    """Serve one checkout (its own code, corpus and index; this checkout's Python), measure it, stop it."""
    server = Server(
        {
            "PYTHONPATH": str(checkout / "src"),
            "MATRIXQA_CORPUS_DIR": str(checkout / "corpus"),
            "MATRIXQA_INDEX_DIR": str(checkout / "embeddings"),
            "MATRIXQA_MODEL_CACHE": str(model_cache),  # one ONNX export for both
            "MATRIXQA_LOG": "off",
            "MATRIXQA_RATE_LIMIT": "off",
            "MATRIXQA_RELOAD_SECONDS": "0",
        }
    )
    try:
        server.wait_ready()
        figures = http_latency(server.base, questions, 5)
        load = run_load(server.base, questions, CLIENTS, REQUESTS, seconds=180)
    finally:
        server.stop()
    if load["errors"]:
        raise SystemExit(f"{checkout}: {load['errors']} of {load['requests']} requests failed under load")
    return {**figures, "load_requests_per_second": load["requests_per_second"], "load_p95_ms": load["p95_ms"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="a checkout (with its embeddings/ built)")
    parser.add_argument("--b", type=Path, required=True, help="another checkout")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--model-cache", type=Path, default=ROOT / "instance" / "models", help="the ONNX export")
    args = parser.parse_args()
    checkouts = {"A": args.a.resolve(), "B": args.b.resolve()}
    for name, checkout in checkouts.items():
        if not (checkout / "src" / "matrixqa").is_dir() or not (checkout / "embeddings" / "manifest.json").is_file():
            raise SystemExit(f"{name}: {checkout} is not a matrixqa checkout with a built index (embeddings/)")
    questions = load_questions(args.questions)
    rounds: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for number in range(args.rounds):
        order = ["A", "B"] if number % 2 == 0 else ["B", "A"]
        for name in order:
            say(f"round {number + 1} of {args.rounds}: {name} ({checkouts[name]})")
            rounds[name].append(one_server(checkouts[name], questions, args.model_cache))
            print(name, rounds[name][-1], flush=True)
    medians = {
        name: {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]} for name, runs in rounds.items()
    }
    for name, figures in medians.items():
        print(f"{name} medians: {figures}")
    print("B / A:", {k: round(medians["B"][k] / medians["A"][k], 2) for k in medians["A"] if medians["A"][k]})


if __name__ == "__main__":
    main()
