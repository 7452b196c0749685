"""Logged questions as evaluation questions: how a log row becomes one, for `matrixqa log to-eval` and the
admin page's "Turn into an evaluation question"."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from matrixqa.errors import EvaluationError
from matrixqa.server.questionlog import LoggedQuestion


def eval_question(question: LoggedQuestion) -> dict[str, object]:
    """A logged question in the evaluation format, with an empty gold list for a person to fill from the source."""
    return {"id": f"log-{question.id}", "question": question.searched_for, "relevant": []}


def eval_questions(questions: Iterable[LoggedQuestion]) -> list[dict[str, object]]:
    """Logged questions in the evaluation format, each searched question once."""
    seen: set[str] = set()
    out = []
    for q in questions:
        if _key(q.searched_for) not in seen:
            seen.add(_key(q.searched_for))
            out.append(eval_question(q))
    return out


def jsonl(questions: Iterable[dict[str, object]]) -> str:
    """Evaluation questions as the lines of a question file."""
    return "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)


def append_new(path: Path, questions: Iterable[LoggedQuestion]) -> list[dict[str, object]]:
    """Append to a question file the questions it does not hold yet (a person may have filled in the ones it
    does); return those appended. The caller keeps two appends to one file from running at once."""
    held = {_key(str(q.get("question", ""))) for q in _read(path)}
    new = [q for q in eval_questions(questions) if _key(str(q["question"])) not in held]
    if new:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(jsonl(new))
        except OSError as error:
            raise EvaluationError(f"cannot write {path}: {error.strerror}; see MATRIXQA_EVAL_INBOX") from None
    return new


def _read(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise EvaluationError(f"cannot read {path}: {error}; see MATRIXQA_EVAL_INBOX") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = json.loads(line)
        except json.JSONDecodeError:
            question = None
        if not isinstance(question, dict):
            raise EvaluationError(f"line {number} of {path} is not a JSON object: mend it, or move the file away")
        questions.append(question)
    return questions


def _key(question: str) -> str:
    return " ".join(question.lower().split())
