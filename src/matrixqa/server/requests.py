"""The JSON API's request bodies, declared once as pydantic models, and how a body is read and checked.

The app validates request bodies with these models and the OpenAPI document (openapi.py) is generated
from them (and from the response models of responses.py), so the two cannot drift. To accept a field,
add it to its model: validation and the document follow.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import Annotated, Any, Literal, TypeVar, get_args

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from matrixqa.answer.conversation import Turn
from matrixqa.errors import BadRequest
from matrixqa.ingest.cell import StudyType
from matrixqa.search.filters import Filters

MAX_QUESTION = 1000
MAX_K = 50
MAX_HISTORY = 20
MAX_COMMENT = 2000
MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)
# The study types' letters as Literals of strings: strict validation takes the JSON's "S" for a Literal, where
# for the enum it would take only an instance of it.
STUDY_LETTERS = tuple(kind.value for kind in StudyType)
StudyLetter = Literal[STUDY_LETTERS]
EvidenceType = Literal[(*STUDY_LETTERS, "commentary")]


def _unseen_characters() -> str:
    """Every character that shows nothing: white space, line and paragraph separators, control and format
    characters (zero-width spaces, direction marks)."""
    kinds = {"Zs", "Zl", "Zp", "Cc", "Cf"}
    return "".join(c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) in kinds)


def _character_class(characters: str, negated: bool = False) -> str:
    """A regular expression class of these characters, as runs (a-b), that JSON Schema's regular expressions,
    Python's and the Rust regex pydantic checks with all read alike: no \\s, whose meaning differs among them."""
    runs: list[list[int]] = []
    for code in sorted(map(ord, characters)):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])

    def spelt(code: int) -> str:  # beyond \\uFFFF the three escape differently: the character itself
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    body = "".join(spelt(a) if a == b else f"{spelt(a)}-{spelt(b)}" for a, b in runs)
    return f"[{'^' if negated else ''}{body}]"


UNSEEN = _unseen_characters()
VISIBLE = _character_class(UNSEEN, negated=True)  # a question must hold one such character

QuestionText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_QUESTION, pattern=VISIBLE),
    Field(description="The question, in plain words; surrounding white space is ignored."),
]


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# JSON Schema counts 38.0 as an integer, so the API does too; "38" and true stay refused (strict mode).
WholeNumber = Annotated[int, BeforeValidator(_integral)]
# The bound comes before the validator: put on `WholeNumber | None`, the document would write it as "ge".
PositiveWholeNumber = Annotated[int, Field(ge=1), BeforeValidator(_integral)]


class Request(BaseModel):
    """A request body: strict types (no "5" for 5), and a field it does not name is refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FiltersIn(Request):
    """Restrict which passages may be retrieved; every filter given must hold."""

    types: list[EvidenceType] = []
    cells: list[str] = Field(
        default=[],
        description='Cell codes such as "B3". A code names that cell in every matrix the corpus holds (A3, B3, B4 '
        "... exist in both): give `matrix` too to keep one.",
    )
    matrix: str | None = Field(default=None, description='Such as "Drug Treatment Matrix".')
    year_from: WholeNumber | None = None
    year_to: WholeNumber | None = None

    @classmethod
    def of(cls, filters: Filters) -> FiltersIn | None:
        """Filters as they were applied, in the shape a request gives them; None when nothing was restricted."""
        if not filters.active:
            return None
        years = {"year_from": filters.year_from, "year_to": filters.year_to}
        return cls(types=sorted(filters.types), cells=sorted(filters.cells), matrix=filters.matrix, **years)

    def to_filters(self) -> Filters:
        return Filters(
            frozenset(self.types),
            frozenset(c.upper() for c in self.cells),
            self.matrix or None,
            self.year_from,
            self.year_to,
        )


class SearchRequest(Request):
    question: QuestionText
    k: WholeNumber = Field(default=5, ge=1, le=MAX_K, description="How many passages to return.")
    filters: FiltersIn | None = None


class TurnIn(Request):
    question: str = Field(max_length=MAX_QUESTION)
    answer: str = ""


class AskRequest(Request):
    question: QuestionText
    detail: Literal["short", "long"] = "short"
    history: list[TurnIn] = Field(
        default=[],
        max_length=MAX_HISTORY,
        description="Earlier turns, oldest first, so a follow-up question can be understood.",
    )
    filters: FiltersIn | None = None

    def turns(self) -> list[Turn]:
        return [Turn(turn.question, turn.answer) for turn in self.history]


class FeedbackRequest(Request):
    id: str = Field(min_length=1, description="The `id` of an answer from /api/ask.")
    helpful: bool
    comment: str = Field(default="", max_length=MAX_COMMENT)


def question_of(request: SearchRequest | AskRequest) -> str:
    return request.question.strip(UNSEEN)


def filters_of(request: SearchRequest | AskRequest) -> Filters:
    return request.filters.to_filters() if request.filters else Filters()


def _json_body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply: send one flat JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest('send a JSON object with Content-Type: application/json, such as {"question": "..."}')
    return body


def parse_body(model: type[M]) -> M:
    """The request's JSON body as `model`, or a BadRequest saying the first thing to fix."""
    return checked(model, _json_body())


def checked(model: type[M], body: dict[str, Any]) -> M:
    """A decoded JSON object (a request body, a tool's arguments) as `model`, or a BadRequest saying what to fix."""
    try:  # a \ud800-style escape decodes to text no encoder downstream accepts
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("the JSON holds an unpaired surrogate escape (such as \\ud800): send valid Unicode") from None
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise BadRequest(request_error(error, model, body)) from None


def request_error(error: ValidationError, model: type[BaseModel], body: Any = None) -> str:
    """The first thing wrong with a request body, said as what to fix (the API's one error message)."""
    problems = error.errors(include_url=False)
    # Of a union's alternatives, the one that reached deepest into the body is the one the caller meant, and
    # one whose type matched (a list of five stop words is a list too long, more than it is not a string).
    problem = max(
        (p for p in problems if p["loc"][:1] == problems[0]["loc"][:1]),
        key=lambda p: (len(p["loc"]), not p["type"].endswith("_type")),
    )
    location = _as_sent(problem["loc"], body)
    where = "'" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".") + "'"
    context = problem.get("ctx", {})
    kind = problem["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(_model_at(model, location[:-1]).model_fields)
        parent = "filter" if location[:1] == ("filters",) else "field"
        return f"unknown {parent} {location[-1]!r}: " + (f"send only {allowed}" if allowed else "send none")
    if kind == "missing":
        return f"{where} is required"
    if kind == "string_too_long":
        return f"{where} is too long: at most {context['max_length']} characters"
    if kind == "too_long":
        return f"{where} holds too many items: at most {context['max_length']}"
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return f"{where} must be a non-empty string"
    if kind == "union_tag_not_found":
        return f"{where} needs a {context['discriminator']}"
    if kind == "union_tag_invalid":
        return f"{where}: {context['discriminator']} must be one of {context['expected_tags']}"
    message = problem["msg"]
    return f"{where}: {message[0].lower()}{message[1:]}"


def _as_sent(location: tuple[int | str, ...], body: Any) -> tuple[int | str, ...]:
    """The location of a problem in the body as sent: without the names pydantic gives a union's alternatives
    ("messages[0].content.str" is "messages[0].content"). Without the body, the location as it is."""
    if body is None:
        return location
    kept: list[int | str] = []
    value = body
    for number, part in enumerate(location):
        if isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        elif isinstance(value, dict) and isinstance(part, str) and (part in value or number == len(location) - 1):
            value = value.get(part)
        else:
            continue
        kept.append(part)
    return tuple(kept)


def _model_at(model: type[BaseModel], location: tuple[int | str, ...]) -> type[BaseModel]:
    for part in location:
        if isinstance(part, str) and part in model.model_fields:
            model = _inner_model(model.model_fields[part].annotation) or model
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m), None)
