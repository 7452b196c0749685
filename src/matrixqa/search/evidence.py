"""Gather the evidence for a read question, once, into one value that the decision and the ranking read.

The dense side scores each candidate passage and its most similar sentence by cosine with the question's
vector; the lexical side scores its words by BM25, each question word weighed by how near the word alone
is to the whole question (term_weights); fusion.py combines the two. Beside the ranking, the evidence holds
what the decision (relevance.py) weighs: the best sentence similarity, how much of the question the first
passages cover, the topics the question names that the corpus does not treat (and the subject of the one matrix
it names by its substances, where the passage that would answer first is not of that matrix), the words matched by
meaning, and the authors of the first passages' studies the question names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from wordfreq import zipf_frequency

from matrixqa.index.analysis import Analysis
from matrixqa.index.ann import exact_view, ranked_rows
from matrixqa.index.lexical import LexicalIndex, TermScores, weighted_sum
from matrixqa.index.passagetext import surnames
from matrixqa.index.store import Index
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage, top_section
from matrixqa.search.cells import CellKey
from matrixqa.search.comparisons import Comparison
from matrixqa.search.filters import FilterColumns, Filters
from matrixqa.search.fusion import Mode, Signals, fuse, ranks
from matrixqa.search.meaning import WordMeanings, matches
from matrixqa.search.reading import Query
from matrixqa.search.topics import TopicMentions

COVERAGE_DEPTH = 3  # coverage is the best among this many of the first passages
# A comparison is made where one of this many of the first passages names both sides: beyond the few an answer
# leads with, a passage a little further down that names both is still the corpus comparing them.
COMPARISON_DEPTH = 10
POOL = 200  # above this many passages, fusion ranks only the best POOL of the dense side and of BM25
FEW_ADMITTED = 4  # a filter admitting under a quarter of the passages: score only those (copying a row out costs more)
TERM_FLOOR = 0.5  # the least share of its BM25 score a question word keeps (see term_weights)
TERM_POWER = 1.5
AUTHOR_RARITY = 3.5  # a lower-case word rarer than this in English (Zipf) may name an author ("woody")
BREADTH = 0.5  # fused score given up per point a cell's breadth falls short of the broadest's (cell_breadth)


@dataclass(frozen=True)
class Candidates:
    """The passages fusion ranked, in page order, and each side's evidence for them (arrays over the candidates)."""

    rows: np.ndarray  # positions of the passages in the index
    dense: np.ndarray  # cosine of question and passage
    sentence: np.ndarray  # cosine of question and the passage's best sentence
    best: np.ndarray  # that sentence's number in its passage (-1: none)
    lexical: np.ndarray  # BM25, each word weighed
    fused: np.ndarray  # the score they are ranked by, in [0, 1]
    fused_rank: np.ndarray  # ranks by fused score, and by each side's own as fusion scales it
    dense_rank: np.ndarray
    lexical_rank: np.ndarray
    own: np.ndarray  # the fused score on each passage's own evidence, before its cell's breadth is weighed
    coverage: np.ndarray  # share of the question's distinctive weight whose words the passage holds (fused too)
    decided: np.ndarray  # the own score without coverage: the decision weighs coverage itself (relevance.py)

    def best_first(self, n: int) -> np.ndarray:
        """The n best candidates (numbers into the arrays), by fused score."""
        return np.argsort(-self.fused, kind="stable")[:n]

    def leaders(self, n: int) -> np.ndarray:
        """The n best candidates by their own evidence, the cell's breadth left out: those the decision weighs. Their
        coverage is left out too: the decision weighs it itself, and would count it twice in choosing them by it."""
        return np.argsort(-self.decided, kind="stable")[:n]


@dataclass(frozen=True)
class CellEvidence:
    """What the decision weighs, from one cell whose passages are among the first: a sentence of one cell and
    words of another make no answer together."""

    cell: CellKey
    sentence_score: float = 0.0  # the best sentence similarity among the cell's candidates
    coverage: float = (
        0.0  # the largest share of the question's distinctive words one of the cell's first passages holds
    )


@dataclass(frozen=True)
class Evidence:
    """Everything measured for one question: the ranked candidates and what the decision weighs."""

    query: Query
    vector: np.ndarray = field(repr=False)  # the question's, as the model reads the text as read
    candidates: Candidates | None  # None: the filters admit no passage
    cells: tuple[CellEvidence, ...] = ()  # one for each cell of the first COVERAGE_DEPTH passages
    missing: tuple[str, ...] = ()  # topics the question names that the answering passages do not treat, and
    # comparisons they cannot make
    matched: tuple[str, ...] = ()  # words no passage uses, matched to a corpus word by meaning ("pee ≈ urine")
    unknown: tuple[str, ...] = ()  # words no passage uses, and no corpus word is near in meaning
    authors: tuple[str, ...] = ()  # "Luborsky = an author of ‘…’ (1985)": the question names a first passage's author
    sections: tuple[str, ...] = ()  # the sections the question names that lead its candidates ("Key studies")
    # Of a question asking of several matrices ("drug or alcohol problems"), each one's best passage of evidence (not
    # a summary), as numbers into the candidates: the hits hold one of each (retrieve.py), so they would answer.
    each_matrix: tuple[int, ...] = ()
    # Of a question joining several asks (Query.parts), each part's best passage of evidence, as a position in the
    # index: the hits hold one of its cell (retrieve.py), and an answer quotes that cell (answer/sources.py).
    each_part: tuple[int, ...] = ()


class Gatherer:
    """Measures a question's evidence in one loaded index: each candidate passage's scores, and the rest."""

    def __init__(self, index: Index, lexical: LexicalIndex, meanings: WordMeanings):
        self.index = index
        self.lexical = lexical
        self.meanings = meanings
        self.topics = TopicMentions(index.passages, lexical)
        self.passage_vectors = exact_view(index.passage_index).reconstruct_n(0, index.passage_index.ntotal)
        positions = np.arange(len(index.passages))
        # A passage's sentences are consecutive rows of sentence_vectors: where they start, and how many.
        self._sentence_start = np.searchsorted(index.sentence_owner, positions, side="left")
        self._sentence_count = np.searchsorted(index.sentence_owner, positions, side="right") - self._sentence_start
        self._is_summary = np.array([p.section == SUMMARY_SECTION for p in index.passages], dtype=bool)
        self._section = np.array([top_section(p.section) for p in index.passages], dtype=str)
        keys = [CellKey.of(p.cell) for p in index.passages]
        self._cells = sorted(set(keys))  # each passage's cell as a number into this list
        number = {key: n for n, key in enumerate(self._cells)}
        self._cell = np.array([number[k] for k in keys], dtype=np.int32)

    @cached_property
    def _columns(self) -> FilterColumns:
        """Made at the first filtered search, not at load."""
        return FilterColumns.of(self.index.passages)

    def gather(self, query: Query, filters: Filters, mode: Mode, vector: np.ndarray | None = None) -> Evidence:
        """The question's evidence among the passages the filters admit, ranked as `mode` ranks (`vector`: the
        question's, when the same text was embedded for an earlier gathering)."""
        scoring, unknown = list(query.scoring), list(query.unknown)
        embedded = self.meanings.start(query.text, [t.word.lower() for t in scoring + unknown], vector)
        # While the model runs: each word's BM25 scores and the filters.
        term_scores = self.lexical.term_scores(query.analysis)
        passages = self.index.passages
        rows = self._admitted(query, filters)
        vector, word_vectors = embedded()
        if not len(rows):
            return Evidence(query, vector, None)
        # A word no passage uses is searched as the corpus word nearest it in meaning ("French" as "France"), and is
        # reported so ("French ≈ france"), or as unknown.
        closest = self.meanings.closest_to(word_vectors[len(scoring) :])
        matched, still_unknown = matches(query.unknown, closest)
        stand_ins = [(word, row) for row, word in enumerate(closest, len(scoring)) if word]
        rows_weighed = list(range(len(scoring))) + [row for _, row in stand_ins]
        closeness = term_weights(vector, word_vectors[rows_weighed])
        weight_of = dict(zip((t.stem for t in scoring), closeness[: len(scoring)], strict=True))
        weights = np.array([weight_of.get(t.stem, 1.0) for t in query.analysis.terms], dtype=np.float32)
        lexical_all = weighted_sum(term_scores, weights, len(passages))
        for (word, _), weight in zip(stand_ins, closeness[len(scoring) :], strict=True):
            stand_in = self.lexical.term_scores(self.lexical.analyzer.analyse(word))
            lexical_all += float(weight) * weighted_sum(stand_in, None, len(passages))
        coverage = coverage_of(term_scores, np.asarray(query.weights, dtype=np.float32) * weights, len(passages))
        candidates = self._rank(query, vector, rows, lexical_all, coverage, filters.active or bool(query.cells), mode)
        leaders = [int(candidates.rows[i]) for i in candidates.leaders(COVERAGE_DEPTH)]
        each_matrix = self._each_matrix(query, candidates)
        held = {passages[p].cell.matrix for p in leaders}
        answering = leaders + [int(candidates.rows[i]) for i in each_matrix]
        answering = [p for p in answering if p in leaders or passages[p].cell.matrix not in held]
        return Evidence(
            query=query,
            vector=vector,
            candidates=candidates,
            cells=self._by_cell(query, candidates, leaders),
            missing=self._untreated(query, answering, int(candidates.rows[int(np.argmax(candidates.fused))]))
            + self._uncompared(query, candidates),
            matched=matched,
            unknown=still_unknown,
            authors=named_authors(query.analysis, [passages[p] for p in leaders]),
            sections=tuple(s for s in query.sections if s in set(self._section[candidates.rows])),
            each_matrix=each_matrix,
        )

    def _by_cell(self, query: Query, candidates: Candidates, leaders: list[int]) -> tuple[CellEvidence, ...]:
        """Each leading cell's best sentence among its candidates and the coverage of its first passages."""
        found = []
        for cell in dict.fromkeys(self._cell[p] for p in leaders):  # in the leaders' order, each once
            mine = self._cell[candidates.rows] == cell
            coverage = max(query.coverage(self.lexical.token_sets[p]) for p in leaders if self._cell[p] == cell)
            found.append(CellEvidence(self._cells[cell], float(candidates.sentence[mine].max()), coverage))
        return tuple(found)

    def _admitted(self, query: Query, filters: Filters) -> np.ndarray:
        """The passages the filters admit, of the cells the question names when it names any."""
        if not filters.active and not query.cells:
            return np.arange(len(self.index.passages))
        admitted = filters.admitted(self._columns)
        if query.cells:
            admitted &= np.isin(self._columns.cell_key, [str(cell) for cell in query.cells])
        return np.flatnonzero(admitted)

    def admitted_count(self, filters: Filters) -> int:
        """How many passages the filters admit."""
        return int(filters.admitted(self._columns).sum())

    def _untreated(self, query: Query, leaders: list[int], first: int) -> tuple[str, ...]:
        """The topics the question names that no passage among those that would answer it treats (topics.py); of a
        question naming cells, that none of those passages, all of the cells named, names at all. And the subject of
        the one matrix a question names by its substances ("heroin", "cocaine"), when the passage that would answer
        first (`first`, by fused score) is not of that matrix's cells: another matrix's cell says nothing of it ("are
        naltrexone implants effective for heroin addiction?" against an alcohol cell's naltrexone study), whatever
        passage of that matrix is further down."""
        subject = query.subject if not query.cells else None
        if subject and self.index.passages[first].cell.matrix != subject[0]:
            return (subject[1], *self._untreated_topics(query, leaders))
        return self._untreated_topics(query, leaders)

    def _untreated_topics(self, query: Query, leaders: list[int]) -> tuple[str, ...]:
        if not query.topics:
            return ()
        of = self.topics.named_by if query.cells else self.topics.treated_by
        treated = frozenset().union(*(of(p) for p in leaders))
        return tuple(t.shown for t in query.topics if t.token not in treated)

    def _each_matrix(self, query: Query, candidates: Candidates) -> tuple[int, ...]:
        """Of a question asking of several matrices, each one's best candidate (by its own evidence) that is no
        summary and has a sentence that may be quoted from it alone, as a number into the candidates."""
        lacking = set(query.matrices)
        found = []
        for i in candidates.leaders(len(candidates.rows)) if lacking else ():
            position = int(candidates.rows[i])
            passage = self.index.passages[position]
            if passage.cell.matrix in lacking and not self._is_summary[position] and passage.stands_alone():
                found.append(int(i))
                lacking.discard(passage.cell.matrix)
        return tuple(found)

    def _uncompared(self, query: Query, candidates: Candidates) -> tuple[str, ...]:
        """The comparisons the question asks for that none of the first COMPARISON_DEPTH passages (by their own
        evidence) names both sides of: the corpus does not make them, however close the question's other words."""
        if not query.compared:
            return ()
        held = [self.lexical.token_sets[int(candidates.rows[i])] for i in candidates.leaders(COMPARISON_DEPTH)]
        return tuple(c.shown for c in query.compared if not any(c.named_by(tokens) for tokens in held))

    def cells_comparing(self, comparison: Comparison) -> list[CellKey]:
        """The cells, in matrix and code order, with a passage naming both sides of a comparison."""
        holding = (p for p in range(len(self.index.passages)) if comparison.named_by(self.lexical.token_sets[p]))
        return sorted({self._cells[self._cell[p]] for p in holding})

    def _rank(
        self,
        query: Query,
        vector: np.ndarray,
        rows: np.ndarray,
        lexical: np.ndarray,
        coverage: np.ndarray,
        filtered: bool,
        mode: Mode,
    ) -> Candidates:
        """Each candidate's evidence, fused."""
        summaries = rows[self._is_summary[rows]] if query.about_the_corpus else rows[:0]
        rows = self._candidates(rows, vector, lexical, filtered)  # in page order, each once
        if len(summaries):
            rows = np.union1d(rows, summaries)
        dense = self.passage_vectors[rows] @ vector
        sentence, best = self.sentence_scores(vector, rows)
        signals = Signals(dense, sentence, lexical[rows], coverage[rows])
        fused = self._placed(query, rows, fuse(signals, mode))
        decided = self._placed(query, rows, fuse(replace(signals, coverage=None), mode))
        # Each side's rank is its own order as fusion scales it, so a single-side mode ranks exactly as its side.
        fused_rank, dense_rank, lexical_rank = ranks(fused), *(ranks(fuse(signals, m)) for m in ("dense", "lexical"))
        own = fused
        if mode == "hybrid" and not (query.about_the_corpus or query.sections):
            # A cell's summary says what the cell is about, no evidence on anything else: it is listed after the
            # evidence, though the decision still weighs it by its own evidence.
            fused = np.where(self._is_summary[rows], fused * 0.5, fused).astype(np.float32)
            # A question asking of several cells or of both matrices asks of each: no cell is likelier than another.
            if len(query.cells) < 2 and len(query.matrices) < 2:
                fused = cell_breadth(fused, self._cell[rows])
            fused_rank = ranks(fused)
        found = (rows, dense, sentence, best, lexical[rows], fused, fused_rank, dense_rank, lexical_rank, own)
        return Candidates(*found, coverage[rows], decided)

    def _placed(self, query: Query, rows: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """The fused scores placed as the question asks: about the corpus, each cell's own summary first; naming
        sections of the cells it names, those sections first (after the summaries, when it asks for both), each in
        its own order."""
        if not (query.about_the_corpus or query.sections):
            return fused
        asked = np.isin(self._section[rows], query.sections)
        placed = np.where(asked, 0.5 + fused * 0.5, fused * 0.5)
        return np.where(self._is_summary[rows] & query.about_the_corpus, 1.0, placed).astype(np.float32)

    def _candidates(self, rows: np.ndarray, vector: np.ndarray, lexical: np.ndarray, filtered: bool) -> np.ndarray:
        """The passages fusion ranks: all of them in a small corpus, else the best POOL of each side.

        Above POOL passages, the dense side's best come from the FAISS index (HNSW at scale) and the
        lexical side's from BM25; a filtered search ranks the admitted passages exactly.
        """
        if len(rows) <= POOL:
            return rows
        if filtered:
            if len(rows) * FEW_ADMITTED < len(self.passage_vectors):  # copying their vectors out costs less
                similarity = self.passage_vectors[rows] @ vector
            else:  # every passage's similarity, then the admitted
                similarity = (self.passage_vectors @ vector)[rows]
            dense_best = rows[np.argpartition(-similarity, POOL)[:POOL]]
        else:
            _, found = ranked_rows(self.index.passage_index, vector, POOL)
            dense_best = found[found >= 0]
        lexical_best = rows[np.argpartition(-lexical[rows], POOL)[:POOL]]
        chosen = np.zeros(len(self.index.passages), dtype=bool)  # a mask unites the two faster than union1d
        chosen[dense_best] = chosen[lexical_best] = True
        return np.flatnonzero(chosen)

    def sentence_scores(self, vector: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's best sentence similarity, and that sentence's index in its passage (-1: none).

        Candidates with the same number of sentences are scored together, as one stack of small
        matrices: numpy multiplies each passage's own sentences by the question, as scoring the
        passages one by one would, to the last bit, without a Python loop over the candidates.
        """
        best = np.full(len(rows), -1.0, dtype=np.float32)
        which = np.full(len(rows), -1)
        counts = self._sentence_count[rows]
        for count in np.unique(counts[counts > 0]).tolist():
            group = np.flatnonzero(counts == count)
            sentence_rows = self._sentence_start[rows[group]][:, None] + np.arange(count)
            similarity = self.index.sentence_vectors[sentence_rows] @ vector  # one row of scores per passage
            which[group] = np.argmax(similarity, axis=1)
            best[group] = similarity[np.arange(len(group)), which[group]]
        return best, which


def coverage_of(term_scores: TermScores, weights: np.ndarray, size: int) -> np.ndarray:
    """Each passage's share of the question's distinctive weight (Query.weights) whose words, by any form, it holds:
    Query.coverage for every passage at once (a word's BM25 score is above 0 exactly where a form of it is)."""
    held = np.zeros(size, dtype=np.float32)
    for number, scores in term_scores:
        held += np.float32(weights[number]) * (scores > 0)
    total = sum(weights)
    return held / np.float32(total) if total else held


def cell_breadth(fused: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Each candidate's fused score, less BREADTH times how far its cell's breadth of evidence (the mean of the cell's
    second and third best fused scores) falls short of the broadest cell's (never below 0).

    A cell several of whose passages answer a question is likelier the one it asks about than a neighbouring cell
    with one passage in the question's words. The broadest cell's passages keep their scores, and within one cell
    every passage loses the same, so the order of a cell's own passages is unchanged, and a one-cell corpus is scored
    exactly as without it.
    """
    breadth = np.zeros_like(fused)
    for cell in np.unique(cells):
        mine = np.flatnonzero(cells == cell)
        following = np.sort(fused[mine])[::-1][1:3]
        breadth[mine] = following.mean() if len(following) else 0.0
    return np.clip(fused - BREADTH * (breadth.max() - breadth), 0.0, None).astype(np.float32)


def term_weights(question: np.ndarray, words: np.ndarray) -> np.ndarray:
    """How much of its BM25 score each question word keeps: TERM_FLOOR, and the rest by how close the word
    alone is to the whole question (cosine, relative to the closest word's, to the power TERM_POWER).

    The words a question is about ("supervised", "training") are nearer its meaning than those that frame
    it ("effect", "explained", "linked"), so they lead BM25, and no word drops out (docs/retrieval.md has
    the measurements and the variants tried).
    """
    closeness = np.clip(words @ question, 0.0, None) if len(words) else np.zeros(0)
    if not len(closeness) or float(closeness.max()) <= 0:
        return np.ones(len(closeness), dtype=np.float32)
    return (TERM_FLOOR + (1 - TERM_FLOOR) * (closeness / closeness.max()) ** TERM_POWER).astype(np.float32)


def named_authors(analysis: Analysis, passages: list[Passage]) -> tuple[str, ...]:
    """The question's words that name an author of a study these passages are or discuss.

    A name means little to the embedding model, so it counts when written capitalised, or when it is no
    common English word (below Zipf AUTHOR_RARITY): "woody" in lower case counts, "kim" and "bell" need capitals.
    """
    studies = {s.title: s for p in passages for s in ([p.study] if p.study else p.refers_to) if s.authors}
    by_surname: dict[str, str] = {}  # a surname, lower case -> the first study it is an author of
    for study in studies.values():
        year = f" ({study.year})" if study.year else ""
        for name in surnames(study.authors):
            by_surname.setdefault(name.lower(), f"‘{study.title}’{year}")
    return tuple(
        f"{word} = an author of {by_surname[word.lower()]}"
        for word in dict.fromkeys(analysis.words)
        if word.lower() in by_surname and (word[0].isupper() or zipf_frequency(word, "en") < AUTHOR_RARITY)
    )
