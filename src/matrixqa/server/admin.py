"""The admin view of the question log: a page, and a JSON and CSV API behind a bearer token."""

from __future__ import annotations

import hmac
import io
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, Response, jsonify, request, send_from_directory
from werkzeug.datastructures import MultiDict

from matrixqa.answer.compose import Answerer
from matrixqa.errors import BadRequest, LogUnavailable, MatrixQAError
from matrixqa.index.store import Index
from matrixqa.server.evalquestions import append_new, eval_question, jsonl
from matrixqa.server.questionlog import (
    ORDERS,
    LoggedQuestion,
    QuestionLog,
    Selection,
    parse_since,
    question_json,
    write_csv,
)

MIN_TOKEN = 16
MAX_LIMIT = 1000
QUERY = {"limit", "since", "answered", "helpful", "order", "review"}


@dataclass(frozen=True)
class CitedPassage:
    """A cited passage as the admin table names it, with its Effectiveness Bank address."""

    id: str
    title: str  # a study entry's title, or a commentary passage's section; "" once the index no longer holds it
    year: int | None
    cell: str  # "Drug B3"
    url: str | None  # the study's analysis (or its cell's page when none is known), or the commentary's cell page

    @classmethod
    def of(cls, passage_id: str, index: Index) -> CitedPassage:
        position = index.positions.get(passage_id)
        if position is None:
            return cls(passage_id, "", None, "", None)
        p = index.passages[position]
        if p.study:
            return cls(p.id, p.study.title, p.study.year, p.cell.short_label, p.study.url)
        return cls(p.id, p.section, None, p.cell.short_label, p.cell.url)


def admin_blueprint(
    token: str,
    question_log: QuestionLog | None,
    web_dir: Path,
    current: Callable[[], Answerer],
    eval_inbox: Path,
) -> Blueprint:
    """The admin routes; the API answers only requests that carry `Authorization: Bearer <token>`."""
    if len(token) < MIN_TOKEN:
        raise MatrixQAError(f"MATRIXQA_ADMIN_TOKEN must be at least {MIN_TOKEN} characters: a long random string")
    expected = token.encode()
    admin = Blueprint("admin", __name__)
    appending = threading.Lock()  # one append to the inbox at a time, so a question is never added twice

    @admin.before_request
    def require_token():
        # The page itself holds no data; it asks for the token and sends it with every API call.
        if request.path.startswith("/api/") and not _bearer_matches(expected):
            message = "admin token missing or wrong: send Authorization: Bearer <MATRIXQA_ADMIN_TOKEN>"
            return jsonify(error=message), 401, {"WWW-Authenticate": 'Bearer realm="matrixqa admin"'}

    @admin.get("/admin")
    def page():
        return send_from_directory(web_dir, "admin.html")

    @admin.get("/api/admin/questions")
    def questions():
        found = _log(question_log).select(_selection(request.args))
        index = current().retriever.index
        return jsonify(count=len(found), questions=[_with_passages(q, index) for q in found])

    @admin.post("/api/admin/questions/<answer_id>/to-eval")
    def to_eval(answer_id: str):
        question = _log(question_log).find(answer_id)
        with appending:
            added = append_new(eval_inbox, [question])
        line = jsonl([eval_question(question)]).strip()
        status = "added" if added else "already in the file"
        return jsonify(status=status, file=str(eval_inbox), line=line), 201 if added else 200

    @admin.get("/api/admin/questions.csv")
    def questions_csv():
        out = io.StringIO()
        write_csv(_log(question_log).select(_selection(request.args)), out)
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="matrixqa-questions.csv"'},
        )

    return admin


def _with_passages(question: LoggedQuestion, index: Index) -> dict[str, object]:
    cited = [asdict(CitedPassage.of(passage_id, index)) for passage_id in question.cited]
    return question_json(question) | {"cited_passages": cited}


def _bearer_matches(expected: bytes) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def _log(question_log: QuestionLog | None) -> QuestionLog:
    if question_log is None:
        raise LogUnavailable("the question log is off (MATRIXQA_LOG=off): nothing has been recorded")
    return question_log


def _selection(args: MultiDict[str, str]) -> Selection:
    unknown = set(args) - QUERY
    if unknown:
        raise BadRequest(f"unknown parameter {sorted(unknown)[0]!r}: use {', '.join(sorted(QUERY))}")
    limit = args.get("limit", "100")
    # ASCII digits only, and few of them: str.isdigit() also takes "²", and int() refuses thousands of digits.
    if not re.fullmatch(f"[0-9]{{1,{len(str(MAX_LIMIT))}}}", limit) or not 1 <= int(limit) <= MAX_LIMIT:
        raise BadRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
    order = args.get("order", "recent")
    if order not in ORDERS:
        raise BadRequest(
            "'order' must be recent (newest first), score (lowest top score first) or evidence (least evidence "
            "beyond the threshold first)"
        )
    return Selection(
        limit=int(limit),
        since=parse_since(args["since"]) if args.get("since") else None,
        answered=_yes_no(args, "answered"),
        helpful=_yes_no(args, "helpful"),
        order=order,
        to_review=bool(_yes_no(args, "review")),
    )


def _yes_no(args: MultiDict[str, str], name: str) -> bool | None:
    value = args.get(name, "").lower()
    if value in ("", "any"):
        return None
    if value not in ("true", "false"):
        raise BadRequest(f"'{name}' must be true or false")
    return value == "true"
