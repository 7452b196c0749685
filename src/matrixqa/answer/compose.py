"""Compose an extractive answer: whole sentences from the retrieved passages, each with its citation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

import numpy as np

from matrixqa.answer.asks import Asked, asked_for, subject_words
from matrixqa.answer.conversation import Resolved, Turn, answer_sentences, resolve
from matrixqa.answer.declines import NOT_COVERED, Decline, Elsewhere, FilteredOut, decline_message
from matrixqa.answer.suggest import Suggestions
from matrixqa.index.store import Index
from matrixqa.ingest.cell import StudyType
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage
from matrixqa.search.cells import CellKey
from matrixqa.search.filters import NO_FILTERS, Filters
from matrixqa.search.fusion import maximal_marginal_relevance
from matrixqa.search.reading import Query
from matrixqa.search.relevance import Relevance
from matrixqa.search.retrieve import Hit, Retriever, SearchResult

MIN_SENTENCE = 0.25  # sentences less relevant to the question than this are left out
LEXICAL_WEIGHT = 0.25  # weight of a sentence's share of the question's words beside its cosine similarity
DIVERSITY = 0.7  # maximal marginal relevance: weight of relevance against novelty


@dataclass(frozen=True)
class Length:
    """How much an answer of one length may quote."""

    sentences: int  # at most
    passages: int  # drawn on, at most
    passage_margin: float  # how far a passage's best sentence may be below the best's and be cited (the top one is)
    sentence_margin: float | None  # how far below the answer's most relevant sentence one may be (None: any)


# A short answer keeps to the sentences nearly as relevant as its best (near misses read as padding; figures in
# docs/retrieval.md); a long one, asked for to read more, quotes every sentence relevant enough.
LENGTHS = {"short": Length(4, 3, 0.15, 0.1), "long": Length(8, 5, 0.25, None)}


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


class Answerer:
    """Answers questions from one loaded index: made once per index, as its suggestions are drawn from it."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.suggestions = Suggestions(retriever.index)
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
        if not answer.answered:
            answer = self._declined(answer, result, resolved, filters, k, detail)
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
        decline = Decline(filtered, self._elsewhere(result, missing))
        nearest = [h.passage.cell for h in result.hits]
        return replace(answer, message=decline_message(decline, filters, missing, self.cells, nearest), decline=decline)

    def _elsewhere(self, result: SearchResult, missing: tuple[str, ...]) -> tuple[Elsewhere, ...]:
        """The cells of the corpus that treat the topics the passages nearest the question do not."""
        by_key = {CellKey.of(cell): cell for cell in self.cells}
        topics = [t for t in (result.query.topics if result.query else ()) if t.shown in missing]
        treating = self.retriever.gatherer.topics.cells_treating
        return tuple(Elsewhere(t.shown, by_key[key]) for t in topics for key in treating(t.token) if key in by_key)


def _search(retriever: Retriever, resolved: Resolved, k: int, filters: Filters) -> SearchResult:
    if resolved.mode == "source" and resolved.previous:
        return _search_sources(retriever, resolved.previous, k, filters)
    if resolved.mode == "follow_up":
        return retriever.search(resolved.with_context, k, filters)  # the new words in the subject's frame
    return retriever.search(resolved.question, k, filters)


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
    index = retriever.index
    answer_id = uuid.uuid4().hex
    if not result.relevant:
        return _not_covered(answer_id, result)

    if result.about_the_corpus and result.hits and result.hits[0].passage.section == SUMMARY_SECTION:
        return _summaries(answer_id, result)
    studies = _studies(answer_id, result) if result.studies_behind else None
    if studies and studies.citations:
        return studies
    length = LENGTHS.get(detail, LENGTHS["short"])
    query = result.query or retriever.reader.read(result.question)
    asked = _asked(query, retriever)
    sources, rows = _candidates(result.hits, index, length, asked, retriever)
    if not rows:
        return _not_covered(answer_id, result)

    vectors = index.sentence_vectors[[r[0] for r in rows]]
    texts = [sources[source].passage.sentence_texts[offset] for _, source, offset in rows]
    relevance = vectors @ result.question_vector + LEXICAL_WEIGHT * retriever.coverage(query, texts)
    gives = np.asarray([bool(asked and asked.given_by(t, retriever.analyzer.tokens)) for t in texts])
    chosen = maximal_marginal_relevance(vectors, relevance, length.sentences, DIVERSITY)
    floor = MIN_SENTENCE
    if chosen and length.sentence_margin is not None:
        floor = max(floor, float(relevance[chosen].max()) - length.sentence_margin)
    giving = gives & (relevance >= MIN_SENTENCE)
    chosen = [i for i in chosen if relevance[i] >= floor] or chosen[:1]
    lead = _lead(chosen, rows, relevance, giving)
    if lead not in chosen:
        chosen = [lead] + chosen[: length.sentences - 1]
    chosen += _from_each_cell(chosen, rows, relevance, sources)
    picked = _in_reading_order([(rows[i][1], rows[i][2], float(relevance[i])) for i in chosen], sources, rows[lead][1:])
    picked = _with_neighbour(picked, rows[lead][1:], rows, relevance, floor, sources)

    numbers: dict[int, int] = {}
    by_source: dict[int, list[str]] = {}
    parts = []
    for source_number, offset in picked:
        n = numbers.setdefault(source_number, len(numbers) + 1)
        sentence = sources[source_number].passage.sentence_texts[offset]
        by_source.setdefault(source_number, []).append(sentence)
        parts.append(f"{sentence} [{n}]")
    citations = tuple(
        Citation(n, sources[s].passage, sources[s].score, tuple(by_source[s])) for s, n in numbers.items()
    )
    quoted = [sentence for c in citations for sentence in c.sentences]
    lacking = () if asked is None or any(asked.given_by(t, retriever.analyzer.tokens) for t in quoted) else (asked,)
    answer = _answer(answer_id, result, citations, " ".join(parts))
    if asked is None:
        return answer
    lead_text = _lacking_lead(asked, query, quoted, citations, retriever) if lacking else answer.lead
    return replace(answer, lead=lead_text, asks_for=asked.kind.name, lacking=tuple(a.kind.name for a in lacking))



def _asked(query: Query, retriever: Retriever) -> Asked | None:
    """What the question (as read) asks for, with its subject's words as lexical search reads them."""
    kind = asked_for(query.text)
    if kind is None:
        return None
    return Asked(kind, frozenset(retriever.analyzer.tokens(subject_words(query.text, kind))))


def _candidates(
    hits: list[Hit], index: Index, length: Length, asked: Asked | None, retriever: Retriever
) -> tuple[list[Hit], list[tuple[int, int, int]]]:
    """The passages an answer may quote and their candidate sentences (sentence row, source number, sentence
    number): the sources' quotable sentences; and when none of them gives what the question asks for, any other
    hit's that does."""
    sources = _sources(hits, length)
    rows = _quotable(sources, index)
    if asked is None:
        return sources, rows

    def gives(candidates: list[Hit], row: tuple[int, int, int]) -> bool:
        return asked.given_by(candidates[row[1]].passage.sentence_texts[row[2]], retriever.analyzer.tokens)

    if any(gives(sources, row) for row in rows):
        return sources, rows
    others = [h for h in hits if h not in sources]
    rows += [(r, n + len(sources), o) for r, n, o in _quotable(others, index) if gives(others, (r, n, o))]
    return sources + others, rows


def _quotable(hits: list[Hit], index: Index) -> list[tuple[int, int, int]]:
    """The sentences of evidence of the hits that may be quoted, alone or with those they lean on (all that may
    be quoted, when none is evidence), as (sentence row, hit number, sentence number)."""
    quotable = [
        (row, number, offset)
        for number, hit in enumerate(hits)
        for offset, row in enumerate(index.sentence_rows(index.positions[hit.passage.id]))
        if hit.passage.with_context(offset)
    ]
    return [r for r in quotable if _is_evidence(hits[r[1]].passage, r[2])] or quotable


def _lead(chosen: list[int], rows: list[tuple[int, int, int]], relevance: np.ndarray, giving: np.ndarray) -> int:
    """The candidate the answer opens with: the best-ranked passage's most relevant (retrieval ranked it on more
    evidence than one sentence's similarity), among those that give what the question asks for when some do;
    when none of that passage's does, the most relevant that does."""
    top = [i for i, row in enumerate(rows) if row[1] == 0]
    if giving.any():
        able = [i for i in top if giving[i]] or list(np.flatnonzero(giving))
        return max(able, key=lambda i: relevance[i])
    if not top:
        return min(chosen, key=lambda i: (rows[i][1], -relevance[i]))
    return max([i for i in chosen if rows[i][1] == 0] or top, key=lambda i: relevance[i])


def _with_neighbour(
    picked: list[tuple[int, int]],
    lead: tuple[int, int],
    rows: list[tuple[int, int, int]],
    relevance: np.ndarray,
    floor: float,
    sources: list[Hit],
) -> list[tuple[int, int]]:
    """The lead's neighbour on the page joins it, when it is as relevant as the sentences quoted (the two make one
    point, which novelty alone would split): the next sentence of its passage, or the sentence across the cut
    into the passage before or after in the same section (with any sentences it leans on)."""
    at = {(source, offset): i for i, (_, source, offset) in enumerate(rows)}
    passage = sources[lead[0]].passage
    beside = [(lead[0], lead[1] + 1)]
    for number, hit in enumerate(sources):
        other = hit.passage
        if other.cell == passage.cell and other.section == passage.section:
            if other.position == passage.position - 1 and lead[1] == 0:
                beside.append((number, len(other.sentences) - 1))
            elif other.position == passage.position + 1 and lead[1] == len(passage.sentences) - 1:
                beside.append((number, 0))
    found = [b for b in beside if b in at and relevance[at[b]] >= floor and b not in picked]
    if not found:
        return picked
    source, offset = max(found, key=lambda b: relevance[at[b]])
    chain = [(source, o) for o in sources[source].passage.with_context(offset)]
    if any(part in picked for part in chain):
        return picked
    place = picked.index(lead) + 1
    return picked[:place] + chain + picked[place:]


def _lacking_lead(
    asked: Asked, query: Query, quoted: list[str], citations: tuple[Citation, ...], retriever: Retriever
) -> str:
    """The lead of an answer that does not give what was asked: says so, then what the cell does say."""
    cells = sorted({c.passage.cell.label for c in citations})
    said = set(retriever.analyzer.tokens(" ".join(quoted)))
    about = [t.word for t in query.analysis.terms if t.tokens & said and t.tokens & asked.subject]
    what = f" about {' '.join(about)}" if about else ""
    if len(cells) == 1:
        return f"The cell gives {asked.kind.absent}. What it says{what}, from the Effectiveness Bank, {cells[0]}:"
    return f"These cells give {asked.kind.absent}. What they say{what}, from the Effectiveness Bank, " + (
        f"{', and '.join(cells)}:"
    )

def _summaries(answer_id: str, result: SearchResult) -> Answer:
    """What the corpus covers, in its own words: each cell's summary, quotable sentences whole."""
    citations, parts = [], []
    for hit in result.hits:
        if hit.passage.section != SUMMARY_SECTION:
            break  # the summaries come first
        passage, n = hit.passage, len(citations) + 1
        sentences = tuple(t for i, t in enumerate(passage.sentence_texts) if passage.quotable(i))
        citations.append(Citation(n, passage, hit.score, sentences))
        parts += [f"{sentence} [{n}]" for sentence in sentences]
    return _answer(answer_id, result, tuple(citations), " ".join(parts))


def _studies(answer_id: str, result: SearchResult) -> Answer:
    """Which studies showed it: every study entry behind the previous answer, each quoted by its first sentence
    of evidence (with any sentence it leans on); its title and address come with the citation."""
    citations, parts = [], []
    for hit in result.hits:
        passage = hit.passage
        usable = [i for i in range(len(passage.sentences)) if passage.quotable(i) and _is_evidence(passage, i)]
        quoted = next((chain for chain in (passage.with_context(i) for i in usable) if chain), [])
        if not quoted:
            continue
        n = len(citations) + 1
        sentences = tuple(passage.sentence_texts[i] for i in quoted)
        citations.append(Citation(n, passage, hit.score, sentences))
        parts += [f"{sentence} [{n}]" for sentence in sentences]
    return _answer(answer_id, result, tuple(citations), " ".join(parts))


def _answer(answer_id: str, result: SearchResult, citations: tuple[Citation, ...], text: str) -> Answer:
    cells = sorted({c.passage.cell.label for c in citations})
    lead = f"From the Effectiveness Bank, {', and '.join(cells)}."
    hits = tuple(result.hits)
    return Answer(answer_id, result.question, True, text, lead, citations, hits, relevance=result.relevance)


def _sources(hits: list[Hit], length: Length) -> list[Hit]:
    """The passages an answer quotes from: the best-ranked, and those whose best sentence is nearly as close.

    Answers draw on the most relevant passages (the diverse order of the hit list is for browsing), from
    whichever cells they come. A cell's summary says what the cell is about: it is no evidence on a question's
    subject.
    """
    evidence = [h for h in hits if h.passage.section != SUMMARY_SECTION] or hits
    by_rank = sorted(evidence, key=lambda h: h.fused_rank or h.rank)
    leaders = by_rank[: length.passages]
    best = max(h.sentence_score for h in leaders)
    return [h for h in leaders if h is leaders[0] or h.sentence_score >= best - length.passage_margin]


def _from_each_cell(
    chosen: list[int], rows: list[tuple[int, int, int]], relevance: np.ndarray, sources: list[Hit]
) -> list[int]:
    """When the sources come from several cells, the best sentence (above MIN_SENTENCE) of each cell not quoted
    yet: a source passed the passage margin, so a question whose best evidence spans cells is answered from each."""
    quoted = {_cell(sources[rows[i][1]]) for i in chosen}
    added: dict[CellKey, int] = {}
    for i, (_, source, _) in enumerate(rows):
        cell = _cell(sources[source])
        if cell in quoted or relevance[i] < MIN_SENTENCE:
            continue
        if cell not in added or relevance[i] > relevance[added[cell]]:
            added[cell] = i
    return list(added.values())


def _cell(hit: Hit) -> CellKey:
    return CellKey.of(hit.passage.cell)


def _in_reading_order(
    chosen: list[tuple[int, int, float]], sources: list[Hit], lead: tuple[int, int]
) -> list[tuple[int, int]]:
    """The chosen (source, sentence, relevance) as the answer reads them: the lead (source, sentence) first,
    then the rest of its passage after it, then each other passage by its best sentence, the passages of one
    cell together (the lead's cell first); within a passage in source order. A sentence that leans on the one
    before it comes with the sentences it needs, or not at all."""
    by_source: dict[int, list[tuple[int, float]]] = {}
    for source, offset, score in chosen:
        by_source.setdefault(source, []).append((offset, score))
    lead_source, lead_offset = lead
    best = {s: max(score for _, score in by_source[s]) for s in by_source}
    by_best = sorted(by_source, key=lambda s: (s != lead_source, -best[s]))
    cell_order = {cell: n for n, cell in enumerate(dict.fromkeys(_cell(sources[s]) for s in by_best))}
    order = sorted(by_best, key=lambda s: cell_order[_cell(sources[s])])
    picked: list[tuple[int, int]] = []
    for source in order:
        passage = sources[source].passage
        offsets = sorted(o for o, _ in by_source[source] if source != lead_source or o >= lead_offset)
        kept = sorted({needed for offset in offsets for needed in passage.with_context(offset)})
        picked += [(source, offset) for offset in kept]
    return picked or [(lead_source, lead_offset)]


def _is_evidence(passage: Passage, offset: int) -> bool:
    """A question asks rather than tells, and a study's title line is shown with its citation anyway."""
    sentence = passage.sentence_texts[offset].rstrip()
    if sentence.endswith("?"):
        return False
    return not (passage.study and offset == 0 and sentence.startswith(passage.study.title))


def _not_covered(answer_id: str, result: SearchResult) -> Answer:
    """A decline; Answerer.answer says why and what next (declines.py)."""
    hits = tuple(result.hits)
    return Answer(answer_id, result.question, False, "", "", (), hits, NOT_COVERED, relevance=result.relevance)
