"""Which sentences an answer quotes, and in what order: candidates from the best passages, the one the answer opens
with, its neighbour on the page, one from each cell, all in reading order, each with the sentences it leans on."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np

from matrixqa.answer.asks import Asked
from matrixqa.answer.kinds import STUDY
from matrixqa.answer.sources import cell_of, sources_of
from matrixqa.index.store import Index
from matrixqa.ingest.chunk import GIVING_CONTEXT, MAX_CONTEXT, SUMMARY_SECTION, Passage
from matrixqa.search.cells import CellKey
from matrixqa.search.fusion import maximal_marginal_relevance
from matrixqa.search.reading import Query
from matrixqa.search.retrieve import Hit, Retriever, SearchResult
from matrixqa.textrules import leans_back

MIN_SENTENCE = 0.25  # sentences less relevant to the question than this are left out
LEXICAL_WEIGHT = 0.25  # weight of a sentence's share of the question's words beside its cosine similarity
DIVERSITY = 0.7  # maximal marginal relevance: weight of relevance against novelty
ASKED_MARGIN = 0.1  # how far below the most relevant sentence one may be and still give what the question asks

Row = tuple[int, int, int]  # a candidate sentence: (sentence row, source number, sentence number in its passage)


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
class Quoting:
    """The passages an answer may quote (the first `own`: its sources) and, after them, the passages whose close a
    source's first sentence leans on (`lead_in`: source number -> that passage's number), quoted only before it."""

    sources: list[Hit]
    own: int
    lead_in: dict[int, int]
    further: frozenset[tuple[int, int]] = frozenset()  # (source, sentence) that may lean back GIVING_CONTEXT

    @classmethod
    def of(cls, sources: list[Hit], hits: list[Hit], index: Index) -> Quoting:
        """The sources, and for each whose first sentence leans on the one before it on the page, the passage
        before it in its section (as search found it, or looked up)."""
        found, lead_in = list(sources), {}
        _add_lead_ins(found, lead_in, range(len(sources)), hits, index)
        return cls(found, len(sources), lead_in)

    def joined(self, others: list[Hit], hits: list[Hit], index: Index) -> Quoting:
        """Further sources, after these and their lead-ins, with the passages their openings lean on after them."""
        found, lead_in = self.sources + others, dict(self.lead_in)
        _add_lead_ins(found, lead_in, range(len(self.sources), len(found)), hits, index)
        return Quoting(found, self.own, lead_in, self.further)

    def chain(self, source: int, offset: int, reach: int | None = None) -> list[tuple[int, int]]:
        """A sentence (source, offset) with the sentences it leans on, across the cut into the passage before when
        it leans back to its passage's first sentence (at most `reach` before it: MAX_CONTEXT, or GIVING_CONTEXT for
        one of `further`); none when it cannot stand."""
        if reach is None:
            reach = GIVING_CONTEXT if (source, offset) in self.further else MAX_CONTEXT
        passage = self.sources[source].passage
        if own := passage.with_context(offset, reach):
            return [(source, o) for o in own]
        opening = passage.from_opening(offset, reach)
        if not opening or source not in self.lead_in:
            return []
        before = self.lead_in[source]
        prior = self.sources[before].passage
        close = prior.with_context(len(prior.sentences) - 1, reach)
        if not close or len(close) + len(opening) - 1 > reach:
            return []
        return [(before, o) for o in close] + [(source, o) for o in opening]


def _add_lead_ins(found: list[Hit], lead_in: dict[int, int], numbers: range, hits: list[Hit], index: Index) -> None:
    """For each numbered passage of `found` whose first sentence leans on the close of the passage before it in its
    section, that passage's number in `found` (appended, as search found it or looked up, when not there yet)."""
    for number in numbers:
        passage = found[number].passage
        row = index.positions[passage.id]
        before = index.passages[row - 1] if row and 0 in passage.leans else None
        if before is None or not passage.follows(before):
            continue
        at = next((n for n, h in enumerate(found) if h.passage.id == before.id), None)
        if at is None:
            found.append(next((h for h in hits if h.passage.id == before.id), Hit(before, 0.0, 0)))
            at = len(found) - 1
        lead_in[number] = at


@dataclass(frozen=True)
class Chosen:
    """The sentences an answer quotes: (source number, sentence number) in reading order, from its sources."""

    sources: list[Hit]
    picked: list[tuple[int, int]]
    gives_asked: bool  # some quoted sentence gives what the question asks for


def choose_sentences(
    result: SearchResult, retriever: Retriever, query: Query, length: Length, asked: Asked | None
) -> Chosen | None:
    """The most relevant sentences of the best passages, made diverse, opened by the one that gives what the
    question asks for when one does; None when no sentence may be quoted."""
    quotable = _with_quotable(result.hits, retriever.index) or result.hits
    drawn_on = sources_of(quotable, length.passages, length.passage_margin, query.matrices, result.part_cells)
    quoting = Quoting.of(drawn_on, result.hits, retriever.index)
    rows = _quotable(quoting, range(quoting.own), retriever.index)
    sources = quoting.sources
    gives = [gives_asked(asked, sources[s].passage, o, retriever) for _, s, o in rows]
    weighed = _weigh(result, retriever, query, sources, rows, gives)
    if asked and not weighed.giving.any():  # another hit's sentence that gives it, if any, may be quoted
        others = [h for h in result.hits if h not in sources and h.passage.section != SUMMARY_SECTION]
        quoting = quoting.joined(others, result.hits, retriever.index)
        # the passages the sources lean on may give it too: a lead-in's sentence that stands alone is quoted alone
        extra = _quotable(quoting, range(quoting.own, len(sources) + len(others)), retriever.index)
        sources = quoting.sources
        extra = [row for row in extra if gives_asked(asked, sources[row[1]].passage, row[2], retriever)]
        if extra:
            rows, gives = rows + extra, gives + [True] * len(extra)
            weighed = _weigh(result, retriever, query, sources, rows, gives)
    if asked and not weighed.giving.any() and (further := _giving_further_back(quoting, asked, retriever)):
        quoting = replace(quoting, further=frozenset((source, offset) for _, source, offset in further))
        rows, gives = rows + further, gives + [True] * len(further)
        weighed = _weigh(result, retriever, query, sources, rows, gives)
    rows, relevance, giving, vectors = weighed.rows, weighed.relevance, weighed.giving, weighed.vectors
    if not rows:
        return None
    chosen = maximal_marginal_relevance(vectors, relevance, length.sentences, DIVERSITY)
    floor = MIN_SENTENCE
    if chosen and length.sentence_margin is not None:
        floor = max(floor, float(relevance[chosen].max()) - length.sentence_margin)
    chosen = [i for i in chosen if relevance[i] >= floor] or chosen[:1]
    leading = np.zeros_like(giving)
    if asked and not asked.kind.claim:
        # Another cell's sentence giving what was asked does not lead: if chosen, it follows the best passage's cell.
        best_cell = cell_of(sources[0])
        leading = giving & np.asarray([cell_of(sources[source]) == best_cell for _, source, _ in rows])
    lead = lead_of(chosen, rows, relevance, leading)
    if lead not in chosen:
        chosen = [lead] + chosen[: length.sentences - 1]
    chosen += from_each_cell(chosen, rows, relevance, sources, result.part_cells)
    picked = in_reading_order([(rows[i][1], rows[i][2], float(relevance[i])) for i in chosen], quoting, rows[lead][1:])
    picked = with_neighbour(picked, rows[lead][1:], rows, relevance, floor, quoting)
    picked = with_title_line(picked, rows[lead][1:], sources, asked, retriever)
    at = {(source, offset): i for i, (_, source, offset) in enumerate(rows)}
    return Chosen(sources, picked, any(giving[at[p]] for p in picked if p in at))


@dataclass(frozen=True)
class Weighed:
    """Candidate sentences (sentence row, source number, sentence number), their vectors, how relevant each is to
    the question, and which give what it asks for."""

    rows: list[Row]
    vectors: np.ndarray
    relevance: np.ndarray
    giving: np.ndarray


def _weigh(
    result: SearchResult, retriever: Retriever, query: Query, sources: list[Hit], rows: list[Row], gave: list[bool]
) -> Weighed:
    """The rows' vectors and relevance, and which of those that give what was asked (`gave`) count as giving it."""
    vectors = retriever.index.sentence_vectors[[r[0] for r in rows]]
    texts = [sources[source].passage.sentence_texts[offset] for _, source, offset in rows]
    relevance = vectors @ result.question_vector + LEXICAL_WEIGHT * retriever.coverage(query, texts)
    gives = np.asarray(gave, dtype=bool)
    if not rows:
        return Weighed(rows, vectors, relevance, gives)
    # A figure in a sentence much less relevant than the best is about something else: it neither leads nor counts,
    # unless it is in the best-ranked passage (ranked on more than one sentence's similarity).
    in_top = np.asarray([source == 0 for _, source, _ in rows])
    giving = gives & (relevance >= MIN_SENTENCE) & (in_top | (relevance >= float(relevance.max()) - ASKED_MARGIN))
    return Weighed(rows, vectors, relevance, giving)


def gives_asked(asked: Asked | None, passage: Passage, offset: int, retriever: Retriever) -> bool:
    """Whether a passage's sentence gives what the question asks for. A study entry's sentence is cited with the
    entry's title line (its year, its authors or body), so what that line gives, the sentence gives with it."""
    if asked is None:
        return False
    entry = passage.study.title if passage.study else ""
    if not entry and asked.kind.name == STUDY and (listed := passage.points_back(offset)):
        entry = listed.title  # a sentence pointing back at a listed study names it, as the study's entry does
    sentence, tokens, context = passage.sentence_texts[offset], retriever.analyzer.tokens, passage.headed_text
    leaned_on = passage.sentence_texts[offset - 1] if offset and leans_back(sentence) else ""
    if asked.given_by(sentence, tokens, entry, context, leaned_on):
        return True
    title = passage.sentence_texts[0] if passage.study and offset and not asked.kind.claim else ""
    return bool(title) and asked.given_by(title, tokens, entry, context)


def _with_quotable(hits: list[Hit], index: Index) -> list[Hit]:
    """The hits some sentence of which may be quoted (alone, or with those it leans on): a passage that leans on its
    neighbour in every sentence, further than may be quoted, gives an answer nothing and takes no source's place."""
    quoting = Quoting.of(hits, hits, index)
    return [hit for n, hit in enumerate(hits) if any(quoting.chain(n, o) for o in range(len(hit.passage.sentences)))]


def _quotable(quoting: Quoting, numbers: range, index: Index) -> list[Row]:
    """The sentences of evidence of the sources numbered that may be quoted, alone or with those they lean on (all
    that may be quoted, when none is evidence), as (sentence row, source number, sentence number)."""
    hits = quoting.sources
    quotable = [
        (row, number, offset)
        for number in numbers
        for offset, row in enumerate(index.sentence_rows(index.positions[hits[number].passage.id]))
        if quoting.chain(number, offset)
    ]
    return [r for r in quotable if is_evidence(hits[r[1]].passage, r[2])] or quotable


def _giving_further_back(quoting: Quoting, asked: Asked, retriever: Retriever) -> list[Row]:
    """The sentences of evidence that give what the question asks for and lean back further than MAX_CONTEXT
    (within GIVING_CONTEXT), of the passages quoting may draw on, as (sentence row, source number, sentence number)."""
    index = retriever.index
    leading_in = set(quoting.lead_in.values())
    return [
        (row, number, offset)
        for number, hit in enumerate(quoting.sources)
        if number not in leading_in
        for offset, row in enumerate(index.sentence_rows(index.positions[hit.passage.id]))
        if not quoting.chain(number, offset)
        and quoting.chain(number, offset, GIVING_CONTEXT)
        and is_evidence(hit.passage, offset)
        and gives_asked(asked, hit.passage, offset, retriever)
    ]


def lead_of(chosen: list[int], rows: list[Row], relevance: np.ndarray, leading: np.ndarray) -> int:
    """The candidate the answer opens with: the best-ranked passage's most relevant (retrieval ranked it on more
    evidence than one sentence's similarity), among those that may lead (`leading`: that give what the question asks
    for) when some do; when none of its sentences may and another passage's does, that one."""
    top = [i for i, row in enumerate(rows) if row[1] == 0]
    if able := [i for i in top if leading[i]] or [i for i in range(len(rows)) if leading[i]]:
        return max(able, key=lambda i: relevance[i])
    if not top:
        return min(chosen, key=lambda i: (rows[i][1], -relevance[i]))
    return max([i for i in chosen if rows[i][1] == 0] or top, key=lambda i: relevance[i])


def with_neighbour(
    picked: list[tuple[int, int]],
    lead: tuple[int, int],
    rows: list[Row],
    relevance: np.ndarray,
    floor: float,
    quoting: Quoting,
) -> list[tuple[int, int]]:
    """The lead's neighbour on the page joins it, when it is as relevant as the sentences quoted (the two make one
    point, which novelty alone would split): the next sentence of its passage, or the sentence across the cut
    into the passage before or after in the same section (with any sentences it leans on)."""
    at = {(source, offset): i for i, (_, source, offset) in enumerate(rows)}
    sources = quoting.sources
    passage = sources[lead[0]].passage
    beside = [(lead[0], lead[1] + 1)]
    for number, hit in enumerate(sources):
        other = hit.passage
        if passage.follows(other) and lead[1] == 0:
            beside.append((number, len(other.sentences) - 1))
        elif other.follows(passage) and lead[1] == len(passage.sentences) - 1:
            beside.append((number, 0))
    found = [b for b in beside if b in at and relevance[at[b]] >= floor and b not in picked]
    if not found:
        return picked
    source, offset = max(found, key=lambda b: relevance[at[b]])
    chain = quoting.chain(source, offset)
    if any(part in picked for part in chain):
        return picked
    place = picked.index(lead) + 1
    return picked[:place] + chain + picked[place:]


def with_title_line(
    picked: list[tuple[int, int]], lead: tuple[int, int], sources: list[Hit], asked: Asked | None, retriever: Retriever
) -> list[tuple[int, int]]:
    """A lead that gives what was asked only with its study entry's title line (the study's name, its year, its
    authors or body, as gives_asked lends them: not a yes or no, which a sentence must make itself) is quoted after
    that line, so that the answer says what was asked, not only its citation ("When was the guidance published?":
    "Competencies for working with ... (2019)."). Who made an entry, or when it appeared, is the title line's to say
    whatever the lead says besides ("Advises that offenders be told at the outset ...")."""
    source, offset = lead
    passage = sources[source].passage
    if asked is None or asked.kind.claim or not passage.study or offset == 0 or (source, 0) in picked:
        return picked
    tokens, title = retriever.analyzer.tokens, passage.sentence_texts[0]
    if not passage.quotable(0) or not is_title_line(passage, 0):
        return picked
    if not asked.narrower and asked.given_by(passage.sentence_texts[offset], tokens, "", passage.headed_text):
        return picked  # it gives it itself
    if not asked.given_by(title, tokens, passage.study.title, passage.headed_text):
        return picked
    place = next(i for i, (s, _) in enumerate(picked) if s == source)
    return picked[:place] + [(source, 0)] + picked[place:]


def from_each_cell(
    chosen: list[int], rows: list[Row], relevance: np.ndarray, sources: list[Hit], parted: Collection[CellKey] = ()
) -> list[int]:
    """When the sources come from several cells, the best sentence (above MIN_SENTENCE) of each cell not quoted
    yet: a source passed the passage margin, so a question whose best evidence spans cells is answered from each.
    A cell a part of the question brought (`parted`) answers that part, which the decision found answered: its best
    sentence joins however far the whole question is from it."""
    quoted = {cell_of(sources[rows[i][1]]) for i in chosen}
    added: dict[CellKey, int] = {}
    for i, (_, source, _) in enumerate(rows):
        cell = cell_of(sources[source])
        if cell in quoted or (relevance[i] < MIN_SENTENCE and cell not in parted):
            continue
        if cell not in added or relevance[i] > relevance[added[cell]]:
            added[cell] = i
    return list(added.values())


def in_reading_order(
    chosen: list[tuple[int, int, float]], quoting: Quoting, lead: tuple[int, int]
) -> list[tuple[int, int]]:
    """The chosen (source, sentence, relevance) as the answer reads them: the lead (source, sentence) first,
    then the rest of its passage after it, then each other passage by its best sentence, the passages of one
    cell together (the lead's cell first); within a passage in source order. A sentence that leans on the one
    before it comes with the sentences it needs, or not at all; a passage whose opening leans on the close of
    another comes right after that one (or, when it is the lead's, only the close it leans on is quoted of that one)."""
    sources = quoting.sources
    by_source: dict[int, list[tuple[int, float]]] = {}
    for source, offset, score in chosen:
        by_source.setdefault(source, []).append((offset, score))
    lead_source, lead_offset = lead
    best = {s: max(score for _, score in by_source[s]) for s in by_source}
    by_best = sorted(by_source, key=lambda s: (s != lead_source, -best[s]))
    cell_order = {cell: n for n, cell in enumerate(dict.fromkeys(cell_of(sources[s]) for s in by_best))}
    order = sorted(by_best, key=lambda s: cell_order[cell_of(sources[s])])
    for source, before in quoting.lead_in.items():
        if source in order and before in order:
            order.remove(source if source != lead_source else before)  # only what the lead leans on comes before it
            if source != lead_source:
                order.insert(order.index(before) + 1, source)
    picked: list[tuple[int, int]] = []
    for source in order:
        offsets = sorted(o for o, _ in by_source[source] if source != lead_source or o >= lead_offset)
        needed = dict.fromkeys(pair for offset in offsets for pair in quoting.chain(source, offset))
        picked += [pair for pair in sorted(needed, key=lambda p: (p[0] == source, p[1])) if pair not in picked]
    return picked or [(lead_source, lead_offset)]


def is_evidence(passage: Passage, offset: int) -> bool:
    """A question asks rather than tells, and a study's title line is shown with its citation anyway."""
    sentence = passage.sentence_texts[offset].rstrip()
    if sentence.endswith("?"):
        return False
    return not is_title_line(passage, offset)


def is_title_line(passage: Passage, offset: int) -> bool:
    """Whether a sentence is a study entry's title line (its title and year), which its citation shows."""
    return bool(passage.study) and offset == 0 and passage.sentence_texts[0].startswith(passage.study.title)
