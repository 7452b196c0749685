"""The JSON API's response bodies, declared once as pydantic models, each filled from the pipeline's data.

The app builds its JSON with these models and the OpenAPI document (openapi.py) is generated from them,
so the two cannot drift. To send a field, add it to its model and to the `of` that fills it: the
document and the JSON follow.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from matrixqa.answer.compose import Answer
from matrixqa.answer.declines import Decline
from matrixqa.index.store import Index
from matrixqa.ingest.chunk import CellRef, LinkKind, Passage, StudyRef
from matrixqa.ingest.corpus import cell_url
from matrixqa.ingest.identity import COLUMNS, ROWS, cell_title
from matrixqa.search.reading import Query
from matrixqa.search.relevance import COVERAGE_WEIGHT, Relevance
from matrixqa.search.retrieve import Hit, SearchResult
from matrixqa.server.requests import FiltersIn, StudyLetter


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
    """What ranked the passage: fused rank (by `score`), dense and lexical scores and ranks, its coverage, the words it
    matched, its sentence most similar to the question, and what its cell's narrower evidence took off its score."""

    fused_rank: int
    dense_score: float
    sentence_score: float
    dense_rank: int
    lexical_score: float
    lexical_rank: int
    coverage: float = Field(description="Share of the question's distinctive weight whose words it holds (fused).")
    matched_terms: list[str]
    best_sentence: str | None
    cell_breadth_cost: float = Field(description="Taken off `score`: its cell has fewer passages that answer.")


class PassageOut(Response):
    id: str
    text: str = Field(description="Verbatim source text.")
    score: float | None = Field(
        description="The fused score, 0 to 1, its cell's breadth weighed; null for an entry looked up, not searched."
    )
    rank: int = Field(ge=1, description="Place in the results: by fused score, one much like one above moved down.")
    evidence: EvidenceOut | None = Field(
        description="What ranked it; null for a study entry looked up behind a previous answer, not searched."
    )
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
            score=None if hit.search_score is None else round(hit.search_score, 4),
            rank=hit.rank,
            evidence=_evidence(hit),
            cell=CellOut.of(p.cell),
            section=p.section,
            kind=p.kind,
            study=StudyOut.of(p.study) if p.study else None,
            refers_to=[StudyOut.of(s) for s in p.refers_to],
            links=[LinkOut(**link) for link in p.links],
            supplementary=p.supplementary,
        )


def _evidence(hit: Hit) -> EvidenceOut | None:
    if not hit.searched:
        return None
    return EvidenceOut(
        fused_rank=hit.fused_rank,
        dense_score=round(hit.dense_score, 4),
        sentence_score=round(hit.sentence_score, 4),
        dense_rank=hit.dense_rank,
        lexical_score=round(hit.lexical_score, 4),
        lexical_rank=hit.lexical_rank,
        coverage=round(hit.coverage, 4),
        matched_terms=list(hit.matched_terms),
        best_sentence=None if hit.best_sentence is None else hit.passage.sentence_texts[hit.best_sentence],
        cell_breadth_cost=round(hit.breadth_cost, 4),
    )


class RelevanceOut(Response):
    """Why the corpus was or was not taken to hold something relevant (null: a 'which study?' turn)."""

    evidence: float = Field(description="sentence_score + coverage_weight x coverage (search/relevance.py).")
    threshold: float = Field(description="The evidence needed to answer (MIN_EVIDENCE in search/relevance.py).")
    coverage_weight: float = Field(description="The weight of coverage in the evidence (COVERAGE_WEIGHT).")
    sentence_score: float
    coverage: float
    missing: list[str] = Field(
        description="Topics of the field the question names ('pregnancy'), or comparisons it asks for ('methadone "
        "compared with buprenorphine'), that the answering passages do not treat: declined, whatever the evidence."
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
            threshold=relevance.threshold,
            coverage_weight=COVERAGE_WEIGHT,
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


class ReadingOut(Response):
    """How the question searched was read; how each word was changed is in `relevance` (corrected, matched)."""

    text: str = Field(
        description="The question as read: misspellings corrected, acronyms spelt out, slang in the corpus's words."
    )
    words: list[str] = Field(description="Its content words as read ('keyworker', 'difference', 'methadone').")
    parts: list[str] = Field(description="The asks it joins, each searched too ('... - to injecting risk?'); or none.")

    @classmethod
    def of(cls, query: Query | None) -> ReadingOut | None:
        if query is None:
            return None
        return cls(text=query.text, words=[term.word for term in query.analysis.terms], parts=list(query.parts))


class CitationOut(Response):
    n: int = Field(ge=1)
    sentences: list[str]
    passage: PassageOut


class FilteredOut(Response):
    """The filters, not the corpus, kept the question from an answer."""

    admitted: int = Field(ge=0, description="Passages the filters admit.")
    total: int = Field(ge=0, description="Passages in the corpus.")
    cited_without: int = Field(ge=1, description="Passages the answer without the filters cites.")


class ElsewhereOut(Response):
    topic: str = Field(description="A topic the passages nearest the question do not treat.")
    name: str = Field(description="The cell that treats it, by its column and row names.")
    cell: CellOut


class DeclineOut(Response):
    """Why a question was not answered, and what to do next (null when it was answered)."""

    filtered: FilteredOut | None = Field(description="Set when clearing the filters answers the question.")
    elsewhere: list[ElsewhereOut] = Field(description="Cells of the corpus that treat a topic the nearest do not.")
    not_held: list[CellOut] = Field(description="Cells the question names, none of which the corpus holds.")

    @classmethod
    def of(cls, decline: Decline | None) -> DeclineOut | None:
        if decline is None:
            return None
        filtered = FilteredOut.model_validate(decline.filtered, from_attributes=True) if decline.filtered else None
        elsewhere = [ElsewhereOut(topic=e.topic, name=e.name, cell=CellOut.of(e.cell)) for e in decline.elsewhere]
        # Pages the corpus holds no copy of: nothing of theirs is quoted, so no acknowledgement is owed.
        cells = [
            CellRef(k.matrix, k.code, cell_title(k.matrix, k.code), cell_url(k.matrix, k.code), "")
            for k in decline.not_held
        ]
        not_held = [CellOut.of(cell) for cell in cells]
        return cls(filtered=filtered, elsewhere=elsewhere, not_held=not_held)


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
    reading: ReadingOut | None = Field(description="How the question searched was read (null for a `source` turn).")
    asks_for: str | None = Field(
        description="The kind of thing the question asks for ('a frequency', 'a dose', 'a duration', 'a number', "
        "'a time', 'a person or body', 'a study', 'what to do', 'a yes or no'); null when it asks in no such form."
    )
    lacking: list[str] = Field(
        description="What the question asks for that no quoted sentence gives (['a frequency']); empty when given. "
        "A decline quotes nothing, so it lacks whatever the question asks for."
    )
    mode: Literal["standalone", "follow_up", "source"]
    filters: FiltersIn | None = Field(
        description="What the passages were restricted to, as applied (two years the other way round are the years "
        "between them); null when the search was not restricted."
    )
    citations: list[CitationOut]
    passages: list[PassageOut]
    relevance: RelevanceOut | None
    decline: DeclineOut | None
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
            reading=ReadingOut.of(answer.reading),
            asks_for=answer.asks_for or None,
            lacking=list(answer.lacking),
            mode=answer.mode,
            filters=FiltersIn.of(answer.filters),
            citations=[
                CitationOut(n=c.n, sentences=list(c.sentences), passage=by_id[c.passage.id]) for c in answer.citations
            ],
            passages=passages,
            relevance=RelevanceOut.of(answer.relevance),
            decline=DeclineOut.of(answer.decline),
            latency_ms=latency_ms,
        )


class FeedbackResponse(Response):
    status: str
    id: str | None = Field(default=None, description="The id of the answer the feedback was stored with.")


class CellCount(CellOut):
    passages: int = Field(ge=0)


class MatrixOut(Response):
    """One matrix's grid: its columns (A-E) and rows (1-5) by name, and each cell's page on the site."""

    name: str
    columns: list[str]
    rows: list[str]
    addresses: dict[str, str] = Field(description="Each cell code's page on the Effectiveness Bank site.")


class CellsResponse(Response):
    cells: list[CellCount]
    matrices: list[MatrixOut] = Field(description="Both matrices' grids, present in the corpus or not.")

    @classmethod
    def of(cls, passages: list[Passage]) -> CellsResponse:
        """The cells present in the index, in matrix and code order, with how many passages each holds."""
        counts = Counter(p.cell for p in passages)
        ordered = sorted(counts, key=lambda c: (c.matrix, c.code))
        matrices = [
            MatrixOut(
                name=name,
                columns=list(COLUMNS.values()),
                rows=list(rows),
                addresses={f"{c}{r}": cell_url(name, f"{c}{r}") for r in range(1, len(rows) + 1) for c in COLUMNS},
            )
            for name, rows in ROWS.items()
        ]
        return cls(
            cells=[CellCount(**CellOut.of(c).model_dump(), passages=counts[c]) for c in ordered], matrices=matrices
        )


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
