"""Every labelled set at once, with the model loaded once: the figures of the hybrid and what it got wrong.

    PYTHONPATH=src python eval/sweep.py [--final] [--quiet] [FILE ...]

With no file it reads the shared dev set (when beside the checkout) and every labelled set in eval/
except the held-out ones (heldout.py), which only `--final` adds: it is measured once, at the end of a piece
of work, and its failures are not printed (`--quiet` hides the others' too). The earlier final sets are
spent (eval/README.md) and read like the others. For each set, as
`matrixqa eval FILE` computes them (matrixqa.evaluate): hit@1, MRR@10, answerable questions answered,
unanswerable ones declined, and answers whose first sentence comes from a gold paragraph; then each
question ranked or decided wrongly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from heldout import held_out

from matrixqa import evalanswers, evaluate
from matrixqa.answer.compose import Answerer
from matrixqa.search.retrieve import Retriever, open_retriever
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "eval" / "dev_questions.jsonl"


def default_files(final: bool) -> list[Path]:
    files = [SHARED] if SHARED.exists() else []
    for path in sorted(HERE.glob("*.jsonl")):
        if not is_labelled(path):
            continue  # no gold paragraphs: another script reads it (abstention.py, many_cells.py)
        if held_out(path) and not final:
            continue
        files.append(path)
    return files


def is_labelled(path: Path) -> bool:
    """Whether a question file names gold paragraphs of B3 ("relevant"), as matrixqa eval reads them."""
    first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "{}")
    return "relevant" in json.loads(first)


def sweep(retriever: Retriever, files: list[Path], corpus_dir: Path, quiet: bool = False) -> list[tuple]:
    """Each file's figures (name, then matrixqa.evalanswers' CategoryFigures over all its questions); each
    question got wrong is printed unless quiet or the file is held out."""
    paragraphs = evaluate.corpus_paragraphs(corpus_dir)
    setup = evaluate.retriever_setup("hybrid (matrixqa)", retriever)
    answerer = Answerer(retriever)
    rows = []
    for path in files:
        questions = evaluate.resolve_gold(evaluate.read_questions(path), paragraphs)
        report = evaluate.evaluate(setup, questions)
        answers = {q.id: answerer.answer(q.question, k=evaluate.DEPTH) for q in questions}
        rows.append((path.name, evalanswers.answer_figures(report, answers)[-1]))  # the "all" row
        if quiet or held_out(path):
            continue
        wrong = [_what_went_wrong(outcome, answers[outcome.question.id]) for outcome in report.outcomes]
        if any(wrong):
            print(f"\n{path.name}:")
            print("\n".join(f"  {line}" for line in wrong if line))
    return rows


def _what_went_wrong(outcome: evaluate.Outcome, answer) -> str:
    question = outcome.question
    label = f"{question.id} ({question.category}): {question.question}"
    if not question.answerable:
        return f"answered {label}" if answer.answered else ""
    if not answer.answered:
        return f"DECLINED {label}"
    opening = evaluate.normalise(evalanswers.first_sentence(answer))
    from_gold = any(evaluate.shares_run(opening, gold) for gold in question.gold)
    if outcome.first_relevant == 1 and from_gold:
        return ""
    return f"rank {outcome.first_relevant}{'' if from_gold else ', opens off gold'} {label}"


def table(rows: list[tuple]) -> None:
    print("\n| set | answerable + not | hit@1 | MRR@10 | answered | declined | first sentence from gold |")
    print("|---|---|---|---|---|---|---|")
    for name, f in rows:
        print(
            f"| {name} | {f.answerable} + {f.unanswerable} | {f.hit1:.3f} | {f.mrr10:.3f} | "
            f"{f.answered}/{f.answerable} | {f.declined}/{f.unanswerable} | {f.first_from_gold}/{f.answerable} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--final", action="store_true", help="add the held-out set (its failures stay hidden)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no failures")
    args = parser.parse_args()
    config = load_config()
    keep_model_offline()
    retriever = open_retriever(config)
    limit_blas_threads()
    table(sweep(retriever, args.files or default_files(args.final), config.corpus_dir, args.quiet))


if __name__ == "__main__":
    main()
