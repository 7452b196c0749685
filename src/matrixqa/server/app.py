"""The Flask app: the JSON API and the chat page, over one loaded index."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from matrixqa.answer.compose import Answer, answer_question, covered_cells
from matrixqa.answer.conversation import Turn
from matrixqa.errors import BadRequest, MatrixQAError, NotFound
from matrixqa.index.embed import load_embedder
from matrixqa.index.store import MANIFEST, Index
from matrixqa.ingest.chunk import Passage, StudyRef
from matrixqa.search.relevance import MIN_EVIDENCE, STRONG_EVIDENCE, Relevance
from matrixqa.search.retrieve import Filters, Hit, Retriever, SearchResult, open_retriever
from matrixqa.server.admin import admin_blueprint
from matrixqa.server.openapi import (
    ASCII_SPACE,
    FILTER_NAMES,
    MAX_COMMENT,
    MAX_HISTORY,
    MAX_K,
    MAX_QUESTION,
    STUDY_TYPES,
    openapi_document,
)
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.reload import LiveRetriever
from matrixqa.server.security import protect
from matrixqa.settings import Config, load_config


def create_app(config: Config | None = None, retriever: Retriever | None = None) -> Flask:
    """Build the app; load the model and index now so the first request is served warm."""
    config = config or load_config()
    if retriever is None:
        embedder = load_embedder(
            config.model, config.backend, config.model_cache
        )  # once per process; a reload reuses it
        live = LiveRetriever(
            lambda: open_retriever(config, embedder=embedder), config.index_dir / MANIFEST, config.reload_seconds
        )
    else:
        live = LiveRetriever.fixed(retriever)
    app = Flask(__name__, static_folder=None)
    app.config["MATRIXQA"] = config
    app.extensions["matrixqa"] = live
    web_dir = Path(config.web_dir).resolve()
    question_log = QuestionLog(config.log_db, config.log_keep_days) if config.log_enabled else None
    protect(app, config)
    if config.admin_token:
        app.register_blueprint(admin_blueprint(config.admin_token, question_log, web_dir))

    @app.get("/")
    def page():
        return send_from_directory(web_dir, "index.html")

    @app.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(web_dir, name)

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(openapi_document())

    @app.get("/api/health")
    def health():
        index = live.current().index
        return jsonify(status="ok", passages=len(index.passages), cells=covered_cells(index), manifest=index.manifest)

    @app.get("/api/cells")
    def cells():
        return jsonify(cells=cells_json(live.current().index.passages))

    @app.get("/api/passages/<passage_id>/context")
    def passage_context(passage_id: str):
        return jsonify(section_context(live.current().index, passage_id))

    @app.post("/api/search")
    def search():
        body = _json_body()
        question = _question(body)
        k = _int_field(body, "k", 5, 1, MAX_K)
        filters = _filters(body)
        return jsonify(search_json(live.current().search(question, k, filters)))

    @app.post("/api/ask")
    def ask():
        started = time.perf_counter()
        body = _json_body()
        question = _question(body)
        history = _history(body)
        detail = body.get("detail", "short")
        if detail not in ("short", "long"):
            raise BadRequest('\'detail\' must be "short" or "long"')
        filters = _filters(body)
        retriever = live.current()  # one index for the whole request, even if a reload lands meanwhile
        answer = answer_question(retriever, question, history, detail, filters)
        payload = answer_json(answer)
        payload["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if question_log is not None:
            question_log.record_ask(question, answer, filters, payload["latency_ms"])
        return jsonify(payload)

    @app.post("/api/feedback")
    def feedback():
        body = _json_body()
        if not isinstance(body.get("id"), str) or not body["id"]:
            raise BadRequest("'id' must be the id of an answer from /api/ask")
        if not isinstance(body.get("helpful"), bool):
            raise BadRequest("'helpful' must be true or false")
        comment = body.get("comment", "")
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise BadRequest(f"'comment' must be text of at most {MAX_COMMENT} characters")
        if question_log is None:
            return jsonify(status="not recorded: the question log is off"), 202
        question_log.record_feedback(body["id"], body["helpful"], comment.strip())
        return jsonify(status="recorded"), 202

    @app.errorhandler(MatrixQAError)
    def domain_error(error: MatrixQAError):
        status = 400 if isinstance(error, BadRequest) else 404 if isinstance(error, NotFound) else 503
        return jsonify(error=str(error)), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/") or error.code != 404:
            response = jsonify(error=_http_message(error))
            response.status_code = error.code or 500
            if getattr(error, "valid_methods", None):
                response.headers["Allow"] = ", ".join(error.valid_methods)
            return response
        return error

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error")
        return jsonify(error="internal error: the request could not be completed"), 500

    return app


def _http_message(error: HTTPException) -> str:
    if error.code == 404:
        return f"no such endpoint: {request.method} {request.path}"
    if error.code == 405:
        return f"{request.method} is not allowed on {request.path}"
    return error.description or error.name


def _json_body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply: send one flat JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest('send a JSON object with Content-Type: application/json, such as {"question": "..."}')
    try:  # a \ud800-style escape decodes to text no encoder downstream accepts
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("the JSON holds an unpaired surrogate escape (such as \\ud800): send valid Unicode") from None
    return body


def _question(body: dict[str, Any]) -> str:
    question = body.get("question")
    # ASCII white space only, as the OpenAPI pattern says: JSON Schema's \s and Python's differ elsewhere.
    if not isinstance(question, str) or not question.strip(ASCII_SPACE):
        raise BadRequest("'question' must be a non-empty string")
    if len(question) > MAX_QUESTION:
        raise BadRequest(f"'question' is too long: at most {MAX_QUESTION} characters")
    return question.strip(ASCII_SPACE)


def _int_field(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}")
    return value


def _history(body: dict[str, Any]) -> list[Turn]:
    history = body.get("history", [])
    if not isinstance(history, list) or len(history) > MAX_HISTORY:
        raise BadRequest(f"'history' must be a list of at most {MAX_HISTORY} {{question, answer}} objects")
    for turn in history:
        if (
            not isinstance(turn, dict)
            or not isinstance(turn.get("question"), str)
            or not isinstance(turn.get("answer", ""), str)
        ):
            raise BadRequest("each 'history' item must be an object with string 'question' and 'answer'")
        if len(turn["question"]) > MAX_QUESTION:
            raise BadRequest(f"each 'history' question must be at most {MAX_QUESTION} characters")
    return [Turn(turn["question"], turn.get("answer", "")) for turn in history]


def _filters(body: dict[str, Any]) -> Filters:
    raw = body.get("filters", {})
    if raw is None:
        return Filters()
    if not isinstance(raw, dict):
        raise BadRequest("'filters' must be an object")
    unknown = set(raw) - set(FILTER_NAMES)
    if unknown:
        raise BadRequest(f"unknown filter {sorted(unknown)[0]!r}: use {', '.join(FILTER_NAMES)}")
    types = raw.get("types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) and t in STUDY_TYPES for t in types):
        raise BadRequest("filter 'types' must be a list of S, K, R, G or commentary")
    cells = raw.get("cells", [])
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise BadRequest("filter 'cells' must be a list of cell codes such as \"B3\"")
    matrix = raw.get("matrix")
    if matrix is not None and not isinstance(matrix, str):
        raise BadRequest("filter 'matrix' must be a matrix name such as \"Drug Treatment Matrix\"")
    years = {}
    for name in ("year_from", "year_to"):
        value = raw.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise BadRequest(f"filter '{name}' must be a year such as 2010")
        years[name] = value
    return Filters(frozenset(types), frozenset(c.upper() for c in cells), matrix or None, **years)


def search_json(result: SearchResult) -> dict[str, Any]:
    """The API's shape of a search: the passages, and whether the corpus holds anything relevant and why."""
    return {
        "question": result.question,
        "relevant": result.relevant,
        "relevance": relevance_json(result.relevance),
        "passages": [passage_json(h) for h in result.hits],
    }


def relevance_json(relevance: Relevance | None) -> dict[str, Any] | None:
    """The relevance rule's inputs and thresholds (see search/relevance.py), for evaluators."""
    if relevance is None:
        return None
    return {
        "evidence": round(relevance.evidence, 4),
        "threshold": MIN_EVIDENCE,
        "missing_threshold": STRONG_EVIDENCE,
        "sentence_score": round(relevance.sentence_score, 4),
        "coverage": round(relevance.coverage, 4),
        "missing": list(relevance.missing),
        "corrected": list(relevance.corrected),
        "matched": list(relevance.matched),
    }


def passage_json(hit: Hit) -> dict[str, Any]:
    """The API's shape of a retrieved passage, with the evidence that ranked it for the inspector."""
    p = hit.passage
    best = p.sentence_texts[hit.best_sentence] if hit.best_sentence is not None else None
    return {
        "id": p.id,
        "text": p.text,
        "score": round(hit.score, 4),
        "rank": hit.rank,
        "evidence": {
            "fused_rank": hit.fused_rank,
            "dense_score": round(hit.dense_score, 4),
            "sentence_score": round(hit.sentence_score, 4),
            "dense_rank": hit.dense_rank,
            "lexical_score": round(hit.lexical_score, 4),
            "lexical_rank": hit.lexical_rank,
            "matched_terms": list(hit.matched_terms),
            "best_sentence": best,
        },
        "cell": {
            "matrix": p.cell.matrix,
            "code": p.cell.code,
            "title": p.cell.title,
            "url": p.cell.url,
            "acknowledgement": p.cell.acknowledgement,
        },
        "section": p.section,
        "kind": p.kind,
        "study": study_json(p.study) if p.study else None,
        "refers_to": [study_json(s) for s in p.refers_to],
        "links": p.links,
        "supplementary": p.supplementary,
    }


def study_json(study: StudyRef) -> dict[str, Any]:
    """A listed document: its Effectiveness Bank address and, where known, the original publication's."""
    return {
        "type": study.type,
        "title": study.title,
        "year": study.year,
        "url": study.url,
        "authors": study.authors,
        "journal": study.journal,
        "publication_url": study.publication_url,
    }


def cells_json(passages: list[Passage]) -> list[dict[str, Any]]:
    """The cells present in the index, in matrix and code order, with how many passages each holds."""
    counts = Counter(p.cell for p in passages)
    return [{**asdict(cell), "passages": counts[cell]} for cell in sorted(counts, key=lambda c: (c.matrix, c.code))]


def section_context(index: Index, passage_id: str) -> dict[str, Any]:
    """A passage with the neighbouring passages of the same section of its cell, in page order."""
    position = index.positions.get(passage_id)
    if position is None:
        raise NotFound(f"no passage with id {passage_id!r} in the index")
    passages = index.passages
    target = passages[position]

    def same_section(p: Passage) -> bool:
        return p.cell == target.cell and p.section == target.section

    start, end = position, position + 1
    while start > 0 and same_section(passages[start - 1]):
        start -= 1
    while end < len(passages) and same_section(passages[end]):
        end += 1
    return {
        "id": target.id,
        "cell": asdict(target.cell),
        "section": target.section,
        "paragraphs": [{"id": p.id, "text": p.text, "current": p.id == target.id} for p in passages[start:end]],
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    """The API's shape of an answer."""
    by_id = {h.passage.id: h for h in answer.hits}
    return {
        "id": answer.id,
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.answer,
        "lead": answer.lead,
        "message": answer.message,
        "suggestions": list(answer.suggestions),
        "searched_for": answer.searched_for,
        "mode": answer.mode,
        "citations": [
            {"n": c.n, "sentences": list(c.sentences), "passage": passage_json(by_id[c.passage.id])}
            for c in answer.citations
        ],
        "passages": [passage_json(h) for h in answer.hits],
        "relevance": relevance_json(answer.relevance),
    }
