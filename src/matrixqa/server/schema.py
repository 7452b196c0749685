"""The JSON API's request and response shapes, declared once as pydantic models.

The app validates request bodies with them, builds its JSON with them, and the OpenAPI document
(openapi.py) is generated from them, so the three cannot drift. To add a field, add it to its model
(and, for a response, to the `from_...` that fills it): validation, the document and the JSON follow.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any, Literal, TypeVar, get_args

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from matrixqa.answer.compose import Answer
from matrixqa.answer.conversation import Turn
from matrixqa.errors import BadRequest
from matrixqa.index.store import Index
from matrixqa.ingest.cell import StudyType
from matrixqa.ingest.chunk import CellRef, LinkKind, Passage, StudyRef
from matrixqa.search.filters import Filters
from matrixqa.search.relevance import MIN_EVIDENCE, Relevance
from matrixqa.search.retrieve import Hit, SearchResult

MAX_QUESTION = 1000
ASCII_SPACE = " \t\n\r\f\v"  # a question must hold some other character
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

# ASCII white space only: JSON Schema's \s and Python's differ beyond it, and the fuzzer reads the pattern.
QuestionText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_QUESTION, pattern="[^" + ASCII_SPACE + "]"),
    Field(description="The question, in plain words; surrounding white space is ignored."),
]


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# JSON Schema counts 38.0 as an integer, so the API does too; "38" and true stay refused (strict mode).
WholeNumber = Annotated[int, BeforeValidator(_integral)]


class Request(BaseModel):
    """A request body: strict types (no "5" for 5), and a field it does not name is refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FiltersIn(Request):
    """Restrict which passages may be retrieved; every filter given must hold."""

    types: list[EvidenceType] = []
    cells: list[str] = Field(default=[], description='Cell codes such as "B3".')
    matrix: str | None = Field(default=None, description='Such as "Drug Treatment Matrix".')
    year_from: WholeNumber | None = None
    year_to: WholeNumber | None = None

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
    return request.question.strip(ASCII_SPACE)


def filters_of(request: SearchRequest | AskRequest) -> Filters:
    return request.filters.to_filters() if request.filters else Filters()


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


def parse_body(model: type[M]) -> M:
    """The request's JSON body as `model`, or a BadRequest saying the first thing to fix."""
    try:
        return model.model_validate(_json_body())
    except ValidationError as error:
        raise BadRequest(request_error(error, model)) from None


def request_error(error: ValidationError, model: type[BaseModel]) -> str:
    """The first thing wrong with a request body, said as what to fix (the API's one error message)."""
    problem = error.errors(include_url=False)[0]
    location = problem["loc"]
    where = "'" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".") + "'"
    context = problem.get("ctx", {})
    kind = problem["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(_model_at(model, location[:-1]).model_fields)
        parent = "filter" if location[:1] == ("filters",) else "field"
        return f"unknown {parent} {location[-1]!r}: send only {allowed}"
    if kind == "missing":
        return f"{where} is required"
    if kind == "string_too_long":
        return f"{where} is too long: at most {context['max_length']} characters"
    if kind == "too_long":
        return f"{where} holds too many items: at most {context['max_length']}"
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return f"{where} must be a non-empty string"
    message = problem["msg"]
    return f"{where}: {message[0].lower()}{message[1:]}"


def _model_at(model: type[BaseModel], location: tuple[int | str, ...]) -> type[BaseModel]:
    for part in location:
        if isinstance(part, str):
            model = _inner_model(model.model_fields[part].annotation) or model
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m), None)


class Response(BaseModel):
    """A response body: every field is always sent (null when empty), so the document marks them all required.

    A key no field names is an error, not dropped: a field added to the pipeline's data (a link's `kind`)
    must be declared here to reach the JSON.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class CellOut(Response):
    matrix: str
    code: str
    title: str
    url: str
    acknowledgement: str

    @classmethod
    def of(cls, cell: CellRef) -> CellOut:
        return cls.model_validate(cell, from_attributes=True)


class StudyOut(Response):
    """A listed document: its Effectiveness Bank address and, where known, the original publication's."""

    type: StudyLetter
    title: str
    year: int | None
    url: str = Field(description="Its Effectiveness Bank analysis, or the cell page if not known.")
    authors: str = Field(description="Of the original publication; empty if not recorded.")
    journal: str = Field(description="Where it was published; empty if not recorded.")
    publication_url: str | None = Field(description="The original publication.")

    @classmethod
    def of(cls, study: StudyRef) -> StudyOut:
        return cls.model_validate(study, from_attributes=True)


class LinkOut(Response):
    title: str = Field(description="The link's words (its anchor text, for a link in the text).")
    url: str
    kind: LinkKind = Field(
        description="An Effectiveness Bank analysis, an original publication, a link inside the passage's text on "
        "the page, or the cell page."
    )


class EvidenceOut(Response):
    """What ranked the passage: fused rank (by `score`), dense and lexical scores and ranks, the question words it
    matched, and its sentence most similar to the question."""

    fused_rank: int
    dense_score: float
    sentence_score: float
    dense_rank: int
    lexical_score: float
    lexical_rank: int
    matched_terms: list[str]
    best_sentence: str | None


class PassageOut(Response):
    id: str
    text: str = Field(description="Verbatim source text.")
    score: float
    rank: int = Field(ge=1)
    evidence: EvidenceOut
    cell: CellOut
    section: str
    kind: Literal["study", "commentary"]
    study: StudyOut | None
    refers_to: list[StudyOut]
    links: list[LinkOut]
    supplementary: bool = Field(description="Text the page shows only once a reader unfolds it.")

    @classmethod
    def of(cls, hit: Hit) -> PassageOut:
        p = hit.passage
        return cls(
            id=p.id,
            text=p.text,
            score=round(hit.score, 4),
            rank=hit.rank,
            evidence=EvidenceOut(
                fused_rank=hit.fused_rank,
                dense_score=round(hit.dense_score, 4),
                sentence_score=round(hit.sentence_score, 4),
                dense_rank=hit.dense_rank,
                lexical_score=round(hit.lexical_score, 4),
                lexical_rank=hit.lexical_rank,
                matched_terms=list(hit.matched_terms),
                best_sentence=p.sentence_texts[hit.best_sentence] if hit.best_sentence is not None else None,
            ),
            cell=CellOut.of(p.cell),
            section=p.section,
            kind=p.kind,
            study=StudyOut.of(p.study) if p.study else None,
            refers_to=[StudyOut.of(s) for s in p.refers_to],
            links=[LinkOut(**link) for link in p.links],
            supplementary=p.supplementary,
        )


class RelevanceOut(Response):
    """Why the corpus was or was not taken to hold something relevant (null: a 'which study?' turn)."""

    evidence: float = Field(description="Best sentence similarity + 0.25 x coverage.")
    threshold: float = Field(description="The evidence needed to answer.")
    sentence_score: float
    coverage: float
    missing: list[str] = Field(
        description="Topics of the field the question names that the passages that would answer it do not treat "
        "('pregnancy', 'Nyxoid (naloxone)'): a reason to decline, whatever the evidence."
    )
    corrected: list[str] = Field(
        description="Misspellings corrected against the corpus vocabulary before searching ('methadne → methadone')."
    )
    matched: list[str] = Field(
        description="Acronyms spelt out and words matched by meaning ('RCGP = Royal College of General "
        "Practitioners', 'pee ≈ urine')."
    )
    unknown: list[str] = Field(
        description="Other words no passage uses and no corpus word is near in meaning; reported, not decisive."
    )

    @classmethod
    def of(cls, relevance: Relevance | None) -> RelevanceOut | None:
        if relevance is None:
            return None
        return cls(
            evidence=round(relevance.evidence, 4),
            threshold=MIN_EVIDENCE,
            sentence_score=round(relevance.sentence_score, 4),
            coverage=round(relevance.coverage, 4),
            missing=list(relevance.missing),
            corrected=list(relevance.corrected),
            matched=list(relevance.matched),
            unknown=list(relevance.unknown),
        )


class SearchResponse(Response):
    question: str
    relevant: bool
    relevance: RelevanceOut | None
    passages: list[PassageOut]

    @classmethod
    def of(cls, result: SearchResult) -> SearchResponse:
        return cls(
            question=result.question,
            relevant=result.relevant,
            relevance=RelevanceOut.of(result.relevance),
            passages=[PassageOut.of(h) for h in result.hits],
        )


class CitationOut(Response):
    n: int = Field(ge=1)
    sentences: list[str]
    passage: PassageOut


class AnswerResponse(Response):
    id: str
    question: str
    answered: bool = Field(description="False when the corpus holds no evidence for the question.")
    answer: str = Field(description="Whole source sentences, each followed by its [n].")
    lead: str
    message: str
    suggestions: list[str] = Field(
        description="Questions the corpus can answer: follow-ups, or alternatives when not answered."
    )
    searched_for: str
    mode: Literal["standalone", "follow_up", "source"]
    citations: list[CitationOut]
    passages: list[PassageOut]
    relevance: RelevanceOut | None
    latency_ms: float | None = Field(default=None, description="Time taken to answer (null outside the server).")

    @classmethod
    def of(cls, answer: Answer, latency_ms: float | None = None) -> AnswerResponse:
        passages = [PassageOut.of(h) for h in answer.hits]
        by_id = {p.id: p for p in passages}
        return cls(
            id=answer.id,
            question=answer.question,
            answered=answer.answered,
            answer=answer.answer,
            lead=answer.lead,
            message=answer.message,
            suggestions=list(answer.suggestions),
            searched_for=answer.searched_for,
            mode=answer.mode,
            citations=[
                CitationOut(n=c.n, sentences=list(c.sentences), passage=by_id[c.passage.id]) for c in answer.citations
            ],
            passages=passages,
            relevance=RelevanceOut.of(answer.relevance),
            latency_ms=latency_ms,
        )


class FeedbackResponse(Response):
    status: str
    id: str | None = Field(default=None, description="The id of the answer the feedback was stored with.")


class CellCount(CellOut):
    passages: int = Field(ge=0)


class CellsResponse(Response):
    cells: list[CellCount]

    @classmethod
    def of(cls, passages: list[Passage]) -> CellsResponse:
        """The cells present in the index, in matrix and code order, with how many passages each holds."""
        counts = Counter(p.cell for p in passages)
        ordered = sorted(counts, key=lambda c: (c.matrix, c.code))
        return cls(cells=[CellCount(**CellOut.of(c).model_dump(), passages=counts[c]) for c in ordered])


class Paragraph(Response):
    id: str
    text: str
    current: bool


class ContextResponse(Response):
    id: str
    cell: CellOut
    section: str
    paragraphs: list[Paragraph]

    @classmethod
    def of(cls, index: Index, position: int) -> ContextResponse:
        """A passage with the neighbouring passages of the same section of its cell, in page order."""
        passages = index.passages
        target = passages[position]

        def same_section(p: Passage) -> bool:
            return p.cell == target.cell and p.section == target.section

        start, end = position, position + 1
        while start > 0 and same_section(passages[start - 1]):
            start -= 1
        while end < len(passages) and same_section(passages[end]):
            end += 1
        return cls(
            id=target.id,
            cell=CellOut.of(target.cell),
            section=target.section,
            paragraphs=[Paragraph(id=p.id, text=p.text, current=p.id == target.id) for p in passages[start:end]],
        )


class HealthResponse(Response):
    status: Literal["ok"]
    passages: int = Field(ge=0)
    cells: list[str]
    manifest: dict[str, Any] = Field(description="The index's manifest: model, build time, checksums.")


class ErrorResponse(Response):
    error: str = Field(min_length=1, description="What went wrong and what to change.")
