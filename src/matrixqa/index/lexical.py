"""Lexical search: BM25 (bm25s) over the analysed text of every passage, stored by `build` and loaded back.

BM25 weighs a word found in a long passage less than in a short one: a long passage says more besides. It measures
a passage's length against the mean length of its own cell's passages, not of the whole corpus: each page is
written in its own way (a commentary of long paragraphs, a page of short entries), and a passage as long as its own
page's others is not saying more besides. So a cell's passages score each word as they would alone, save for how
rare the word is in the corpus, and a cell written at length does not lose its questions to a neighbouring cell of
short paragraphs in the same words. A corpus of one cell is scored exactly as BM25 scores it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

from matrixqa.index.analysis import Analysis, Analyzer, Term
from matrixqa.index.passagetext import searchable_texts
from matrixqa.ingest.chunk import Passage

# Bump when the analysis or searchable_texts change: a lexical index stored by an earlier build is then analysed
# again at load.
LEXICAL_FORMAT = 5
TermScores = list[tuple[int, np.ndarray]]  # (a term's number in the analysis, its score of every passage)
_BM25, _OFFSETS, _IDS, _TREATED = "bm25", "token-offsets.npy", "token-ids.npy", "treated-topics.json"
TOKEN_SETS = 4096  # passages whose token sets are kept made
_PREFIXES = ("dis", "mis", "non", "un", "in", "im", "over", "under", "re", "pre", "self")


class TokenSets:
    """The distinct tokens of each passage, kept as token ids in one flat array (compact, and quick to store)."""

    def __init__(self, tokens: list[str], offsets: np.ndarray, ids: np.ndarray) -> None:
        self.tokens, self.offsets, self.ids = tokens, offsets, ids
        # A search asks for the same few passages' tokens several times (matches shown, coverage, answers).
        self._cached = lru_cache(maxsize=TOKEN_SETS)(self._tokens_of)

    @classmethod
    def of(cls, documents: list[list[str]], vocabulary: dict[str, int]) -> TokenSets:
        tokens = [""] * len(vocabulary)
        for token, number in vocabulary.items():
            tokens[number] = token
        per_document = [sorted({vocabulary[t] for t in doc}) for doc in documents]
        offsets = np.cumsum([0] + [len(ids) for ids in per_document], dtype=np.int64)
        ids = np.fromiter((i for ids in per_document for i in ids), dtype=np.int32, count=int(offsets[-1]))
        return cls(tokens, offsets, ids)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, position: int) -> frozenset[str]:
        return self._cached(int(position))

    def _tokens_of(self, position: int) -> frozenset[str]:
        ids = self.ids[self.offsets[position] : self.offsets[position + 1]]
        return frozenset(self.tokens[i] for i in ids.tolist())

    def document_frequency(self) -> dict[str, int]:
        counts = np.bincount(self.ids, minlength=len(self.tokens))
        return {token: count for token, count in zip(self.tokens, counts.tolist(), strict=True) if count}


def bm25_idf(count: int | np.ndarray, size: int) -> np.ndarray:
    """The inverse document frequency of words that `count` of `size` passages hold (Lucene's BM25)."""
    holding = np.asarray(count, dtype=np.float64)
    return np.log(1 + (size - holding + 0.5) / (holding + 0.5))


class CellBM25(bm25s.BM25):
    """bm25s's BM25 (Lucene's formulas, its defaults) with each passage's length measured against the mean length of
    the passages of its group (its cell), as the module's docstring says; the rest of bm25s (storing, loading,
    scoring a question) is unchanged."""

    def __init__(self, groups: Sequence[Hashable]) -> None:
        super().__init__()
        self.groups = list(groups)

    def build_index_from_ids(
        self,
        unique_token_ids: list[int],
        corpus_token_ids: list[list[int]],
        show_progress: bool = True,
        leave_progress: bool = False,
    ) -> dict:
        """The score of each word in each passage, as a matrix of passages by words stored by word (bm25s's hook for
        building an index in another way)."""
        size, words = len(corpus_token_ids), len(unique_token_ids)
        lengths = np.array([len(ids) for ids in corpus_token_ids], dtype=np.float64)
        groups = self.groups or [None] * size
        if len(groups) != size:
            raise ValueError(f"{len(groups)} groups for {size} passages")
        numbers = {group: n for n, group in enumerate(dict.fromkeys(groups))}
        group = np.array([numbers[g] for g in groups], dtype=np.int64)
        mean = (np.bincount(group, weights=lengths) / np.bincount(group))[group]
        counted = [Counter(ids) for ids in corpus_token_ids]
        rows = np.repeat(np.arange(size), [len(c) for c in counted])
        columns = np.fromiter((i for c in counted for i in c), dtype=np.int64, count=len(rows))
        frequency = np.fromiter((n for c in counted for n in c.values()), dtype=np.float32, count=len(rows))
        idf = bm25_idf(np.bincount(columns, minlength=words), size).astype(self.dtype)
        norm = self.k1 * ((1 - self.b) + self.b * lengths / np.where(mean > 0, mean, 1.0))
        scores = (idf[columns] * (frequency / (norm[rows] + frequency))).astype(self.dtype)
        order = np.lexsort((rows, columns))
        self.nonoccurrence_array = None  # Lucene's BM25 adds nothing for a word a passage lacks
        return {
            "data": scores[order],
            "indices": rows[order].astype(self.int_dtype),
            "indptr": np.concatenate([[0], np.cumsum(np.bincount(columns, minlength=words))]),
            "num_docs": size,
        }


class LexicalIndex:
    """BM25 (bm25s) over the analysed text of every passage; built from texts, or loaded as `build` stored it.

    `treated` are the topics of the field (the vocabulary's [topics], by concept token) that the texts' own
    words name; by default every topic the texts name. An index made from passages (`of`) counts only their
    own words and headings: metadata the corpus adds (a publication's title) helps find a study, but does not
    make its topic one the cell treats ("drug and alcohol users" in a title is no evidence on alcohol).
    """

    def __init__(
        self,
        texts: list[str],
        analyzer: Analyzer,
        treated: frozenset[str] | None = None,
        cells: Sequence[Hashable] = (),
    ) -> None:
        documents = [analyzer.tokens(text) for text in texts]
        model = CellBM25(cells)  # no cells: one, the whole corpus
        model.index(documents or [[]], show_progress=False)
        if treated is None:
            treated = frozenset(analyzer.topic_tokens & set(model.vocab_dict))
        self._use(analyzer, model, TokenSets.of(documents, model.vocab_dict), treated)

    @classmethod
    def of(cls, passages: list[Passage], analyzer: Analyzer) -> LexicalIndex:
        """The lexical index of passages: their searchable texts, and the topics their own words name."""
        own = {token for p in passages for token in analyzer.tokens(p.headed_text)}
        treated = frozenset(analyzer.topic_tokens & own)
        return cls(searchable_texts(passages), analyzer, treated, [p.cell for p in passages])

    def _use(self, analyzer: Analyzer, model: bm25s.BM25, token_sets: TokenSets, treated: frozenset[str]) -> None:
        self.analyzer = analyzer
        self.model = model
        self.known_tokens = model.vocab_dict
        self.token_sets = token_sets
        self.size = len(token_sets)
        self.document_frequency = token_sets.document_frequency()
        self.treated = treated

    def save(self, folder: Path) -> list[Path]:
        """Write the BM25 index, the passages' token sets and the treated topics into folder; return the files."""
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder / _BM25), show_progress=False)
        np.save(folder / _OFFSETS, self.token_sets.offsets)
        np.save(folder / _IDS, self.token_sets.ids)
        (folder / _TREATED).write_text(json.dumps(sorted(self.treated)) + "\n", encoding="utf-8")
        return sorted(p for p in folder.rglob("*") if p.is_file())

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer) -> LexicalIndex:
        """Read what save wrote, memory-mapping the BM25 scores; the analyzer must be the one it was built with."""
        model = bm25s.BM25.load(str(folder / _BM25), mmap=True, show_progress=False)
        tokens = [""] * len(model.vocab_dict)
        for token, number in model.vocab_dict.items():
            tokens[number] = token
        token_sets = TokenSets(tokens, np.load(folder / _OFFSETS), np.load(folder / _IDS))
        treated = frozenset(json.loads((folder / _TREATED).read_text(encoding="utf-8")))
        index = cls.__new__(cls)
        index._use(analyzer, model, token_sets, treated)
        return index

    def scores(self, analysis: Analysis) -> np.ndarray:
        """The BM25 score of every passage for an analysed question: the sum over the question's terms
        of each term's score (its word and the synonym groups it stands in)."""
        return weighted_sum(self.term_scores(analysis), None, self.size)

    def term_scores(self, analysis: Analysis) -> TermScores:
        """Each term's BM25 score of every passage, for the terms any passage holds: what `scores` weighs and
        adds. Apart, so that a search computes them while the model embeds the question (the weights need
        its vector)."""
        found = []
        for number, term in enumerate(analysis.terms):
            known = sorted(t for t in term.tokens if t in self.known_tokens)
            if known:
                found.append((number, np.asarray(self.model.get_scores(known), dtype=np.float32)))
        return found

    def weight(self, term: Term) -> float:
        """How distinctive a question word is: the inverse document frequency of its rarest form.

        A word no passage uses counts as the most distinctive of all, so a question about something
        the corpus never mentions is covered poorly.
        """
        return self.idf(min(self.document_frequency.get(token, 0) for token in term.tokens))

    def idf(self, count: int) -> float:
        """The inverse document frequency of a word that `count` passages hold (BM25's)."""
        return float(bm25_idf(count, self.size))

    def in_corpus(self, term: Term) -> bool:
        """Whether any passage holds the term, a spelling variant, a synonym, or its root under a prefix.

        "distrust" counts as present where "trust" is: a prefixed word is about what its root is about.
        """
        if any(self.document_frequency.get(token, 0) for token in term.tokens):
            return True
        return any(
            term.stem.startswith(prefix) and self.document_frequency.get(term.stem[len(prefix) :], 0)
            for prefix in _PREFIXES
            if len(term.stem) - len(prefix) >= 4
        )

    def matched(self, analysis: Analysis, position: int) -> list[Term]:
        """The question's terms that a passage contains, by word, spelling variant or synonym."""
        present = self.token_sets[position]
        return [term for term in analysis.terms if term.tokens & present]

    def shown_matches(self, analysis: Analysis, position: int, text: str) -> tuple[str, ...]:
        """The question's terms a passage contains, as the inspector shows them, naming the words of `text` (the
        passage's) that a synonym matched."""
        present = self.token_sets[position]
        written = self.analyzer.analyse(text).written
        return tuple(term.shown(present, written) for term in self.matched(analysis, position))

    def coverage(self, analysis: Analysis, position: int) -> float:
        """Share of the question's distinctive weight that one passage contains."""
        total = sum(self.weight(t) for t in analysis.terms)
        if not total:
            return 0.0
        return sum(self.weight(t) for t in self.matched(analysis, position)) / total


def weighted_sum(term_scores: TermScores, weights: np.ndarray | None, size: int) -> np.ndarray:
    """The terms' scores added, each times its term's weight (none: 1)."""
    total = np.zeros(size, dtype=np.float32)
    for number, scores in term_scores:
        total += (1.0 if weights is None else float(weights[number])) * scores
    return total
