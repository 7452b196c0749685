"""Bounded load: N concurrent clients against a running `matrixqa serve` on loopback.

    PYTHONPATH=src python bench/load.py --url http://127.0.0.1:5000 --clients 16 --requests 400

Each client keeps one connection and alternates /api/search and /api/ask over the dev questions.
The run stops after the fixed request count or the time limit, whichever comes first, and exits
non-zero if any request failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from measure import DEFAULT_QUESTIONS, Client, load_questions, ms, percentile, say

MIN_CLIENTS, MAX_CLIENTS = 1, 32


def run_load(base: str, questions: list[str], clients: int, requests: int, seconds: float) -> dict:
    """Send `requests` requests from `clients` threads (at most `seconds` long); report latency and errors."""
    if not MIN_CLIENTS <= clients <= MAX_CLIENTS:
        raise SystemExit(f"--clients must be from {MIN_CLIENTS} to {MAX_CLIENTS}")
    lock = threading.Lock()
    next_request = iter(range(requests))
    latencies: dict[str, list[float]] = {"search": [], "ask": []}
    outcomes: Counter = Counter()
    asks_ok = 0
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal asks_ok
        connection = Client(base)
        try:
            while time.monotonic() < deadline:
                with lock:
                    number = next(next_request, None)
                if number is None:
                    return
                kind = "ask" if number % 2 else "search"
                question = questions[number % len(questions)]
                try:
                    elapsed, status = connection.timed(f"/api/{kind}", {"question": question})
                except OSError as error:
                    with lock:
                        outcomes[f"connection error: {type(error).__name__}"] += 1
                    continue
                with lock:
                    outcomes[status] += 1
                    latencies[kind].append(elapsed)
                    asks_ok += kind == "ask" and status == 200
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    every = latencies["search"] + latencies["ask"]
    return {
        "clients": clients,
        "requests": sum(outcomes.values()),
        "errors": sum(n for outcome, n in outcomes.items() if outcome != 200),
        "asks_ok": asks_ok,
        "outcomes": {str(k): v for k, v in outcomes.items()},
        "seconds": round(wall, 1),
        "requests_per_second": round(len(every) / wall, 1) if wall else 0.0,
        "p50_ms": ms(percentile(every, 50)),
        "p95_ms": ms(percentile(every, 95)),
        "search_p95_ms": ms(percentile(latencies["search"], 95)),
        "ask_p95_ms": ms(percentile(latencies["ask"], 95)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="base URL of a running server on loopback")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long whatever the count")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    say(f"{args.clients} clients, {args.requests} requests, at most {args.seconds:.0f} s against {args.url}")
    result = run_load(args.url, load_questions(args.questions), args.clients, args.requests, args.seconds)
    print(json.dumps(result, indent=2))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
