"""Find the passages that answer a question, and say whether any of them is relevant at all.

A question flows down once, each stage handing the next one value:

    question --read (reading.py)--> Query --gather (evidence.py)--> Evidence --decide (relevance.py)--> Relevance

and the retriever orders the candidates into hits: the best by fused score, made diverse.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import numpy as np

from matrixqa.index.analysis import Analyzer
from matrixqa.index.embed import Embedder, load_embedder
from matrixqa.index.store import Index, load_index, load_lexical
from matrixqa.index.vocabulary import Vocabulary, load_vocabulary
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage
from matrixqa.search.cells import CellKey
from matrixqa.search.evidence import Candidates, Evidence, Gatherer
from matrixqa.search.filters import NO_FILTERS, Filters
from matrixqa.search.fusion import Mode, maximal_marginal_relevance
from matrixqa.search.meaning import WordMeanings
from matrixqa.search.reading import Query, QuestionReader
from matrixqa.search.relevance import Relevance, asks_for_summaries, decide
from matrixqa.settings import Config

DIVERSITY = 0.75  # maximal marginal relevance: weight of the fused score against novelty
CANDIDATES = 20  # how many of the best fused passages the diverse order is chosen from


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
    coverage: float = 0.0  # share of the question's distinctive weight whose words it holds
    dense_rank: int = 0
    lexical_rank: int = 0
    best_sentence: int | None = None  # index into passage.sentences
    matched_terms: tuple[str, ...] = ()  # question words found in the passage ("chemist ≈ pharmacy")
    breadth_cost: float = 0.0  # what its cell's narrower evidence took off its fused score (evidence.cell_breadth)

    @property
    def searched(self) -> bool:
        """Whether search ranked it (a study entry looked up behind a previous answer has no evidence)."""
        return self.fused_rank > 0

    @property
    def own_score(self) -> float:
        """Its fused score on its own evidence, before its cell's breadth was weighed."""
        return self.score + self.breadth_cost

    @property
    def search_score(self) -> float | None:
        """The fused score search gave it; None for a study entry looked up, not searched."""
        return self.score if self.searched else None


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
    query: Query | None = field(default=None, repr=False)  # the question as read (None: looked up, not searched)
    part_cells: tuple[CellKey, ...] = ()  # of a question joining several asks, the cell of each part's best passage


class Retriever:
    """Searches one loaded index with one embedder, dense and lexical evidence fused."""

    def __init__(self, index: Index, embedder: Embedder, vocabulary: Vocabulary | None = None, mode: Mode = "hybrid"):
        self.index = index
        self.mode = mode
        self.analyzer = Analyzer(load_vocabulary() if vocabulary is None else vocabulary)
        self.lexical = load_lexical(index, self.analyzer)
        self.reader = QuestionReader(index.passages, self.lexical)
        self.gatherer = Gatherer(index, self.lexical, WordMeanings(embedder, index.words, index.word_vectors))

    @property
    def embedder(self) -> Embedder:
        """The model that reads the questions (held by the stage that embeds them)."""
        return self.gatherer.meanings.embedder

    @embedder.setter
    def embedder(self, embedder: Embedder) -> None:
        self.gatherer.meanings.embedder = embedder

    @property
    def cell_count(self) -> int:
        """How many cells the index holds."""
        return len(self.reader.cells.titles)

    def with_mode(self, mode: Mode) -> Retriever:
        """The same index, model and lexical index, ranking by other evidence (for comparisons)."""
        other = copy.copy(self)
        other.mode = mode
        return other

    def search(self, question: str, k: int = 5, filters: Filters = NO_FILTERS) -> SearchResult:
        """The k best passages for a question, best first, and whether any is relevant."""
        query = self.reader.read(question)
        evidence = self.gatherer.gather(query, filters, self.mode)
        relevance = decide(evidence)
        if asks_for_summaries(evidence, relevance):
            query = replace(query, about_the_corpus=True)
            evidence = self.gatherer.gather(query, filters, self.mode, evidence.vector)
            relevance = decide(evidence)
        if relevance.relevant and query.parts:
            evidence = replace(evidence, each_part=self._each_part(query, evidence, filters))
        hits = self._hits(evidence, k)
        return SearchResult(
            question,
            hits,
            relevance.relevant,
            evidence.vector,
            relevance,
            query.text,
            query.about_the_corpus,
            query=query,
            part_cells=tuple(dict.fromkeys(CellKey.of(self.index.passages[p].cell) for p in evidence.each_part)),
        )

    def coverage(self, query: Query, texts: Collection[str]) -> np.ndarray:
        """Share of the question's distinctive words (by spelling variant and synonym too) each text holds."""
        return np.asarray([query.coverage(set(self.analyzer.analyse(t).tokens)) for t in texts], dtype=np.float32)

    def _hits(self, evidence: Evidence, k: int) -> list[Hit]:
        """The k best candidates, by fused score made diverse, with the evidence that ranked each."""
        found: Candidates | None = evidence.candidates
        if found is None:
            return []
        best_first = found.best_first(max(k, CANDIDATES))
        vectors = self.gatherer.passage_vectors[found.rows[best_first]]
        picked = maximal_marginal_relevance(vectors, found.fused[best_first], k, DIVERSITY)
        picked = self._each_matrix(evidence, best_first, list(picked))
        best_first, picked = self._from_each_part(evidence, best_first, picked)
        hits = []
        for place, i in enumerate(best_first[picked], 1):
            position = int(found.rows[i])
            hits.append(
                Hit(
                    passage=self.index.passages[position],
                    score=float(found.fused[i]),
                    rank=place,
                    fused_rank=int(found.fused_rank[i]),
                    dense_score=float(found.dense[i]),
                    sentence_score=float(found.sentence[i]),
                    lexical_score=float(found.lexical[i]),
                    coverage=float(found.coverage[i]),
                    dense_rank=int(found.dense_rank[i]),
                    lexical_rank=int(found.lexical_rank[i]),
                    best_sentence=int(found.best[i]) if found.best[i] >= 0 else None,
                    matched_terms=self._shown_matches(evidence, position),
                    breadth_cost=float(found.own[i] - found.fused[i]),
                )
            )
        return hits

    def _each_part(self, query: Query, evidence: Evidence, filters: Filters) -> tuple[int, ...]:
        """Of a question joining several asks (Query.parts), each part's best passage as it ranks them (no summary),
        when the part alone would be answered, as a position in the index."""
        best = []
        for text in query.parts:
            part = self.gatherer.gather(self.reader.read(text), filters, self.mode)
            if part.candidates is None or not decide(part).relevant:
                continue
            rows = part.candidates.rows[part.candidates.best_first(len(part.candidates.rows))]
            best += [int(p) for p in rows if self.index.passages[int(p)].section != SUMMARY_SECTION][:1]
        return tuple(best)

    def _from_each_part(
        self, evidence: Evidence, best_first: np.ndarray, picked: list[int]
    ) -> tuple[np.ndarray, list[int]]:
        """A part's best passage (evidence.each_part) whose cell no hit is from is put among the hits; returns the
        candidates' order (with the parts' passages) and the hits picked from it."""
        found = evidence.candidates
        for position in evidence.each_part:
            candidate = np.flatnonzero(found.rows == position)
            cells = {self.index.passages[int(found.rows[best_first[n]])].cell for n in picked}
            if not candidate.size or self.index.passages[position].cell in cells:
                continue
            if not np.isin(candidate[0], best_first):
                best_first = np.append(best_first, candidate[0])
            picked = self._in_place_of_a_repeat(found, best_first, picked, int(candidate[0]), lambda p: p.cell)
        return best_first, picked

    def _each_matrix(self, evidence: Evidence, best_first: np.ndarray, picked: list[int]) -> list[int]:
        """A question asking of several matrices ("drug or alcohol problems") has each one's best passage of evidence
        (evidence.each_matrix) among its hits: when its matrix has no passage of evidence there that may be quoted
        alone, it is put among them."""
        found = evidence.candidates
        for best in evidence.each_matrix:
            passages = [self.index.passages[int(found.rows[best_first[n]])] for n in picked]
            evidenced = {p.cell.matrix for p in passages if p.section != SUMMARY_SECTION and p.stands_alone()}
            if np.isin(best, best_first) and self.index.passages[int(found.rows[best])].cell.matrix not in evidenced:
                picked = self._in_place_of_a_repeat(found, best_first, picked, best, lambda p: p.cell.matrix)
        return picked

    def _in_place_of_a_repeat(
        self, found: Candidates, best_first: np.ndarray, picked: list[int], candidate: int, group: Callable
    ) -> list[int]:
        """The hits picked (places in best_first) with a candidate (a number into the candidates, in best_first) in
        place of the last hit whose group (its matrix, its cell) another hit shares; unchanged when none does."""
        groups = [group(self.index.passages[int(found.rows[best_first[n]])]) for n in picked]
        spare = [n for n in range(len(picked)) if groups.count(groups[n]) > 1]
        if spare:
            picked = list(picked)
            picked[spare[-1]] = int(np.flatnonzero(best_first == candidate)[0])
        return picked

    def _shown_matches(self, evidence: Evidence, position: int) -> tuple[str, ...]:
        passage = self.index.passages[position]
        return self.lexical.shown_matches(evidence.query.analysis, position, passage.headed_text)


def open_retriever(config: Config, mode: Mode = "hybrid", embedder: Embedder | None = None) -> Retriever:
    """Load the configured index and vocabulary (and the model, unless one is given) into a retriever."""
    embedder = embedder or load_embedder(config.model, config.backend, config.model_cache)
    index = load_index(config.index_dir, embedder, config.corpus_dir)
    return Retriever(index, embedder, load_vocabulary(config.vocabulary), mode)
