"""Find the passages that answer a question, and say whether any of them is relevant at all.

Retrieval is hybrid: the dense side (FAISS) scores each passage and its most similar sentence, the
lexical side (BM25 with the field's vocabulary) scores its words, and fusion.py combines them.

Whether the corpus holds anything relevant at all is decided in relevance.py, which also reads the
question first (misspellings corrected, acronyms spelt out): the question as read is what both sides search.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from threadpoolctl import ThreadpoolController

from matrixqa.errors import BadRequest
from matrixqa.index.ann import exact_view, ranked_rows
from matrixqa.index.embed import Embedder, embed_later, load_embedder
from matrixqa.index.lexical import Analysis, Analyzer, Term, Vocabulary, load_vocabulary, weighted_sum
from matrixqa.index.store import Index, load_index, load_lexical
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage
from matrixqa.search.fusion import Mode, Signals, fuse, maximal_marginal_relevance, ranks
from matrixqa.search.relevance import QuestionReader, Reading, Relevance, decide
from matrixqa.settings import Config

DIVERSITY = 0.75  # maximal marginal relevance: weight of the fused score against novelty
CANDIDATES = 20  # how many of the best fused passages the diverse order is chosen from
COVERAGE_DEPTH = 3  # coverage is the best among this many of the first passages
POOL = 200  # above this many passages, fusion ranks only the best POOL of the dense side and of BM25
FEW_ADMITTED = 4  # a filter admitting under a quarter of the passages: score only those (copying a row out costs more)
SEEN_WORDS = 20_000  # vectors kept of question words that build did not store (8 MB)
TERM_FLOOR = 0.5  # the least share of its BM25 score a question word keeps (see term_weights)
TERM_POWER = 1.5
# A search's matrix products are small (a few hundred passages by 384 numbers), and numpy's OpenBLAS runs
# them on two threads, whose second then spins for a while: on the 2-core machine that takes a core from
# the model's next pass. With one BLAS thread (set for the whole process when a Retriever is made, for BLAS
# libraries on their own threads; one on OpenMP, as FAISS's is, would be set only for the calling thread and
# would take FAISS's OpenMP threads with it, so it is left alone), measured
# against two in one process, interleaved: at 100,000 passages an unfiltered search 11.5 / 13.7 ms at p50 / p95,
# against 13.1 / 17.1; over HTTP on the bundled corpus, 32 clients 172 requests/s against 153, p95 240 ms against
# 268. One product over every passage (a filter admitting most of them, see FEW_ADMITTED) is slower on one
# thread: 21.2 / 24.6 ms against 18.9 / 24.5 for a search filtered to ten cells before FEW_ADMITTED (now 9.1 ms at p50).
BLAS_THREADS = 1


@dataclass(frozen=True)
class Filters:
    """Restrictions a user puts on which passages may be retrieved."""

    types: frozenset[str] = frozenset()  # S, K, R, G, or "commentary"
    cells: frozenset[str] = frozenset()  # cell codes such as "B3"
    matrix: str | None = None  # "Drug Treatment Matrix", or its first word ("drug")
    year_from: int | None = None
    year_to: int | None = None

    def __post_init__(self) -> None:
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise BadRequest(
                f"the year range {self.year_from}-{self.year_to} is empty: the first year comes after the last"
            )

    def admits(self, passage: Passage) -> bool:
        return bool(self.admitted(FilterColumns.of([passage]))[0])

    def admitted(self, columns: FilterColumns) -> np.ndarray:
        """Which passages the filters admit, as a mask over the passages the columns were made from."""
        admitted = np.ones(len(columns.kind), dtype=bool)
        if self.types:
            admitted &= np.isin(columns.kind, sorted(self.types))
        if self.cells:
            admitted &= np.isin(columns.cell, sorted(self.cells))
        if self.matrix:
            wanted = self.matrix.strip().lower()
            admitted &= (columns.matrix == wanted) | (columns.matrix_word == wanted)
        if self.year_from:
            admitted &= columns.year >= self.year_from  # a passage with no year (NaN) is never in a range
        if self.year_to:
            admitted &= columns.year <= self.year_to
        return admitted

    @property
    def active(self) -> bool:
        return bool(self.types or self.cells or self.matrix or self.year_from or self.year_to)


@dataclass(frozen=True)
class FilterColumns:
    """What filters look at, one array over all the passages each, so a filter is applied without a loop."""

    kind: np.ndarray  # study type (S, K, R, G), or "commentary"
    cell: np.ndarray  # cell code
    matrix: np.ndarray  # matrix name, lower case
    matrix_word: np.ndarray  # its first word ("drug")
    year: np.ndarray  # study year; NaN for commentary and a study without one

    @classmethod
    def of(cls, passages: list[Passage]) -> FilterColumns:
        def column(values: list[str]) -> np.ndarray:
            return np.array(values, dtype=str)

        matrices = [p.cell.matrix.lower() for p in passages]
        return cls(
            kind=column([p.study.type if p.study else "commentary" for p in passages]),
            cell=column([p.cell.code for p in passages]),
            matrix=column(matrices),
            matrix_word=column([(m.split() or [""])[0] for m in matrices]),
            year=np.array(
                [p.study.year if p.study and p.study.year is not None else np.nan for p in passages], dtype=float
            ),
        )


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the evidence that ranked it (ranks count from 1 among admitted passages)."""

    passage: Passage
    score: float  # fused score in [0, 1]
    rank: int  # place in the results (fused order made diverse)
    fused_rank: int = 0  # place by fused score alone
    dense_score: float = 0.0  # cosine similarity of question and passage
    sentence_score: float = 0.0  # cosine similarity of question and the passage's best sentence
    lexical_score: float = 0.0  # BM25
    dense_rank: int = 0
    lexical_rank: int = 0
    best_sentence: int | None = None  # index into passage.sentences
    matched_terms: tuple[str, ...] = ()  # question words found in the passage ("chemist ≈ pharmacy")


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: list[Hit]
    relevant: bool
    question_vector: np.ndarray = field(repr=False)
    relevance: Relevance | None = None
    read_as: str = ""  # the question as retrieval read it (misspellings corrected, acronyms spelt out)
    about_the_corpus: bool = False  # the question asks what the corpus covers: its cells' summaries come first
    studies_behind: bool = False  # the hits are the study entries behind a previous answer, looked up, not searched


class Retriever:
    """Searches one loaded index with one embedder, dense and lexical evidence fused."""

    def __init__(self, index: Index, embedder: Embedder, vocabulary: Vocabulary | None = None, mode: Mode = "hybrid"):
        ThreadpoolController().select(threading_layer="pthreads").limit(limits=BLAS_THREADS, user_api="blas")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.analyzer = Analyzer(load_vocabulary() if vocabulary is None else vocabulary)
        self.lexical = load_lexical(index, self.analyzer)
        self.reader = QuestionReader(index.passages, self.lexical, embedder, index.words, index.word_vectors)
        self._passage_vectors = exact_view(index.passage_index).reconstruct_n(0, index.passage_index.ntotal)
        positions = np.arange(len(index.passages))
        # A passage's sentences are consecutive rows of sentence_vectors: where they start, and how many.
        self._sentence_start = np.searchsorted(index.sentence_owner, positions, side="left")
        self._sentence_count = np.searchsorted(index.sentence_owner, positions, side="right") - self._sentence_start
        self._is_summary = np.array([p.section == SUMMARY_SECTION for p in index.passages], dtype=bool)
        self._seen: dict[str, np.ndarray] = {}  # vectors of question words build did not store, earliest first
        self._seen_lock = threading.Lock()

    @cached_property
    def _columns(self) -> FilterColumns:
        """Made at the first filtered search, not at load: about 0.2 s at 100,000 passages."""
        return FilterColumns.of(self.index.passages)

    def with_mode(self, mode: Mode) -> Retriever:
        """The same index, model and lexical index, ranking by other evidence (for comparisons)."""
        other = copy.copy(self)
        other.mode = mode
        return other

    def search(self, question: str, k: int = 5, filters: Filters = NO_FILTERS) -> SearchResult:
        """The k best passages for a question, best first, and whether any is relevant."""
        analysis = self.analyzer.analyse(question)
        reading = self.reader.read(question, analysis)
        if reading.question != question:
            analysis = self.analyzer.analyse(reading.question)
        scoring = [t for t in analysis.terms if self.lexical.in_corpus(t)]  # the words BM25 can score
        unknown = self.reader.unknown(analysis)  # the words to match by meaning
        embedded = self._start_embedding(reading.question, [t.word.lower() for t in scoring + unknown])
        # While the model runs: each word's BM25 scores (1.2 ms of a search at 100,000 passages) and the filters.
        term_scores = self.lexical.term_scores(analysis)
        passages = self.index.passages
        rows = np.flatnonzero(filters.admitted(self._columns)) if filters.active else np.arange(len(passages))
        vector, word_vectors = embedded()
        scoring_weights = term_weights(vector, word_vectors[: len(scoring)])
        weight_of = dict(zip((t.stem for t in scoring), scoring_weights, strict=True))
        weights = np.array([weight_of.get(t.stem, 1.0) for t in analysis.terms], dtype=np.float32)  # others score 0
        unknown_vectors = word_vectors[len(scoring) :]
        if not len(rows):
            return SearchResult(question, [], False, vector, Relevance(False, 0.0, 0.0, 0.0), reading.question)

        lexical_all = weighted_sum(term_scores, weights, len(passages))
        about_the_corpus = self.reader.asks_what_it_covers(analysis)
        summaries = rows[self._is_summary[rows]] if about_the_corpus else rows[:0]
        rows = self._candidates(rows, vector, lexical_all, filters.active)  # in page order, each once
        if len(summaries):
            rows = np.union1d(rows, summaries)
        dense = self._passage_vectors[rows] @ vector
        sentence, best = self._sentence_scores(vector, rows)
        lexical = lexical_all[rows]
        signals = Signals(dense, sentence, lexical)
        fused = fuse(signals, self.mode)
        # Each side's rank is its own order as fusion scales it, so a single-side mode ranks exactly as its side.
        fused_rank, dense_rank, lexical_rank = (ranks(fuse(signals, m)) for m in (self.mode, "dense", "lexical"))

        if about_the_corpus:  # each cell's own summary first, then the rest by fused score
            fused = np.where(self._is_summary[rows], 1.0, fused * 0.5).astype(np.float32)
            fused_rank = ranks(fused)
        best_first = np.argsort(-fused, kind="stable")[: max(k, CANDIDATES)]
        vectors = self._passage_vectors[rows[best_first]]
        picked = maximal_marginal_relevance(vectors, fused[best_first], k, DIVERSITY)
        hits = []
        for place, i in enumerate(best_first[picked], 1):
            position = int(rows[i])
            hits.append(
                Hit(
                    passage=passages[position],
                    score=float(fused[i]),
                    rank=place,
                    fused_rank=int(fused_rank[i]),
                    dense_score=float(dense[i]),
                    sentence_score=float(sentence[i]),
                    lexical_score=float(lexical[i]),
                    dense_rank=int(dense_rank[i]),
                    lexical_rank=int(lexical_rank[i]),
                    best_sentence=int(best[i]) if best[i] >= 0 else None,
                    matched_terms=self.lexical.shown_matches(analysis, position),
                )
            )
        leaders = [int(rows[i]) for i in best_first[:COVERAGE_DEPTH]]
        unknown_words = (unknown, unknown_vectors)
        relevance = self._relevance(analysis, float(sentence.max()), leaders, reading, unknown_words, about_the_corpus)
        return SearchResult(question, hits, relevance.relevant, vector, relevance, reading.question, about_the_corpus)

    def _start_embedding(self, question: str, words: list[str]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Start the one pass of the model a search makes; the function returned waits for the question's vector
        and one vector per word. A word's vector is the one build stored (the corpus's words) or one embedded
        for an earlier question; the others are embedded with this one. A word's vector does not depend on
        the question, so each is embedded once."""
        found = {w: v for w in set(words) if (v := self._known_vector(w)) is not None}
        fresh = [w for w in dict.fromkeys(words) if w not in found]
        pending = embed_later(self.embedder, [question] + fresh)

        def finish() -> tuple[np.ndarray, np.ndarray]:
            embedded = pending()
            with self._seen_lock:
                while len(self._seen) + len(fresh) > SEEN_WORDS and self._seen:
                    del self._seen[next(iter(self._seen))]  # the earliest seen go first
                self._seen.update(zip(fresh, embedded[1:], strict=True))
            found.update(zip(fresh, embedded[1:], strict=True))
            rows = np.array([found[w] for w in words], dtype=np.float32).reshape(len(words), embedded.shape[1])
            return embedded[0], rows

        return finish

    def _known_vector(self, word: str) -> np.ndarray | None:
        stored = self.reader.stored_vector(word)
        return stored if stored is not None else self._seen.get(word)

    def _candidates(self, rows: np.ndarray, vector: np.ndarray, lexical: np.ndarray, filtered: bool) -> np.ndarray:
        """The passages fusion ranks: all of them in a small corpus, else the best POOL of each side.

        Above POOL passages, the dense side's best come from the FAISS index (HNSW at scale) and the
        lexical side's from BM25; a filtered search ranks the admitted passages exactly.
        """
        if len(rows) <= POOL:
            return rows
        if filtered:
            if len(rows) * FEW_ADMITTED < len(self._passage_vectors):  # copying their vectors out costs less
                similarity = self._passage_vectors[rows] @ vector
            else:  # every passage's similarity, then the admitted
                similarity = (self._passage_vectors @ vector)[rows]
            dense_best = rows[np.argpartition(-similarity, POOL)[:POOL]]
        else:
            _, found = ranked_rows(self.index.passage_index, vector, POOL)
            dense_best = found[found >= 0]
        lexical_best = rows[np.argpartition(-lexical[rows], POOL)[:POOL]]
        chosen = np.zeros(len(self.index.passages), dtype=bool)  # a mask unites the two faster than union1d
        chosen[dense_best] = chosen[lexical_best] = True
        return np.flatnonzero(chosen)

    def _sentence_scores(self, vector: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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

    def _relevance(
        self,
        analysis: Analysis,
        sentence_score: float,
        best_positions: list[int],
        reading: Reading,
        unknown: tuple[list[Term], np.ndarray],
        about_the_corpus: bool,
    ) -> Relevance:
        """Measure the inputs of the relevance rule (relevance.py) and apply it; `unknown` are the question's
        words no passage uses, with their vectors."""
        coverage = max((self.lexical.coverage(analysis, p) for p in best_positions), default=0.0)
        matched, still_unknown = self.reader.by_meaning(*unknown)
        authors = self.reader.named_authors(analysis, [self.index.passages[p] for p in best_positions])
        absent = self.reader.absent_topics(analysis)
        return decide(sentence_score, coverage, reading, absent, matched, still_unknown, authors, about_the_corpus)


def term_weights(question: np.ndarray, words: np.ndarray) -> np.ndarray:
    """How much of its BM25 score each question word keeps: TERM_FLOOR, and the rest by how close the word
    alone is to the whole question (cosine, relative to the closest word's, to the power TERM_POWER).

    The words a question is about ("supervised", "training") are nearer its meaning than those that frame
    it ("effect", "explained", "linked"), so they lead BM25, and no word drops out. A word's vector needs
    no pass of its own: build stored the corpus words', and any other is embedded with the question.
    Measured on 191 answerable questions against unweighted BM25: hit@1 0.838 against 0.827, MRR@10 0.891
    against 0.886 (docs/retrieval.md has the variants tried).
    """
    closeness = np.clip(words @ question, 0.0, None) if len(words) else np.zeros(0)
    if not len(closeness) or float(closeness.max()) <= 0:
        return np.ones(len(closeness), dtype=np.float32)
    return (TERM_FLOOR + (1 - TERM_FLOOR) * (closeness / closeness.max()) ** TERM_POWER).astype(np.float32)


def open_retriever(config: Config, mode: Mode = "hybrid", embedder: Embedder | None = None) -> Retriever:
    """Load the configured index and vocabulary (and the model, unless one is given) into a retriever."""
    embedder = embedder or load_embedder(config.model, config.backend, config.model_cache)
    index = load_index(config.index_dir, embedder, config.corpus_dir)
    return Retriever(index, embedder, load_vocabulary(config.vocabulary), mode)
