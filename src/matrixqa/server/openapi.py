"""The OpenAPI document of the JSON API, generated from the models of requests.py and responses.py; served at
/api/openapi.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from matrixqa import __version__
from matrixqa.server import chat_completions as chat
from matrixqa.server.requests import MAX_BODY_BYTES, AskRequest, FeedbackRequest, SearchRequest
from matrixqa.server.responses import (
    AnswerResponse,
    CellsResponse,
    ContextResponse,
    ErrorResponse,
    FeedbackResponse,
    HealthResponse,
    SearchResponse,
)

REASONS = {
    400: "The request cannot be answered as it stands; `error` says what to change.",
    404: "No such answer or passage.",
    405: "The method is not allowed on this path.",
    413: f"The body is larger than {MAX_BODY_BYTES} bytes.",
    429: "Too many requests from this address; `Retry-After` says when to try again.",
    503: "The index cannot be used; `error` says how to rebuild it.",
}
POST_ERRORS = (400, 405, 413, 429, 503)


@dataclass(frozen=True)
class Operation:
    """One endpoint as the document describes it; `path` is written the OpenAPI way (`{name}`)."""

    method: str
    path: str
    summary: str
    response: type[BaseModel]
    response_description: str
    body: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = (405,)
    also: tuple[tuple[int, str], ...] = ()  # other successes, with the same response shape
    error: type[BaseModel] = ErrorResponse
    stream: type[BaseModel] | None = None  # the event a `stream: true` request gets instead, as text/event-stream


OPERATIONS = (
    Operation(
        "post",
        "/api/search",
        "Retrieve the passages that best match a question.",
        SearchResponse,
        "Passages, best first.",
        body=SearchRequest,
        errors=POST_ERRORS,
    ),
    Operation(
        "post",
        "/api/ask",
        "Answer a question with cited source sentences.",
        AnswerResponse,
        "An answer, or a statement that the corpus does not cover the question.",
        body=AskRequest,
        errors=POST_ERRORS,
    ),
    Operation(
        "post",
        "/api/feedback",
        "Say whether an answer helped.",
        FeedbackResponse,
        "Feedback stored with the answer it names.",
        body=FeedbackRequest,
        status=201,
        also=((200, "The question log is off: the feedback was not stored."),),
        errors=(400, 404, 405, 413, 503),
    ),
    Operation("get", "/api/cells", "List the cells the index holds.", CellsResponse, "Cells in matrix order."),
    Operation(
        "get",
        "/api/passages/{passage_id}/context",
        "Show a passage with the other passages of its section, in page order.",
        ContextResponse,
        "The passage's section.",
        errors=(404, 405),
    ),
    Operation(
        "get",
        "/api/health",
        "Report that the service is up, with the index it serves.",
        HealthResponse,
        "The service is ready.",
    ),
    Operation(
        "get",
        "/v1/models",
        "List the models of the OpenAI-compatible endpoint: one, `matrixqa`.",
        chat.ModelList,
        "The one model.",
        error=chat.OpenAIErrorResponse,
    ),
    Operation(
        "post",
        "/v1/chat/completions",
        "Answer the last user message, in the light of the earlier ones, as the OpenAI chat-completions protocol.",
        chat.ChatCompletion,
        "The answer, its sources and citations as an assistant message; with `stream: true`, as server-sent events.",
        body=chat.ChatRequest,
        errors=POST_ERRORS,
        error=chat.OpenAIErrorResponse,
        stream=chat.ChatCompletionChunk,
    ),
)


def openapi_document() -> dict[str, Any]:
    """The API as OpenAPI 3.1, whose schemas are JSON Schema 2020-12 as pydantic writes them."""
    models = [(op.body, "validation") for op in OPERATIONS if op.body]
    models += [(m, "serialization") for op in OPERATIONS for m in (op.response, op.error, op.stream) if m]
    refs, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        operation: dict[str, Any] = {"summary": op.summary, "responses": {}}
        parameters = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
        if parameters:
            operation["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in parameters
            ]
        if op.body:
            operation["requestBody"] = {"required": True, "content": _json(refs[(op.body, "validation")])}
        ok = _json(refs[(op.response, "serialization")])
        if op.stream:
            ok |= _events(refs[(op.stream, "serialization")])
        responses = {str(code): (text, ok) for code, text in ((op.status, op.response_description), *op.also)}
        error = _json(refs[(op.error, "serialization")])
        responses |= {str(code): (REASONS[code], error) for code in op.errors}
        operation["responses"] = {code: {"description": d, "content": c} for code, (d, c) in responses.items()}
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "matrixqa",
            "version": __version__,
            "description": "Cited answers from the Drug and Alcohol Findings Effectiveness Bank treatment matrices. "
            'Every error is JSON: {"error": "<what went wrong and what to change>"}; on /v1/, the OpenAI '
            'protocol\'s {"error": {"message": "...", "type": "..."}}.',
        },
        "paths": paths,
        "components": {"schemas": definitions["$defs"]},
    }


def _json(schema_ref: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema_ref}}


def _events(chunk_ref: dict[str, Any]) -> dict[str, Any]:
    """Server-sent events, described one event at a time (OpenAPI 3.1 has no schema for a whole stream)."""
    data = {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": chunk_ref,
        "description": "A chunk as JSON; the last event's data is `[DONE]`.",
    }
    return {"text/event-stream": {"schema": {"type": "object", "properties": {"data": data}, "required": ["data"]}}}
