"""An OpenAI-compatible chat endpoint, so chat tools that speak that protocol can ask matrixqa.

POST /v1/chat/completions reads the last user message as the question and the earlier turns as its
history, answers it as /api/ask does, and replies with the answer (its [n] markers kept) and a list
of sources as the assistant message; the structured citations ride along in an extra `citations`
field. `stream: true` sends the same text as server-sent events in the protocol's chunk format.
Errors on /v1/ are in the protocol's error shape.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import Field, ValidationError

from matrixqa.answer.compose import Answer, Answerer
from matrixqa.answer.conversation import CITATION_MARKER
from matrixqa.errors import BadRequest
from matrixqa.ingest.chunk import Passage
from matrixqa.server import responses
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.requests import (
    MAX_HISTORY,
    MAX_QUESTION,
    AskRequest,
    FiltersIn,
    PositiveWholeNumber,
    QuestionText,
    Request,
    WholeNumber,
    filters_of,
    parse_body,
    question_of,
    request_error,
)
from matrixqa.server.responses import AnswerResponse, CitationOut

MODEL = "matrixqa"


class StreamOptions(Request):
    include_usage: bool = Field(default=False, description="Send a last chunk with the usage of the whole reply.")
    include_obfuscation: bool = Field(default=False, description="Accepted; matrixqa adds no obfuscation field.")


class TextPart(Request):
    type: Literal["text"]
    text: str


class QuestionPart(TextPart):
    text: QuestionText


class UserMessage(Request):
    """A turn of the person asking; the last one is the question."""

    role: Literal["user"]
    content: QuestionText | Annotated[list[QuestionPart], Field(min_length=1)] = Field(
        description=f"The question, or text parts whose texts make it together (at most {MAX_QUESTION} characters)."
    )
    name: str | None = None

    def text(self) -> str:
        return _text(self.content)


class OtherMessage(Request):
    """The system's instructions (read, and followed only in that answers quote the corpus) or an earlier answer."""

    role: Literal["system", "developer", "assistant"]
    content: str | list[TextPart] | None = None
    name: str | None = None

    def text(self) -> str:
        return _text(self.content)


def _text(content: str | list[TextPart] | None) -> str:
    if isinstance(content, list):
        return "".join(part.text for part in content)
    return content or ""


ChatMessage = Annotated[UserMessage | OtherMessage, Field(discriminator="role")]
HAS_A_QUESTION = {"type": "object", "properties": {"role": {"const": "user"}}, "required": ["role"]}


class ChatRequest(Request):
    """The protocol's request, its options checked as OpenAI checks them; sampling options have no effect
    (answers are quoted, not generated)."""

    model: str = Field(description="Echoed back; matrixqa has one model, `matrixqa`.")
    messages: list[ChatMessage] = Field(
        min_length=1,
        description="The conversation; the last user message is the question, the turns before it its history.",
        json_schema_extra={"contains": HAS_A_QUESTION},
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: WholeNumber = Field(default=1, ge=1, le=1, description="One answer per question.")
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: PositiveWholeNumber | None = Field(default=None, description="Accepted; an answer is never cut.")
    max_completion_tokens: PositiveWholeNumber | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    seed: WholeNumber | None = None
    user: str | None = None
    # matrixqa's own options, as /api/ask takes them (`extra_body` in the openai client).
    detail: Literal["short", "long"] = "short"
    filters: FiltersIn | None = None

    def ask_request(self) -> AskRequest:
        """The question (the last user message) and the turns before it, as /api/ask would take them."""
        asked = [i for i, m in enumerate(self.messages) if m.role == "user"]
        if not asked:
            raise BadRequest("'messages' must hold a user message: the question")
        history: list[dict[str, str]] = []
        for message in self.messages[: asked[-1]]:
            if message.role == "user":
                history.append({"question": message.text(), "answer": ""})
            elif message.role == "assistant" and history:
                history[-1]["answer"] = answer_part(message.text())
        question = self.messages[asked[-1]].text()
        body = {"question": question, "history": history[-MAX_HISTORY:], "detail": self.detail}
        if self.filters:
            body["filters"] = self.filters.model_dump()
        try:
            return AskRequest.model_validate(body)
        except ValidationError as error:
            raise BadRequest("in 'messages': " + request_error(error, AskRequest, body)) from None


SOURCES_HEADING = "Sources:"


def answer_part(content: str) -> str:
    """An earlier assistant message without its framing line and sources list: the cited sentences a follow-up
    leans on ("tell me more" must know each of them, the first too)."""
    body = content.split(f"\n\n{SOURCES_HEADING}\n", 1)[0]
    lead, _, cited = body.partition("\n\n")
    return cited if cited and not CITATION_MARKER.search(lead) and CITATION_MARKER.search(cited) else body


def message_content(answer: Answer) -> str:
    """The assistant message: the framing line, the answer with its [n] markers, and the numbered sources."""
    if not answer.answered:
        suggestions = "".join(f"\n- {s}" for s in answer.suggestions)
        return answer.message + (f"\n\nYou could ask:{suggestions}" if suggestions else "")
    sources = "\n".join(f"[{c.n}] {source_line(c.passage)}" for c in answer.citations)
    return f"{answer.lead}\n\n{answer.answer}\n\n{SOURCES_HEADING}\n{sources}"


def source_line(passage: Passage) -> str:
    study = passage.study
    title = f"{study.title} ({study.year})" if study and study.year else study.title if study else "Commentary"
    links = " ".join(link["url"] for link in passage.links)
    return f"{title}. {passage.cell.label}, {passage.section}. {links}"


class ModelCard(responses.Response):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(responses.Response):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class AssistantMessage(responses.Response):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="The framing line, the answer with its [n] markers, then a `Sources:` list.")
    refusal: None = None


class Choice(responses.Response):
    index: Literal[0] = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Delta(responses.Response):
    """What a chunk adds to the message; the first names the role, the last adds nothing."""

    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(responses.Response):
    index: Literal[0] = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class Extras(responses.Response):
    """matrixqa's fields beside the protocol's: whether the corpus answered, and the cited passages."""

    answered: bool = Field(description="False when the corpus holds no evidence for the question.")
    citations: list[CitationOut] = Field(description="As /api/ask gives them, numbered as the [n] markers.")


class Usage(responses.Response):
    """Tokens as the model's own tokenizer (all-MiniLM-L6-v2's) counts them: the messages' texts, and the reply's."""

    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)

    @classmethod
    def of(cls, count: Callable[[str], int], body: ChatRequest, content: str) -> Usage:
        prompt = sum(count(message.text()) for message in body.messages)
        completion = count(content)
        return cls(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


class ChatCompletion(Extras):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = Field(description="The model the request named, echoed.")
    choices: list[Choice] = Field(min_length=1, max_length=1)
    usage: Usage


class ChatCompletionChunk(responses.Response):
    """One server-sent event of a streamed reply; the chunk with finish_reason "stop" carries the extras. With
    `stream_options.include_usage`, a last chunk with no choice carries the usage (null in the others)."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice] = Field(max_length=1)
    answered: bool | None = None
    citations: list[CitationOut] | None = None
    usage: Usage | None = None


class ErrorDetail(responses.Response):
    message: str = Field(min_length=1, description="What went wrong and what to change.")
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorResponse(responses.Response):
    """The protocol's error shape, which every error on /v1/ takes."""

    error: ErrorDetail


def chat_blueprint(current: Callable[[], Answerer], question_log: QuestionLog | None) -> Blueprint:
    """The /v1 routes, answering over the app's live index and logging to its question log."""
    v1 = Blueprint("chat_completions", __name__, url_prefix="/v1")

    @v1.get("/models")
    def models():
        return jsonify(ModelList(data=[ModelCard(id=MODEL, created=0, owned_by=MODEL)]).model_dump(mode="json"))

    @v1.post("/chat/completions")
    def chat_completions():
        started = time.perf_counter()
        body = parse_body(ChatRequest)
        ask = body.ask_request()
        question, filters = question_of(ask), filters_of(ask)
        answer = current().answer(question, ask.turns(), ask.detail, filters)
        if question_log is not None:
            question_log.record_ask(question, answer, filters, round((time.perf_counter() - started) * 1000, 1))
        reply = {"id": f"chatcmpl-{answer.id}", "created": int(time.time()), "model": body.model}
        content = message_content(answer)
        extras = Extras(answered=answer.answered, citations=AnswerResponse.of(answer).citations)
        usage = Usage.of(current().retriever.embedder.count_tokens, body, content)
        if body.stream:
            with_usage = body.stream_options is not None and body.stream_options.include_usage
            return Response(
                _stream(reply, content, extras, usage if with_usage else None), mimetype="text/event-stream"
            )
        completion = ChatCompletion(
            **reply, **dict(extras), choices=[Choice(message=AssistantMessage(content=content))], usage=usage
        )
        return jsonify(completion.model_dump(mode="json"))

    return v1


def _stream(reply: dict[str, Any], content: str, extras: Extras, usage: Usage | None) -> Iterator[str]:
    """The content word by word as chunks, then a chunk with the finish reason and the extras, then, when
    `usage` is given, a chunk with no choice that carries it."""

    def event(choices: list[ChunkChoice], **extra: Any) -> str:
        return f"data: {ChatCompletionChunk(**reply, choices=choices, **extra).model_dump_json()}\n\n"

    yield event([ChunkChoice(delta=Delta(role="assistant", content=""))])
    for piece in re.findall(r"\s*\S+", content):
        yield event([ChunkChoice(delta=Delta(content=piece))])
    yield event([ChunkChoice(delta=Delta(), finish_reason="stop")], **dict(extras))
    if usage is not None:
        yield event([], usage=usage)
    yield "data: [DONE]\n\n"


def error_type(status: int) -> str:
    """The protocol's `type` of an error by its status: the caller's mistake, too many requests, or the server's."""
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def openai_errors(app: Flask) -> None:
    """Errors on /v1/ in the protocol's shape, {"error": {"message", "type", ...}}: translated once, here."""

    @app.after_request
    def openai_error_shape(response: Response) -> Response:
        if not (request.path + "/").startswith("/v1/") or response.status_code < 300 or not response.is_json:
            return response
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            error = OpenAIErrorResponse(error=ErrorDetail(message=body["error"], type=error_type(response.status_code)))
            response.set_data(error.model_dump_json())
        return response
