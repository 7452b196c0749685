"""Retrieval and answers on many cells: the real B3 alone, then B3 beside the invented cells of the test fixture.

    PYTHONPATH=src python eval/many_cells.py [--final] [--fixture DIR QUESTIONS ...]

Builds two indexes in a temporary folder with the configured model: corpus/drug-B3.txt alone, and the same
page beside every cell of tests/data/many_cells/ (invented for tests: see its README.md). Then prints:

1. for each of B3's labelled sets, as sweep.py picks them (the held-out one only with --final), hit@1,
   answerable questions answered and unanswerable ones declined, on B3 alone and with the fixture;
2. on the fixture's questions (many_cells_tune.jsonl and the spent many_cells_final*.jsonl; with --final also
   the fresh held-out set, heldout.py), by kind:
   in_cell and names_cell, the share whose first citation, and first hit, comes from an intended cell, and
   whose citations are all from intended cells;
   about_cell, the share whose answer leads with an intended cell's own summary; across, the share citing
   two or more intended cells; passing, the share declined;
3. each fixture question got wrong, except those of a held-out file, which is measured once and not read.

`--fixture DIR` puts another folder of invented pages beside B3 (tests/data/many_cells_second/), and the question
files written about it (second_cells_final*.jsonl), or those named, are asked of that corpus instead (the paragraphs
labelled as answering B3's questions as well are the first fixture's: with another, only the strict figures are
printed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sweep
from heldout import finals, held_out

from matrixqa import evaluate
from matrixqa.answer.compose import Answer, Answerer
from matrixqa.index.embed import Embedder, load_embedder
from matrixqa.index.store import build_index
from matrixqa.index.vocabulary import load_vocabulary
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Retriever, open_retriever
from matrixqa.settings import PROJECT_ROOT, Config, load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

HERE = Path(__file__).parent
REAL_CELL = PROJECT_ROOT / "corpus" / "drug-B3.txt"
FIXTURE = PROJECT_ROOT / "tests" / "data" / "many_cells"
SECOND = PROJECT_ROOT / "tests" / "data" / "many_cells_second"
TUNE = HERE / "many_cells_tune.jsonl"
# Each fixture's question files in eval/: the prefix of its held-out sets, and its tune files.
QUESTION_FILES = {FIXTURE.name: ("many_cells", (TUNE,)), SECOND.name: ("second_cells", ())}
# The earlier held-out sets are spent and read like the tune file; the fresh one, measured once at the end of a
# piece of work, only with --final, its failures not printed (heldout.py).
SPENT, FINAL = finals(QUESTION_FILES[FIXTURE.name][0])
# For each question of B3's labelled sets, the fixture's paragraphs that answer it too (labelled by helper sessions
# that read the fixture pages and the questions, not the code nor any result), one file per labelling.
ALTERNATIVES = sorted(HERE.glob("many_cells_alternatives*.jsonl"))
KINDS = ("in_cell", "names_cell", "about_cell", "across", "passing")


@dataclass(frozen=True)
class CellQuestion:
    """A question about the fixture: which kind it is, and the cells ("alcohol-B4") whose evidence answers it."""

    id: str
    question: str
    kind: str
    cells: tuple[str, ...]


def read_cell_questions(path: Path) -> list[CellQuestion]:
    """One JSON object a line: {"id", "question", "kind", "cells"}; a malformed line is an error naming it."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data["kind"] not in KINDS or not isinstance(data["cells"], list):
                raise ValueError
            questions.append(CellQuestion(str(data["id"]), str(data["question"]), data["kind"], tuple(data["cells"])))
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                f'{path.name} line {number}: expected {{"id", "question", "kind", "cells": [...]}} '
                f"with a kind among {', '.join(KINDS)}"
            ) from None
    return questions


def question_files(fixture: Path, final: bool) -> list[Path]:
    """The question files written about a fixture: its tune file and spent sets, with `final` its held-out set too;
    none for a folder no question file is written about."""
    if (files := QUESTION_FILES.get(fixture.resolve().name)) is None:
        return []
    prefix, tune = files
    spent, fresh = finals(prefix)
    return [*tune, *spent, *(fresh if final else [])]


def cell_key(passage: Passage) -> str:
    """The corpus's name of a passage's cell ("drug-B3"), as its page file is named."""
    return f"{passage.cell.matrix.split()[0].lower()}-{passage.cell.code}"


def judge(question: CellQuestion, answer: Answer) -> dict[str, bool]:
    """What the answer got right, by the measures of the question's kind."""
    cited = [cell_key(c.passage) for c in answer.citations]
    if question.kind == "passing":
        return {"declined": not answer.answered}
    if question.kind == "about_cell":
        lead = answer.citations[0].passage if answer.citations else None
        own_summary = bool(lead and lead.section == SUMMARY_SECTION and cell_key(lead) in question.cells)
        return {"leads with its summary": own_summary}
    if question.kind == "across":
        return {"cites two intended cells": len(set(cited) & set(question.cells)) >= 2}
    first_hit = cell_key(answer.hits[0].passage) if answer.hits else ""
    return {
        "first citation": bool(cited) and cited[0] in question.cells,
        "first hit": first_hit in question.cells,
        "cites no other cell": bool(cited) and set(cited) <= set(question.cells),
    }


def what_happened(answer: Answer) -> str:
    """The answer in one line: declined, or which cells and sections it cites, and its first hit."""
    first_hit = f"; first hit {cell_key(answer.hits[0].passage)}" if answer.hits else ""
    if not answer.answered:
        return f"declined{first_hit}"
    cited = ", ".join(f"{cell_key(c.passage)} ({c.passage.section})" for c in answer.citations)
    return f"cites {cited}{first_hit}"


def build(pages: list[Path], folder: Path, embedder: Embedder, say: Callable[[str], None]) -> tuple[Config, Retriever]:
    """A corpus folder of these pages (with the metadata files beside them), its index, and a retriever on it."""
    corpus_dir = folder / "corpus"
    corpus_dir.mkdir(parents=True)
    for page in pages:
        for path in (page, page.with_suffix(".json")):
            if path.exists():
                shutil.copy(path, corpus_dir / path.name)
    config = load_config(corpus_dir=corpus_dir, index_dir=folder / "index")
    corpus = load_corpus(corpus_dir)
    for problem in corpus.problems:
        say(f"skipped {problem.file}: {problem.reason}")
    build_index(corpus, embedder, config.index_dir, say, config.ann_threshold, load_vocabulary(config.vocabulary))
    return config, open_retriever(config, embedder=embedder)


def labelled_sets(alone: tuple[Config, Retriever], beside: tuple[Config, Retriever], files: list[Path]) -> None:
    """B3's labelled sets on B3 alone and beside the fixture, side by side (sweep.py's figures)."""
    rows = [sweep.sweep(retriever, files, config.corpus_dir, quiet=True) for config, retriever in (alone, beside)]
    print("\nB3's labelled sets, on B3 alone | on B3 with the fixture cells")
    print("\n| set | answerable + not | hit@1 | hit@1 | answered | answered | declined | declined |")
    print("|---|---|---|---|---|---|---|---|")
    for (name, a), (_, b) in zip(*rows, strict=True):
        print(
            f"| {name} | {a.answerable} + {a.unanswerable} | {a.hit1:.3f} | {b.hit1:.3f} | "
            f"{a.answered}/{a.answerable} | {b.answered}/{b.answerable} | "
            f"{a.declined}/{a.unanswerable} | {b.declined}/{b.unanswerable} |"
        )


def read_alternatives(paths: list[Path]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(file name, question id) -> openings of the fixture paragraphs that answer the question as well as B3."""
    alternatives = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                alternatives[data["file"], data["id"]] = tuple(a["paragraph"] for a in data["also"])
    return alternatives


@dataclass
class Counted:
    """One set's figures on one index, another cell's answer counted right (see other_cells_counted)."""

    hits: int = 0
    own_order: int = 0  # B3's own first passage among the hits (the fixture's passed over) is a gold one
    cited: int = 0  # answers to answerable questions quoting a paragraph that answers them, anywhere in the answer
    answerable: int = 0
    declined: int = 0
    unanswered_anywhere: int = 0  # B3 does not answer them, nor does any fixture cell
    answered_elsewhere: int = 0  # B3 does not answer them, a fixture cell does: answered


def other_cells_counted(alone: tuple[Config, Retriever], beside: tuple[Config, Retriever], files: list[Path]) -> None:
    """B3's labelled sets again, a first hit counted right when a fixture paragraph that answers the question as
    well (many_cells_alternatives.jsonl) leads, and declines counted only of questions no cell answers."""
    alternatives = read_alternatives(ALTERNATIVES)
    paragraphs = evaluate.corpus_paragraphs(beside[0].corpus_dir)  # B3's and the fixture's
    answerers = [Answerer(retriever) for _, retriever in (alone, beside)]
    print("\nB3's labelled sets, counting the fixture's own answers: B3 alone | with the fixture cells")
    print(
        "\n| set | hit@1 | hit@1 | B3's first passage gold | B3's first passage gold | answer quotes gold "
        "| answer quotes gold | declined, no cell answers | declined, no cell answers | answered elsewhere |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    totals, elsewhere_total = [Counted(), Counted()], 0
    for path in files:
        questions = evaluate.read_questions(path)
        counted = [Counted(), Counted()]
        for question in questions:
            also = alternatives.get((path.name, question.id), ())
            widened = evaluate.Question(question.id, question.question, question.relevant + also)
            gold = evaluate.resolve_gold([widened], paragraphs)[0]
            for tally, answerer in zip(counted, answerers, strict=True):
                answer = answerer.answer(question.question, k=evaluate.DEPTH)
                if question.relevant:
                    tally.answerable += 1
                    tally.hits += bool(answer.hits and evaluate.relevant_to(gold, answer.hits[0].passage.text))
                    own = next((h.passage for h in answer.hits if cell_key(h.passage) == REAL_CELL.stem), None)
                    tally.own_order += bool(own and evaluate.relevant_to(gold, own.text))
                    tally.cited += any(evaluate.relevant_to(gold, c.passage.text) for c in answer.citations)
                elif also:
                    tally.answered_elsewhere += answer.answered
                else:
                    tally.unanswered_anywhere += 1
                    tally.declined += not answer.answered
        elsewhere = sum(1 for q in questions if not q.relevant and alternatives.get((path.name, q.id)))
        _counted_row(path.name, *counted, elsewhere)
        elsewhere_total += elsewhere
        for total, tally in zip(totals, counted, strict=True):
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
    _counted_row("all sets", *totals, elsewhere_total)


def _counted_row(name: str, a: Counted, b: Counted, elsewhere: int) -> None:
    print(
        f"| {name} | {a.hits / a.answerable:.3f} | {b.hits / b.answerable:.3f} | "
        f"{a.own_order / a.answerable:.3f} | {b.own_order / b.answerable:.3f} | "
        f"{a.cited}/{a.answerable} | {b.cited}/{b.answerable} | "
        f"{a.declined}/{a.unanswered_anywhere} | {b.declined}/{b.unanswered_anywhere} | "
        f"{b.answered_elsewhere}/{elsewhere} |"
    )


def fixture_questions(retriever: Retriever, files: list[Path], say: Callable[[str], None]) -> None:
    """The fixture's questions by kind, each file a column; then each question got wrong, outside the final file."""
    tallies: dict[Path, dict[tuple[str, str], list[bool]]] = {}
    wrong: list[str] = []
    answerer = Answerer(retriever)
    for path in files:
        questions = read_cell_questions(path)
        say(f"answering {len(questions)} questions of {path.name}")
        tally = tallies.setdefault(path, {})
        for question in questions:
            answer = answerer.answer(question.question, k=evaluate.DEPTH)
            verdict = judge(question, answer)
            for measure, right in verdict.items():
                tally.setdefault((question.kind, measure), []).append(right)
            if not held_out(path) and not all(verdict.values()):
                failed = ", ".join(m for m, right in verdict.items() if not right)
                wrong.append(
                    f"  {question.id} ({question.kind}; wrong: {failed}): {question.question}\n"
                    f"    intended {', '.join(question.cells) or 'none: decline'}; {what_happened(answer)}"
                )
    rows = list(dict.fromkeys(row for tally in tallies.values() for row in tally))
    rows.sort(key=lambda row: KINDS.index(row[0]))
    print("\nThe fixture's questions, B3 with the fixture cells")
    print(f"\n| kind | measure | {' | '.join(path.name for path in files)} |")
    print("|---|---|" + "---|" * len(files))
    for kind, measure in rows:
        shares = [tallies[path].get((kind, measure), []) for path in files]
        cells = [f"{sum(s)}/{len(s)} ({sum(s) / len(s):.2f})" if s else "-" for s in shares]
        print(f"| {kind} | {measure} | {' | '.join(cells)} |")
    if wrong:
        print("\nGot wrong:")
        print("\n".join(wrong))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--final", action="store_true", help="add the held-out sets (their failures stay hidden)")
    parser.add_argument("--fixture", type=Path, default=FIXTURE, help="a folder of invented cell pages to add to B3")
    parser.add_argument("questions", nargs="*", type=Path, help="question files (default: those about the fixture)")
    args = parser.parse_args()
    questions = args.questions or question_files(args.fixture, args.final)
    if not questions:
        parser.error(f"no question file is written about {args.fixture}: name the files to ask of it")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    keep_model_offline()
    config = load_config()
    say(f"loading model {config.model}")
    embedder = load_embedder(config.model, config.backend, config.model_cache)
    with tempfile.TemporaryDirectory(prefix="many-cells-") as work:
        say("building B3 alone")
        alone = build([REAL_CELL], Path(work) / "b3", embedder, say)
        say("building B3 with the fixture cells")
        beside = build([REAL_CELL, *sorted(args.fixture.glob("*.txt"))], Path(work) / "many", embedder, say)
        limit_blas_threads()
        files = sweep.default_files(args.final)
        say(f"measuring {len(files)} labelled sets of B3, on each index")
        labelled_sets(alone, beside, files)
        if args.fixture.resolve() == FIXTURE.resolve():  # the paragraphs labelled as answering too are this one's
            other_cells_counted(alone, beside, files)
        fixture_questions(beside[1], questions, say)


if __name__ == "__main__":
    main()
