"""Questions that ask for a kind of thing (a frequency, a dose, a duration, a number ...): is it recognised, is
`lacking` right, and does the answer open with the thing when the cell has it.

    PYTHONPATH=src python eval/asks_for.py [--final] [FILE ...]

With no file it reads eval/asks_for.jsonl and the spent held-out sets; `--final` adds the fresh held-out set
(heldout.py; measured once, at the end of a piece of work; its failures are not printed). Each line:
{"id", "question", "relevant" (gold paragraphs, as matrixqa eval reads them), "asks_for", "lacking" ([] when the
cell gives the thing, else [asks_for]), "category" ("given" or "lacking"), and for a given thing "giving": the
openings of the corpus sentences that give it}. Figures per file: kind recognised, `lacking` right (a decline's
too: it quotes nothing, so lacks what was asked), answered, first sentence from a gold paragraph, and for the given
things whether the answer's first sentence gives it and whether its first point does (the first sentence and those
that lean on it, quoted right after it).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from heldout import finals, held_out

from matrixqa import evaluate
from matrixqa.answer.compose import Answer, Answerer
from matrixqa.search.retrieve import open_retriever
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

HERE = Path(__file__).parent
TUNE = HERE / "asks_for.jsonl"
# The earlier held-out sets are spent and read like the tune file; the fresh one only with --final (heldout.py).
SPENT, HELD_OUT = finals("asks_for")
# On the page a study entry's line opens with its type's letter (S, K, R, G: an icon), which the passage's text does
# not hold: an opening labelled from the page is read without it.
ENTRY_LETTER = re.compile(r"^[SKRG] (?=\S)")


def openings(record: dict) -> list[str]:
    """The openings of the sentences that give the thing asked for, as the passages' text has them."""
    return [ENTRY_LETTER.sub("", opening) for opening in record.get("giving", [])]


def first_point(answer: Answer) -> list[str]:
    """The answer's first sentence and the sentences of the same passage that lean on it, right after it."""
    if not answer.citations:
        return []
    citation = answer.citations[0]
    passage = citation.passage
    offsets = [passage.sentence_texts.index(s) for s in citation.sentences]
    point = [citation.sentences[0]]
    for offset, sentence in zip(offsets[1:], citation.sentences[1:], strict=True):
        if offset in passage.leans and offset == offsets[len(point) - 1] + 1:
            point.append(sentence)
        else:
            break
    return point


def measure(answerer: Answerer, path: Path, paragraphs: list[str], show: bool) -> dict[str, str]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = {q.id: q.gold for q in evaluate.resolve_gold(evaluate.read_questions(path), paragraphs)}
    counts = dict.fromkeys(["kind", "lacking", "answered", "first_gold", "first_gives", "point_gives"], 0)
    given = 0
    for record in records:
        answer = answerer.answer(record["question"], k=evaluate.DEPTH)
        first = answer.citations[0].sentences[0] if answer.answered and answer.citations else ""
        point = first_point(answer) if answer.answered else []
        checks = {
            "kind": answer.asks_for == record["asks_for"],
            "lacking": list(answer.lacking) == record["lacking"],
            "answered": answer.answered,
            "first_gold": bool(first)
            and any(evaluate.shares_run(evaluate.normalise(first), g) for g in gold[record["id"]]),
        }
        if record.get("giving"):  # a thing the cell gives (a lacking one has none, or an empty list)
            given += 1
            checks["first_gives"] = any(first.startswith(opening) for opening in openings(record))
            checks["point_gives"] = any(s.startswith(o) for s in point for o in openings(record))
        for name, ok in checks.items():
            counts[name] += ok
        if show and not all(checks.values()):
            failed = ", ".join(name for name, ok in checks.items() if not ok)
            print(f"  {record['id']} [{failed}] {record['question']}")
            print(f"      asks_for={answer.asks_for!r} lacking={list(answer.lacking)} first: {first[:100]}")
    n = len(records)
    return {
        "questions": f"{n} ({given} given, {n - given} lacking)",
        "kind recognised": f"{counts['kind']}/{n}",
        "lacking right": f"{counts['lacking']}/{n}",
        "answered": f"{counts['answered']}/{n}",
        "first sentence from gold": f"{counts['first_gold']}/{n}",
        "first sentence gives it": f"{counts['first_gives']}/{given}",
        "first point gives it": f"{counts['point_gives']}/{given}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--final", action="store_true", help="add the held-out set")
    args = parser.parse_args()
    files = args.files or [TUNE, *SPENT, *(HELD_OUT if args.final else ())]
    keep_model_offline()
    config = load_config()
    answerer = Answerer(open_retriever(config))
    limit_blas_threads()
    paragraphs = evaluate.corpus_paragraphs(config.corpus_dir)
    for path in files:
        print(path.name)
        figures = measure(answerer, path, paragraphs, show=not held_out(path))
        for name, value in figures.items():
            print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
