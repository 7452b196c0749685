"""Every labelled question's hits, decision and answer, written as one JSON line each, to compare two versions.

    PYTHONPATH=src python eval/snapshot.py OUT.jsonl [FILE ...]

With no file it reads the shared dev set (when beside the checkout) and every question file in eval/,
the held-out one included (only its outcomes are written, never printed). Two snapshots taken before and
after a change that should not change behaviour are compared with `diff`: the same hits (ids, ranks and
scores to six places), the same decisions with their reasons, the same answers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matrixqa.answer.compose import Answerer
from matrixqa.search.retrieve import open_retriever
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "eval" / "dev_questions.jsonl"
DEPTH = 10


def questions(files: list[Path]) -> list[tuple[str, str]]:
    found = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append((f"{path.name}:{json.loads(line)['id']}", json.loads(line)["question"]))
    return found


def rounded(value: float) -> float:
    return round(float(value), 6)


def snapshot(answerer: Answerer, question: str) -> dict:
    result = answerer.retriever.search(question, k=DEPTH)
    relevance = result.relevance
    answer = answerer.answer(question, k=8)
    return {
        "read_as": result.read_as,
        "relevant": result.relevant,
        "relevance": None
        if relevance is None
        else {
            "evidence": rounded(relevance.evidence),
            "sentence_score": rounded(relevance.sentence_score),
            "coverage": rounded(relevance.coverage),
            "missing": list(relevance.missing),
            "corrected": list(relevance.corrected),
            "matched": list(relevance.matched),
            "unknown": list(relevance.unknown),
        },
        "hits": [
            [
                h.passage.id,
                h.rank,
                h.fused_rank,
                rounded(h.score),
                rounded(h.dense_score),
                rounded(h.sentence_score),
                rounded(h.lexical_score),
                h.dense_rank,
                h.lexical_rank,
                h.best_sentence,
                list(h.matched_terms),
            ]
            for h in result.hits
        ],
        "answered": answer.answered,
        "answer": answer.answer,
        "lead": answer.lead,
        "message": answer.message,
        "citations": [[c.n, c.passage.id, list(c.sentences)] for c in answer.citations],
        "suggestions": list(answer.suggestions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or ([SHARED] if SHARED.exists() else []) + sorted(HERE.glob("*.jsonl"))
    keep_model_offline()
    answerer = Answerer(open_retriever(load_config()))
    limit_blas_threads()
    asked = questions(files)
    with args.out.open("w", encoding="utf-8") as out:
        for done, (key, question) in enumerate(asked, 1):
            out.write(json.dumps({"id": key, "question": question, **snapshot(answerer, question)}) + "\n")
            if done % 100 == 0:
                print(f"{done} of {len(asked)} questions", flush=True)
    print(f"{len(asked)} questions written to {args.out}")


if __name__ == "__main__":
    main()
