"""The Flask app: the JSON API and the chat page, over one loaded index."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, request, send_from_directory
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from matrixqa.answer.compose import Answerer
from matrixqa.errors import BadRequest, MatrixQAError, NotFound
from matrixqa.index.embed import load_embedder
from matrixqa.index.store import MANIFEST
from matrixqa.search.retrieve import Retriever, open_retriever
from matrixqa.server.admin import admin_blueprint
from matrixqa.server.answering import answer_logged
from matrixqa.server.chat_completions import chat_blueprint, openai_errors
from matrixqa.server.mcp_http import McpEndpoint, mcp_blueprint, transport_security
from matrixqa.server.mcp_tools import mcp_server
from matrixqa.server.openapi import openapi_document
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.reload import LiveAnswerer
from matrixqa.server.requests import AskRequest, FeedbackRequest, SearchRequest, filters_of, parse_body, question_of
from matrixqa.server.responses import (
    CellsResponse,
    ContextResponse,
    FeedbackResponse,
    HealthResponse,
    SearchResponse,
)
from matrixqa.server.security import protect
from matrixqa.settings import Config, load_config

API_PATHS = ("/api/", "/v1/")  # every reply under these is JSON, errors as {"error": "..."}


def create_app(config: Config | None = None, retriever: Retriever | None = None) -> Flask:
    """Build the app; load the model and index now so the first request is served warm."""
    config = config or load_config()
    live = live_answerer(config, retriever)
    app = Flask(__name__, static_folder=None)
    app.config["MATRIXQA"] = config
    # No route answers OPTIONS (the API takes no cross-origin requests): it is a 405 like any other method.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.extensions["matrixqa"] = live
    web_dir = Path(config.web_dir).resolve()
    question_log = QuestionLog.of(config)
    protect(app, config)
    if config.admin_token:
        admin = admin_blueprint(config.admin_token, question_log, web_dir, live.current, config.eval_inbox)
        app.register_blueprint(admin)
    app.register_blueprint(chat_blueprint(live.current, question_log))
    openai_errors(app)
    mcp = McpEndpoint(mcp_server(live.current, question_log), transport_security(config))
    app.extensions["matrixqa_mcp"] = mcp  # closed by whoever ends the app before the process ends (tests)
    app.register_blueprint(mcp_blueprint(mcp))
    app.register_blueprint(page_blueprint(web_dir))
    app.register_blueprint(api_blueprint(live.current, question_log))
    json_errors(app)
    return app


def live_answerer(config: Config, retriever: Retriever | None = None) -> LiveAnswerer:
    """The answerer the routes use: over the index on disk, reloaded when it is rebuilt, or over `retriever`."""
    if retriever is not None:
        return LiveAnswerer.fixed(Answerer(retriever))
    embedder = load_embedder(config.model, config.backend, config.model_cache)  # once per process; reused
    return LiveAnswerer(
        lambda: Answerer(open_retriever(config, embedder=embedder)),
        config.index_dir / MANIFEST,
        config.reload_seconds,
    )


def page_blueprint(web_dir: Path) -> Blueprint:
    """The chat page and its files."""
    page_routes = Blueprint("page", __name__)

    @page_routes.get("/")
    def page():
        return send_from_directory(web_dir, "index.html")

    @page_routes.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(web_dir, name)

    return page_routes


def api_blueprint(current: Callable[[], Answerer], question_log: QuestionLog | None) -> Blueprint:
    """The JSON API under /api/, over the answerer `current` returns at each request."""
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.get("/openapi.json")
    def openapi():
        return jsonify(openapi_document())

    @api.get("/health")
    def health():
        index = current().retriever.index
        return reply(
            HealthResponse(status="ok", passages=len(index.passages), cells=index.cells, manifest=index.manifest)
        )

    @api.get("/cells")
    def cells():
        return reply(CellsResponse.of(current().retriever.index.passages))

    @api.get("/passages/<passage_id>/context")
    def passage_context(passage_id: str):
        index = current().retriever.index
        position = index.positions.get(passage_id)
        if position is None:
            raise NotFound(f"no passage with id {passage_id!r} in the index")
        return reply(ContextResponse.of(index, position))

    @api.post("/search")
    def search():
        body = parse_body(SearchRequest)
        return reply(SearchResponse.of(current().retriever.search(question_of(body), body.k, filters_of(body))))

    @api.post("/ask")
    def ask():
        started = time.perf_counter()
        return reply(answer_logged(current(), question_log, parse_body(AskRequest), started))

    @api.post("/feedback")
    def feedback():
        body = parse_body(FeedbackRequest)
        if question_log is None:
            return reply(FeedbackResponse(status="not recorded: the question log is off"))
        question_log.record_feedback(body.id, body.helpful, body.comment.strip())
        return reply(FeedbackResponse(status="recorded", id=body.id), 201)

    return api


def is_api(path: str) -> bool:
    return (path + "/").startswith(API_PATHS)  # "/api" too


def json_errors(app: Flask) -> None:
    """Every error as {"error": "..."} with its status, so no traceback reaches a user; a page 404 stays HTML.

    Installed after every other part of the app, so that its last word on a reply comes before theirs (Flask
    runs after_request functions last installed first): /v1's translation reads the {"error": "..."} it makes.
    """

    # On the app, not on a blueprint: a path no route matches belongs to no blueprint.
    @app.errorhandler(MatrixQAError)
    def domain_error(error: MatrixQAError):
        status = 400 if isinstance(error, BadRequest) else 404 if isinstance(error, NotFound) else 503
        return jsonify(error=str(error)), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api(request.path) or error.code != 404:
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

    @app.after_request
    def api_replies_are_json(response: Response) -> Response:
        """What reaches no error handler (the router's redirect of //, say) is JSON on the API too."""
        if is_api(request.path) and response.status_code >= 300 and not response.is_json:
            response.set_data(json.dumps({"error": _status_message(response)}))
            response.mimetype = "application/json"
        return response


def _http_message(error: HTTPException) -> str:
    if error.code == 404:
        return f"no such endpoint: {request.method} {request.path}"
    if error.code == 405:
        return f"{request.method} is not allowed on {request.path}"
    return error.description or error.name


def _status_message(response: Response) -> str:
    if response.location:
        return f"{request.path} is answered at {response.location}: send the request there"
    return f"{response.status}: {request.method} {request.path}"


def reply(body: BaseModel, status: int = 200):
    # pydantic writes the JSON itself (no intermediate dicts for Flask's encoder to walk).
    return Response(body.model_dump_json(), status=status, mimetype="application/json")
