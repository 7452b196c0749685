"""The model's one pass for a question, and the meaning of its words.

A search embeds the question together with any of its words whose vector is not known yet: `build`
stored the vectors of the corpus's words, and a word embedded for an earlier question is kept (a word's
vector does not depend on the question). The words' vectors weigh BM25 (evidence.py) and match a word no
passage uses to the nearest corpus word in meaning ("pee ≈ urine") when their cosine is at least MEANING_MATCH.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from matrixqa.index.analysis import Term
from matrixqa.index.embed import Embedder, embed_later

MEANING_MATCH = 0.7  # cosine of an unknown word and its nearest corpus word for the two to count as one
SEEN_WORDS = 20_000  # vectors kept of question words that build did not store


class WordMeanings:
    """Vectors of words: the corpus's as `build` stored them, and those embedded for earlier questions."""

    def __init__(self, embedder: Embedder, words: list[str], vectors: np.ndarray):
        self.embedder = embedder
        self.words = words
        self.vectors = vectors
        self._rows = {word: row for row, word in enumerate(self.words)}
        self._seen: dict[str, np.ndarray] = {}  # earliest first
        self._seen_lock = threading.Lock()

    def start(
        self, question: str, words: list[str], vector: np.ndarray | None = None
    ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Start the model's pass; the function returned waits for the question's vector and one vector per word.
        With the question's `vector` already made (the same question searched again), and every word's known, the
        model makes no pass."""
        found, fresh = self._split(words)
        if vector is not None and not fresh:
            known = _stacked(found, words, len(vector))
            return lambda: (vector, known)
        pending = embed_later(self.embedder, [question] + fresh)

        def finish() -> tuple[np.ndarray, np.ndarray]:
            embedded = pending()
            self._keep(found, fresh, embedded[1:])
            return embedded[0], _stacked(found, words, embedded.shape[1])

        return finish

    def vectors_of(self, words: list[str]) -> np.ndarray:
        """One vector per word: those known, and the others embedded now and kept (a search has usually
        embedded a question's words already)."""
        found, fresh = self._split(words)
        if fresh:
            self._keep(found, fresh, self.embedder.embed(fresh))
        return _stacked(found, words, self.vectors.shape[1] if self.vectors.ndim == 2 else 0)

    def _split(self, words: list[str]) -> tuple[dict[str, np.ndarray], list[str]]:
        """The words' vectors already known, and the words still to embed (each once)."""
        found = {w: v for w in set(words) if (v := self._known(w)) is not None}
        return found, [w for w in dict.fromkeys(words) if w not in found]

    def _keep(self, found: dict[str, np.ndarray], fresh: list[str], vectors: np.ndarray) -> None:
        """Add freshly embedded words to `found`, and keep them for later questions (at most SEEN_WORDS)."""
        with self._seen_lock:
            while len(self._seen) + len(fresh) > SEEN_WORDS and self._seen:
                del self._seen[next(iter(self._seen))]
            self._seen.update(zip(fresh, vectors, strict=True))
        found.update(zip(fresh, vectors, strict=True))

    def _known(self, word: str) -> np.ndarray | None:
        row = self._rows.get(word)
        return self.vectors[row] if row is not None else self._seen.get(word)

    def closest(self, word: str) -> str | None:
        """The corpus word nearest a word in meaning ("french" ≈ "france"), when their cosine is at least
        MEANING_MATCH; None when none is that near."""
        return self._closest(self.vectors @ self.vectors_of([word])[0])

    def _closest(self, similarity: np.ndarray) -> str | None:
        # Two different words given one vector (a hashing embedder's collision) say nothing of meaning.
        similarity = np.where(similarity >= 1 - 1e-6, -1.0, similarity)
        nearest = int(np.argmax(similarity)) if len(similarity) else -1
        return self.words[nearest] if nearest >= 0 and similarity[nearest] >= MEANING_MATCH else None

    def closest_to(self, vectors: np.ndarray) -> list[str | None]:
        """For each row of word vectors, the corpus word nearest it in meaning (None: none MEANING_MATCH near)."""
        return [self._closest(row) for row in vectors @ self.vectors.T] if len(vectors) else []


def matches(terms: tuple[Term, ...], closest: list[str | None]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words with a corpus word near in meaning, shown beside it ("pee ≈ urine"), and the others, unknown;
    `closest` is each word's nearest corpus word (closest_to), in the words' order."""
    matched = tuple(f"{term.word} ≈ {near}" for term, near in zip(terms, closest, strict=True) if near is not None)
    unknown = tuple(term.word for term, near in zip(terms, closest, strict=True) if near is None)
    return matched, unknown


def _stacked(found: dict[str, np.ndarray], words: list[str], width: int) -> np.ndarray:
    """The words' vectors, one row each, in the words' order."""
    return np.array([found[w] for w in words], dtype=np.float32).reshape(len(words), width)
