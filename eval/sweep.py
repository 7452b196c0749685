"""Every labelled set at once, with the model loaded once: the figures of the hybrid and what it got wrong.

    PYTHONPATH=src python eval/sweep.py [--final] [--quiet] [FILE ...]

With no file it reads the shared dev set (when beside the checkout) and every labelled set in eval/
except the held-out ones (`*final*`), which only `--final` adds: they are measured once, at the end of
a piece of work, and their failures are not printed (`--quiet` hides the others' too). For each set:
hit@1, MRR@10, answerable questions answered, unanswerable ones declined, and answers whose first
sentence comes from a gold paragraph; then each question decided or ranked wrongly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matrixqa.answer.compose import answer_question
from matrixqa.evaluate import (
    corpus_paragraphs,
    first_sentence,
    normalise,
    read_questions,
    relevant_to,
    resolve_gold,
    shares_run,
)
from matrixqa.search.retrieve import Retriever, open_retriever
from matrixqa.settings import load_config

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "eval" / "dev_questions.jsonl"


def default_files(final: bool) -> list[Path]:
    files = [SHARED] if SHARED.exists() else []
    for path in sorted(HERE.glob("*.jsonl")):
        if path.name.startswith("abstention"):
            continue  # no gold paragraphs: eval/abstention.py reads it
        if "final" in path.name and not final:
            continue
        files.append(path)
    return files


def sweep(retriever: Retriever, files: list[Path], corpus_dir: Path, quiet: bool = False) -> list[tuple]:
    """Each file's figures (name, answerable, not, hit@1 count, sum of reciprocal ranks, answered, declined,
    first sentence from gold), then a row "all"; each question got wrong is printed unless quiet."""
    paragraphs = corpus_paragraphs(corpus_dir)
    rows = []
    totals = [0] * 7
    for path in files:
        questions = resolve_gold(read_questions(path), paragraphs)
        answerable = [q for q in questions if q.answerable]
        hits = rr = answered = declined = first_gold = 0
        wrong = []
        for number, question in enumerate(questions, 1):
            print(f"\r{path.name} {number}/{len(questions)}", end="", file=sys.stderr, flush=True)
            answer = answer_question(retriever, question.question, k=10)
            if not question.answerable:
                declined += not answer.answered
                if answer.answered:
                    wrong.append(f"{question.id} answered ({question.category}): {question.question}")
                continue
            ranks = [i for i, hit in enumerate(answer.hits, 1) if relevant_to(question, hit.passage.text)]
            first = ranks[0] if ranks else None
            hits += first == 1
            rr += 1 / first if first else 0.0
            answered += answer.answered
            opening = normalise(first_sentence(answer))
            from_gold = bool(opening) and any(shares_run(opening, gold) for gold in question.gold)
            first_gold += from_gold
            if first != 1 or not answer.answered or not from_gold:
                what = "DECLINED" if not answer.answered else f"rank {first}"
                what += "" if from_gold or not answer.answered else ", opens off gold"
                wrong.append(f"{question.id} {what} ({question.category}): {question.question}")
        print(file=sys.stderr)
        n, m = len(answerable), len(questions) - len(answerable)
        for i, value in enumerate([n, m, hits, rr, answered, declined, first_gold]):
            totals[i] += value
        rows.append((path.name, n, m, hits, rr, answered, declined, first_gold))
        if wrong and not quiet and "final" not in path.name:
            print(f"\n{path.name}:")
            print("\n".join(f"  {line}" for line in wrong))
    rows.append(("all", *totals))
    return rows


def table(rows: list[tuple]) -> None:
    print("\n| set | answerable + not | hit@1 | MRR@10 | answered | declined | first sentence from gold |")
    print("|---|---|---|---|---|---|---|")
    for name, n, m, hits, rr, answered, declined, first_gold in rows:
        print(
            f"| {name} | {n} + {m} | {hits / max(n, 1):.3f} | {rr / max(n, 1):.3f} | {answered}/{n} | "
            f"{declined}/{m} | {first_gold}/{n} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--final", action="store_true", help="add the held-out sets (their failures stay hidden)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no failures")
    args = parser.parse_args()
    config = load_config()
    table(sweep(open_retriever(config), args.files or default_files(args.final), config.corpus_dir, args.quiet))


if __name__ == "__main__":
    main()
