"""Compose an extractive answer: whole sentences from the retrieved passages, each with its citation."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace

from matrixqa.answer.asks import Asked, read_asked
from matrixqa.answer.choose import LENGTHS, choose_sentences, is_evidence
from matrixqa.answer.conversation import Resolved, Turn, answer_sentences, resolve
from matrixqa.answer.declines import (
    NEAREST_CELLS,
    NOT_COVERED,
    NOTHING_MORE,
    Decline,
    Elsewhere,
    FilteredOut,
    decline_message,
    not_held,
)
from matrixqa.answer.suggest import Suggestions
from matrixqa.ingest.cell import StudyType
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage, top_section
from matrixqa.search.cells import CellKey
from matrixqa.search.filters import NO_FILTERS, Filters
from matrixqa.search.reading import Query
from matrixqa.search.relevance import Relevance
from matrixqa.search.retrieve import Hit, Retriever, SearchResult

SUGGESTION_DEPTH = 8  # passages searched when a suggestion is tried, as an asked question is


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    score: float
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    id: str
    question: str
    answered: bool
    answer: str
    lead: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    message: str = ""
    suggestions: tuple[str, ...] = field(default_factory=tuple)
    searched_for: str = ""
    mode: str = "standalone"
    relevance: Relevance | None = None  # why the corpus was or was not taken to answer it (None: sources)
    decline: Decline | None = None  # why it was not answered, and what the asker can do (None: answered)
    asks_for: str = ""  # the kind of thing the question asks for ("a frequency"), if it asks for one
    lacking: tuple[str, ...] = ()  # what it asks for that no quoted sentence gives
    reading: Query | None = None  # how the question searched was read (None: looked up, not searched)
    filters: Filters = NO_FILTERS  # what the passages were restricted to, as applied


class Answerer:
    """Answers questions from one loaded index: made once per index, as its suggestions are drawn from it."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.suggestions = Suggestions(retriever.index, self._opening)
        self.cells = sorted({p.cell for p in retriever.index.passages}, key=lambda c: (c.matrix, c.code))

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        detail: str = "short",
        filters: Filters = NO_FILTERS,
        k: int = 8,
    ) -> Answer:
        """Answer a question in the light of the conversation: search, compose, suggest what to ask next."""
        retriever = self.retriever
        resolved = resolve(question, history or [])
        result = _search(retriever, resolved, k, filters)
        answer = compose_answer(result, retriever, detail)
        if answer.answered and result.query and result.query.not_held:  # it named other cells too: say which
            answer = replace(answer, lead=f"{answer.lead} {not_held(result.query.not_held)}.")
        if not answer.answered:  # asked for more when all of it has been said, or declined: say why
            answer = (
                replace(answer, message=NOTHING_MORE)
                if resolved.quoted
                else self._declined(answer, result, resolved, filters, k, detail)
            )
        asked = {question.lower(), *(turn.question.lower() for turn in history or [])}
        if answer.answered:
            cited = [retriever.index.positions[c.passage.id] for c in answer.citations]
            suggestions = self.suggestions.near(cited, asked)
        else:
            suggestions = self.suggestions.closest(result.question_vector, asked)
        return replace(
            answer,
            question=question,
            suggestions=tuple(suggestions),
            searched_for=result.question,
            mode=resolved.mode,
            reading=result.query,
            filters=filters,
        )

    def _declined(
        self, answer: Answer, result: SearchResult, resolved: Resolved, filters: Filters, k: int, detail: str
    ) -> Answer:
        """A decline that says why (the filters, or topics the corpus does not treat) and where to turn."""
        filtered = None
        if filters.active:
            unfiltered = compose_answer(_search(self.retriever, resolved, k, NO_FILTERS), self.retriever, detail)
            if unfiltered.answered:
                admitted = self.retriever.gatherer.admitted_count(filters)
                total = len(self.retriever.index.passages)
                filtered = FilteredOut(admitted, total, len(unfiltered.citations))
        missing = result.relevance.missing if result.relevance else ()
        not_held = result.query.only_not_held if result.query else ()
        decline = Decline(filtered, self._elsewhere(result, missing), not_held)
        nearest = [h.passage.cell for h in result.hits]
        return replace(answer, message=decline_message(decline, filters, missing, self.cells, nearest), decline=decline)

    def _elsewhere(self, result: SearchResult, missing: tuple[str, ...]) -> tuple[Elsewhere, ...]:
        """The cells of the corpus that treat the topics the passages nearest the question do not, or name both sides of
        the comparisons they cannot make."""
        by_key = {CellKey.of(cell): cell for cell in self.cells}
        query, gatherer = result.query, self.retriever.gatherer
        topics = [(t.shown, gatherer.topics.cells_treating, t.token) for t in (query.topics if query else ())]
        compared = [(c.shown, gatherer.cells_comparing, c) for c in (query.compared if query else ())]
        named = [(shown, cells(of)) for shown, cells, of in topics + compared if shown in missing]
        if query and query.subject and query.subject[1] in missing:  # every cell of its matrix treats it: the nearest
            matrix, word = query.subject
            hits = self.retriever.search(result.question, SUGGESTION_DEPTH, Filters(matrix=matrix)).hits
            keys = list(dict.fromkeys(CellKey.of(h.passage.cell) for h in hits))[:NEAREST_CELLS]
            named.append((word, keys))
        return tuple(Elsewhere(shown, by_key[k]) for shown, keys in named for k in keys if k in by_key)

    def _opening(self, question: str) -> Passage | None:
        """The passage the answer to a question opens with; None when the corpus does not answer it."""
        answer = compose_answer(self.retriever.search(question, SUGGESTION_DEPTH), self.retriever)
        return answer.citations[0].passage if answer.answered and answer.citations else None


def _search(retriever: Retriever, resolved: Resolved, k: int, filters: Filters) -> SearchResult:
    if resolved.mode == "source" and resolved.previous:
        return _search_sources(retriever, resolved.previous, k, filters)
    if resolved.mode == "follow_up":
        cells = retriever.reader.cells
        if cells.names_any(resolved.question):  # "and drug B4?" asks the same of other cells: not of both
            resolved = replace(resolved, subject=cells.unnamed(resolved.subject))
        result = retriever.search(resolved.with_context, k, filters)  # the new words in the subject's frame
        return _beyond(result, resolved.quoted) if resolved.quoted else result
    return retriever.search(resolved.question, k, filters)


def _beyond(result: SearchResult, quoted: tuple[str, ...]) -> SearchResult:
    """The passages a short answer could draw on (within its passage margin of the best) that the conversation
    has not quoted: "tell me more" is answered from them."""
    best = max((h.sentence_score for h in result.hits), default=0.0)
    near = [h for h in result.hits if h.sentence_score >= best - LENGTHS["short"].passage_margin]
    new = [h for h in near if h.passage.section != SUMMARY_SECTION]  # a summary is no evidence
    kept = [h for h in new if not any(s in h.passage.sentence_texts for s in quoted)]
    return replace(result, hits=kept, relevant=result.relevant and bool(kept))


def _search_sources(retriever: Retriever, previous: Turn, k: int, filters: Filters) -> SearchResult:
    """The study entries behind the passages a previous answer quoted."""
    quoted = answer_sentences(previous.answer)
    studies: list[str] = []
    for passage in retriever.index.passages:
        if any(sentence in passage.text for sentence in quoted):
            for study in [passage.study] if passage.study else list(passage.refers_to):
                if study.title not in studies:
                    studies.append(study.title)
    entries = [p for p in retriever.index.passages if p.study and p.study.title in studies and filters.admits(p)]
    if not entries:  # the earlier answer names no study: look for the studies on its question
        study_filter = replace(filters, types=filters.types or frozenset(StudyType))
        return retriever.search(previous.question, k, study_filter)
    vector = retriever.embedder.embed([previous.question])[0]
    hits = [Hit(p, 1.0, rank) for rank, p in enumerate(entries, start=1)]
    return SearchResult(previous.question, hits, True, vector, studies_behind=True)


def compose_answer(result: SearchResult, retriever: Retriever, detail: str = "short") -> Answer:
    """Pick the sentences that best answer the question from the best passages, and cite them."""
    answer_id = uuid.uuid4().hex
    if not result.relevant:
        asked = read_asked(result.query, retriever, result.question_vector) if result.query else None
        return _not_covered(answer_id, result, asked)

    if result.about_the_corpus and result.hits and result.hits[0].passage.section == SUMMARY_SECTION:
        return _summaries(answer_id, result, len(result.query.cells if result.query else ()) or retriever.cell_count)
    studies = _studies(answer_id, result) if result.studies_behind else None
    if studies and studies.citations:
        return studies
    length = LENGTHS.get(detail, LENGTHS["short"])
    query = result.query or retriever.reader.read(result.question)
    asked = read_asked(query, retriever, result.question_vector)
    chosen = choose_sentences(result, retriever, query, length, asked)
    if chosen is None:
        return _not_covered(answer_id, result, asked)

    numbers: dict[int, int] = {}
    by_source: dict[int, list[str]] = {}
    parts = []
    for source_number, offset in chosen.picked:
        n = numbers.setdefault(source_number, len(numbers) + 1)
        sentence = chosen.sources[source_number].passage.sentence_texts[offset]
        by_source.setdefault(source_number, []).append(sentence)
        parts.append(f"{sentence} [{n}]")
    sources = chosen.sources
    citations = tuple(
        Citation(n, sources[s].passage, sources[s].score, tuple(by_source[s])) for s, n in numbers.items()
    )
    answer = _answer(answer_id, result, citations, " ".join(parts))
    if query.sections and not query.cells:  # a section every cell has ("where to start reading?"), asked of none
        answer = replace(answer, lead=_of_how_many(answer.citations, retriever.cell_count, "this corpus holds"))
    if asked is None:
        return answer
    lacking = () if chosen.gives_asked else (asked.kind.name,)
    lead = _lacking_lead(asked, query, citations, retriever) if lacking else answer.lead
    return replace(answer, lead=lead, asks_for=asked.kind.name, lacking=lacking)


def _lacking_lead(asked: Asked, query: Query, citations: tuple[Citation, ...], retriever: Retriever) -> str:
    """The lead of an answer that does not give what was asked: says so, then what the cell does say about the
    question's subject."""
    cells = _cells_quoted(citations)
    said = set(retriever.analyzer.tokens(" ".join(sentence for c in citations for sentence in c.sentences)))
    subject = [tokens for tokens, _ in asked.subject]
    about = [t.word for t in query.analysis.terms if t.tokens & said and any(t.tokens <= held for held in subject)]
    what = f" about {_as_written(about, query.text)}" if about else ""
    if len(cells) == 1:
        return f"The cell gives {asked.kind.absent}. What it says{what}, from the Effectiveness Bank, {cells[0]}:"
    listed = ", and ".join(cells)
    return f"These cells give {asked.kind.absent}. What they say{what}, from the Effectiveness Bank, {listed}:"


def _as_written(words: list[str], question: str) -> str:
    """The question's words as one phrase each run of them side by side in it makes, listed: "pharmacist, missed,
    days and methadone dose" (the words between them are left out, so no phrase says more than the cell does)."""
    phrases: list[str] = []
    end = None
    for word in words:
        found = re.search(rf"\b{re.escape(word)}\b", question[end or 0 :], re.I)
        start = (end or 0) + found.start() if found else None
        if found and end is not None and phrases and re.fullmatch(r"[\s-]+", question[end:start]):
            phrases[-1] += question[end : start + len(word)]
        else:
            phrases.append(word)
        end = start + len(word) if found else end
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _summaries(answer_id: str, result: SearchResult, asked_of: int) -> Answer:
    """What the corpus covers, in its own words: each cell's summary, quotable sentences whole, then the first passage
    of each section the question asks for beside ("what is A2 about, and what's its key study?"). `asked_of`: how
    many cells the question asks about (those it names, or every cell of the corpus); when the answer quotes fewer,
    its lead says how many of them it quotes."""
    citations, parts, sections_quoted = [], [], set()
    asked = result.query.sections if result.query else ()
    for hit in result.hits:
        if hit.passage.section != SUMMARY_SECTION:
            section = (CellKey.of(hit.passage.cell), top_section(hit.passage.section))
            if section[1] not in asked:
                break  # the summaries come first, then the sections asked for
            if section in sections_quoted:
                continue
            sections_quoted.add(section)
        passage, n = hit.passage, len(citations) + 1
        sentences = tuple(t for i, t in enumerate(passage.sentence_texts) if passage.quotable(i))
        citations.append(Citation(n, passage, hit.score, sentences))
        parts += [f"{sentence} [{n}]" for sentence in sentences]
    answer = _answer(answer_id, result, tuple(citations), " ".join(parts))
    which = "named" if result.query and result.query.cells else "this corpus holds"
    return replace(answer, lead=_of_how_many(answer.citations, asked_of, which))


def _studies(answer_id: str, result: SearchResult) -> Answer:
    """Which studies showed it: every study entry behind the previous answer, each quoted by its first sentence
    of evidence (with any sentence it leans on); its title and address come with the citation."""
    citations, parts = [], []
    for hit in result.hits:
        passage = hit.passage
        usable = [i for i in range(len(passage.sentences)) if passage.quotable(i) and is_evidence(passage, i)]
        quoted = next((chain for chain in (passage.with_context(i) for i in usable) if chain), [])
        if not quoted:
            continue
        n = len(citations) + 1
        sentences = tuple(passage.sentence_texts[i] for i in quoted)
        citations.append(Citation(n, passage, hit.score, sentences))
        parts += [f"{sentence} [{n}]" for sentence in sentences]
    return _answer(answer_id, result, tuple(citations), " ".join(parts))


def _answer(answer_id: str, result: SearchResult, citations: tuple[Citation, ...], text: str) -> Answer:
    lead = f"From the Effectiveness Bank, {', and '.join(_cells_quoted(citations))}."
    # A cited passage search did not return (the close of the passage before, that an opening sentence leans on)
    # is among the answer's passages too, looked up (no score), so every citation points at one of them.
    found = {h.passage.id for h in result.hits}
    looked_up = list(dict.fromkeys(c.passage for c in citations if c.passage.id not in found))
    hits = (*result.hits, *(Hit(p, 0.0, len(found) + n) for n, p in enumerate(looked_up, start=1)))
    return Answer(answer_id, result.question, True, text, lead, citations, hits, relevance=result.relevance)


def _of_how_many(citations: tuple[Citation, ...], asked_of: int, which: str) -> str:
    """The lead of an answer asked of `asked_of` cells (those named, or every cell the corpus holds): when it quotes
    fewer, how many of them it quotes."""
    quoted = _cells_quoted(citations)
    if len(quoted) >= asked_of:
        return f"From the Effectiveness Bank, {', and '.join(quoted)}."
    return f"From the Effectiveness Bank, {len(quoted)} of the {asked_of} cells {which}: {', and '.join(quoted)}."


def _cells_quoted(citations: tuple[Citation, ...]) -> list[str]:
    """The cells an answer quotes, in the order it quotes them, so the lead names first the cell it opens with."""
    return list(dict.fromkeys(c.passage.cell.label for c in citations))


def _not_covered(answer_id: str, result: SearchResult, asked: Asked | None) -> Answer:
    """A decline; Answerer.answer says why and what next (declines.py). What the question asks for is lacking, as
    no sentence is quoted: an empty `lacking` would say it was given."""
    hits, kind = tuple(result.hits), asked.kind.name if asked else ""
    return Answer(
        answer_id,
        result.question,
        False,
        "",
        "",
        (),
        hits,
        NOT_COVERED,
        relevance=result.relevance,
        asks_for=kind,
        lacking=(kind,) if kind else (),
    )
