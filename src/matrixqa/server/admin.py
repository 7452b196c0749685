"""The admin view of the question log: a page, and a JSON and CSV API behind a bearer token."""

from __future__ import annotations

import hmac
import io
from pathlib import Path

from flask import Blueprint, Response, jsonify, request, send_from_directory
from werkzeug.datastructures import MultiDict

from matrixqa.errors import BadRequest, LogUnavailable, MatrixQAError
from matrixqa.server.questionlog import QuestionLog, Selection, parse_since, question_json, write_csv

MIN_TOKEN = 16
MAX_LIMIT = 1000
QUERY = {"limit", "since", "answered", "helpful", "order"}


def admin_blueprint(token: str, question_log: QuestionLog | None, web_dir: Path) -> Blueprint:
    """The admin routes; the API answers only requests that carry `Authorization: Bearer <token>`."""
    if len(token) < MIN_TOKEN:
        raise MatrixQAError(f"MATRIXQA_ADMIN_TOKEN must be at least {MIN_TOKEN} characters: a long random string")
    expected = token.encode()
    admin = Blueprint("admin", __name__)

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
        return jsonify(count=len(found), questions=[question_json(q) for q in found])

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
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise BadRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
    order = args.get("order", "recent")
    if order not in ("recent", "score"):
        raise BadRequest("'order' must be recent (newest first) or score (lowest top score first)")
    return Selection(
        limit=int(limit),
        since=parse_since(args["since"]) if args.get("since") else None,
        answered=_yes_no(args, "answered"),
        helpful=_yes_no(args, "helpful"),
        order=order,
    )


def _yes_no(args: MultiDict[str, str], name: str) -> bool | None:
    value = args.get(name, "").lower()
    if value in ("", "any"):
        return None
    if value not in ("true", "false"):
        raise BadRequest(f"'{name}' must be true or false")
    return value == "true"
