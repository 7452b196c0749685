"""Which mutants that mutmut left alive change an answer on the labelled sets, with the real model and index.

    python eval/mutants_vs_answers.py [--mutants DIR] [--status S,...] [--out FILE] [GLOB ...]

mutmut 3 keeps every mutant of a module in `mutants/src` behind a trampoline that runs the one the environment
variable MUTANT_UNDER_TEST names. This script imports matrixqa from that copy, loads the configured model and
index once, and answers every question of the labelled sets (every B3 set in eval/ and the shared dev set, the
held-out ones included, the abstention questions, and the follow-up conversations) unmutated. Then for each
mutant whose status is one of --status (by default survived, no tests, timeout) and whose name matches a glob
(default: all), it makes a fresh retriever and answerer, answers them all again and compares, as
eval/snapshot.py writes them: an answer changed (answered or declined, its text, lead, message, citations or
suggestions), or only what retrieval reports (hits, scores, the decision's reasons, the question as read).

The model's vectors are kept by text: no mutated module is in the model, so a text's vector is the same under
every mutant, and only the mutated code runs again. Held-out questions are counted, never named.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
from collections.abc import Collection
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from heldout import HELD_OUT

HERE = Path(__file__).parent
ANSWER_FIELDS = ("answered", "answer", "lead", "message", "citations", "suggestions")
DEFAULT_STATUS = "survived,no tests,timeout"
# mutmut's exit codes (mutmut.stats.status_by_exit_code) for the statuses this script is asked about.
STATUS_CODES = {
    "survived": {0},
    "no tests": {5, 33},
    "timeout": {-24, 24, 36, 152, 255},
    "suspicious": {35},
    "not checked": {None},
}


class KeptVectors:
    """An embedder that embeds each text once and then answers from what it kept (same vector, any mutant)."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.name, self.fingerprint, self.dimension = embedder.name, embedder.fingerprint, embedder.dimension
        self.kept: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.kept))
        if new:
            self.kept.update(zip(new, self.embedder.embed(new), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.kept[t] for t in texts])

    def submit(self, texts: list[str]) -> Future:
        future: Future = Future()
        future.set_result(self.embed(texts))
        return future

    def count_tokens(self, text: str) -> int:
        return self.embedder.count_tokens(text)


def mutants_alive(mutants: Path, statuses: set[str], globs: list[str]) -> list[tuple[str, str]]:
    """(name, status) of every mutant mutmut gave one of these statuses whose name matches a glob."""
    wanted = {code: status for status in statuses for code in STATUS_CODES[status]}
    found = []
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code in wanted and any(fnmatch.fnmatchcase(name, g) for g in globs):
                found.append((name, wanted[code]))
    return found


def asked(snapshot, sweep) -> list[tuple[str, str, list[str]]]:
    """(key, question, earlier questions of its conversation) for every labelled question."""
    files = sweep.default_files(final=True) + [HERE / "abstention_questions.jsonl"]
    questions = [(key, question, []) for key, question in snapshot.questions(files)]
    for line in (HERE / "follow_ups.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            talk = json.loads(line)
            questions.append((f"follow_ups.jsonl:{talk['id']}", talk["question"], talk["history"]))
    return questions


def answer_all(modules, index, embedder, vocabulary, questions) -> dict[str, dict]:
    """Every question's snapshot, from a retriever and answerer made afresh (their caches start empty)."""
    retrieve, compose, conversation, snapshot = modules
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith(("matrixqa.search", "matrixqa.answer")):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()  # a module-wide lru_cache may hold what another mutant computed
    answerer = compose.Answerer(retrieve.Retriever(index, embedder, vocabulary))
    found = {}
    for key, question, history in questions:
        if history:
            turns = [conversation.Turn(q, answerer.answer(q, k=8).answer) for q in history]
            answer = answerer.answer(question, turns, k=8)
            found[key] = {
                "answered": answer.answered,
                "answer": answer.answer,
                "message": answer.message,
                "citations": [[c.n, c.passage.id, list(c.sentences)] for c in answer.citations],
            }
        else:
            found[key] = snapshot.snapshot(answerer, question)
    return found


def changes(before: dict[str, dict], after: dict[str, dict]) -> tuple[list[str], list[str]]:
    """The questions whose answer changed, and those where only what retrieval reports changed."""
    answers, retrieval = [], []
    for key, old in before.items():
        new = after[key]
        if any(old.get(f) != new.get(f) for f in ANSWER_FIELDS):
            answers.append(key)
        elif old != new:
            retrieval.append(key)
    return answers, retrieval


def named(keys: list[str], held_out: Collection[str]) -> list[str]:
    """The keys ("file:id") that may be named: none of a held-out file's."""
    return [k for k in keys if k.split(":")[0] not in held_out]


def shown(keys: list[str], held_out: Collection[str]) -> str:
    names = named(keys, held_out)
    hidden = len(keys) - len(names)
    return ", ".join(names[:6]) + (" ..." if len(names) > 6 else "") + (f" (+{hidden} held out)" if hidden else "")


def record(
    mutant: str, status: str, answers: list[str], retrieval: list[str], error: str, held_out: Collection[str]
) -> dict[str, object]:
    """A mutant's line of --out: the questions whose answers or retrieval reports it changed, those of held-out
    files counted and not named."""
    shown_answers = named(answers, held_out)
    return {
        "mutant": mutant,
        "status": status,
        "answers": shown_answers,
        "held_out_answers": len(answers) - len(shown_answers),
        "retrieval": named(retrieval, held_out),
        "error": error,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("globs", nargs="*", default=["*"], help="mutant names, as mutmut's globs")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's folder (default: mutants)")
    parser.add_argument("--status", default=DEFAULT_STATUS, help=f"mutmut statuses to check ({DEFAULT_STATUS})")
    parser.add_argument("--out", type=Path, help="also write one JSON line a mutant here")
    args = parser.parse_args()
    statuses = {s.strip() for s in args.status.split(",")}
    if not statuses <= STATUS_CODES.keys() or not (args.mutants / "src" / "matrixqa").is_dir():
        parser.error(f"--status takes {', '.join(STATUS_CODES)}; --mutants needs a mutmut folder with src/matrixqa")
    chosen = mutants_alive(args.mutants, statuses, args.globs)

    os.environ.pop("MUTANT_UNDER_TEST", None)
    sys.path[:0] = [str(args.mutants.resolve() / "src"), str(HERE)]
    import snapshot  # noqa: E402 - both import matrixqa, which must come from the mutants' copy
    import sweep

    from matrixqa.answer import compose, conversation
    from matrixqa.index.embed import load_embedder
    from matrixqa.index.store import load_index
    from matrixqa.index.vocabulary import load_vocabulary
    from matrixqa.search import retrieve
    from matrixqa.settings import load_config
    from matrixqa.startup import keep_model_offline, limit_blas_threads

    assert compose.__file__.startswith(str(args.mutants.resolve())), compose.__file__
    keep_model_offline()
    config = load_config()
    embedder = KeptVectors(load_embedder(config.model, config.backend, config.model_cache))
    index = load_index(config.index_dir, embedder, config.corpus_dir)
    vocabulary = load_vocabulary(config.vocabulary)
    limit_blas_threads()
    modules = (retrieve, compose, conversation, snapshot)
    questions = asked(snapshot, sweep)
    started = time.monotonic()
    before = answer_all(modules, index, embedder, vocabulary, questions)
    print(
        f"{len(questions)} questions answered unmutated in {time.monotonic() - started:.0f} s; "
        f"{len(chosen)} mutants to check",
        flush=True,
    )

    out = args.out.open("w", encoding="utf-8") if args.out else None
    changing = 0
    for done, (name, status) in enumerate(chosen, 1):
        os.environ["MUTANT_UNDER_TEST"] = name
        try:
            after = answer_all(modules, index, embedder, vocabulary, questions)
            answers, retrieval = changes(before, after)
            error = ""
        except Exception as exc:  # a mutant that breaks the code changes every answer
            answers, retrieval, error = [k for k, _, _ in questions], [], f"{type(exc).__name__}: {exc}"[:200]
        finally:
            os.environ.pop("MUTANT_UNDER_TEST", None)
        changing += bool(answers)
        verdict = (
            f"CHANGES {len(answers)} answers: {shown(answers, HELD_OUT)}"
            if answers
            else f"no answer changed ({len(retrieval)} retrieval reports did)"
        )
        print(f"[{done}/{len(chosen)}] {name} ({status}): {error or verdict}", flush=True)
        if out:
            out.write(json.dumps(record(name, status, answers, retrieval, error, HELD_OUT)) + "\n")
            out.flush()
    print(
        f"{changing} of {len(chosen)} mutants change an answer on {len(questions)} labelled questions "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
