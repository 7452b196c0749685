"""Does matrixqa answer what the corpus covers and decline what it does not? A check of the abstention rule.

    PYTHONPATH=src python eval/abstention.py [eval/abstention_questions.jsonl]

Each line of the file is {"id", "batch", "question", "covered": true|false}: questions written by hand
for the B3 cell, without gold passages (`matrixqa eval` measures ranking; this measures only the
answer-or-decline decision). Prints, for each batch, how many covered questions were answered and how
many uncovered ones declined, then every question decided wrongly with its evidence and missing words.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from matrixqa.search.retrieve import open_retriever
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

DEFAULT = Path(__file__).with_name("abstention_questions.jsonl")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    keep_model_offline()
    retriever = open_retriever(load_config())
    limit_blas_threads()
    tally: dict[int, dict[str, list[int]]] = {}
    wrong = []
    for number, item in enumerate(questions, 1):
        print(f"\r{number}/{len(questions)}", end="", file=sys.stderr, flush=True)
        result = retriever.search(item["question"], 5)
        right = result.relevant == item["covered"]
        counts = tally.setdefault(item["batch"], {"covered": [0, 0], "uncovered": [0, 0]})
        kind = counts["covered" if item["covered"] else "uncovered"]
        kind[0] += right
        kind[1] += 1
        if not right:
            wrong.append((item, result.relevance))
    print(file=sys.stderr)
    print("| batch | covered, answered | not covered, declined |\n|---|---|---|")
    for batch, counts in sorted(tally.items()):
        (answered, covered), (declined, uncovered) = counts["covered"], counts["uncovered"]
        print(f"| {batch} | {answered}/{covered} | {declined}/{uncovered} |")
    print("\nDecided wrongly:")
    for item, relevance in wrong:
        decision = "declined" if item["covered"] else "answered"
        missing = ", ".join(relevance.missing) or "none"
        print(f"- {item['id']} {decision}: {item['question']} (evidence {relevance.evidence:.3f}, missing: {missing})")


if __name__ == "__main__":
    main()
