"""Build the FAISS index of the corpus's passages, write it with a manifest, and load it back safely."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import orjson

from matrixqa.errors import IndexUnusable
from matrixqa.index.analysis import Analyzer
from matrixqa.index.ann import describe, make_passage_index
from matrixqa.index.checksum import checksum_matches, file_checksum
from matrixqa.index.embed import Embedder
from matrixqa.index.lexical import LEXICAL_FORMAT, LexicalIndex
from matrixqa.index.passagetext import embedding_text, searchable_texts
from matrixqa.index.staging import staging_folder, swap_in
from matrixqa.index.vectorcache import Progress, VectorCache, text_keys
from matrixqa.index.vocabulary import Vocabulary, load_vocabulary
from matrixqa.index.words import corpus_words, meaning_words
from matrixqa.ingest.chunk import Passage, chunk_cell
from matrixqa.ingest.corpus import Corpus, corpus_fingerprint

# Bump when what `build` writes changes: an index in another format is refused, with how to rebuild it.
FORMAT = 4
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "passages.faiss"
SENTENCE_VECTORS = "sentences.npy"
VECTOR_KEYS = "vector-keys.npz"  # content hashes of the texts behind the vectors, for reuse by the next build
WORDS = "words.json"  # the corpus words a question's unknown word is compared with by meaning
WORD_VECTORS = "words.npy"  # their vectors, in the same order
LEXICAL = "lexical"  # folder of the BM25 index and the passages' token sets, analysed at build time
REQUIRED_FILES = (PASSAGES, PASSAGE_VECTORS, SENTENCE_VECTORS, VECTOR_KEYS, WORDS, WORD_VECTORS)
REBUILD_HINT = "run `matrixqa build` to rebuild it"


@dataclass
class Index:
    """A loaded index: passages in order, their FAISS index, and sentence vectors for answers."""

    manifest: dict[str, Any]
    passages: list[Passage]
    passage_index: faiss.Index
    sentence_vectors: np.ndarray
    sentence_owner: np.ndarray  # for each sentence row, the position of its passage
    folder: Path  # where it was loaded from
    words: list[str]  # the corpus words embedded by build
    word_vectors: np.ndarray

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each passage id's position, built once rather than on every answer."""
        return {p.id: i for i, p in enumerate(self.passages)}

    @cached_property
    def cells(self) -> list[str]:
        """The labels of the cells the passages come from, in matrix and code order; made once, not on every
        declined answer and health check."""
        cells = {(p.cell.matrix, p.cell.code): p.cell for p in self.passages}
        return [cells[key].label for key in sorted(cells)]

    def sentence_rows(self, passage_position: int) -> range:
        start = int(np.searchsorted(self.sentence_owner, passage_position, side="left"))
        end = int(np.searchsorted(self.sentence_owner, passage_position, side="right"))
        return range(start, end)


def build_index(
    corpus: Corpus,
    embedder: Embedder,
    index_dir: Path,
    progress: Progress = lambda _: None,
    ann_threshold: int = 0,
    vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Chunk every cell, then write the index of its passages (see write_index)."""
    passages = [p for cell in corpus.cells for p in chunk_cell(cell)]
    progress(f"{len(corpus.cells)} cells, {len(passages)} passages")
    about = {
        "corpus_fingerprint": corpus.fingerprint,
        "cells": [f"{c.matrix} cell {c.code}" for c in corpus.cells],
        "skipped": [{"file": p.file, "reason": p.reason} for p in corpus.problems],
    }
    return write_index(passages, about, embedder, index_dir, progress, ann_threshold, vocabulary=vocabulary)


def write_index(
    passages: list[Passage],
    about: dict[str, Any],
    embedder: Embedder,
    index_dir: Path,
    progress: Progress = lambda _: None,
    ann_threshold: int = 0,
    cache: VectorCache | None = None,
    vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Embed what the previous build (or cache) lacks, then swap the new index into index_dir in one step.

    ann_threshold: from this many passages on the index is approximate (HNSW); 0 keeps it exact.
    vocabulary: what the lexical index is analysed with (default: the packaged one); a server
    configured with another vocabulary analyses the passages itself when it loads the index.
    """
    started = time.perf_counter()
    if not passages:
        raise IndexUnusable("the corpus produced no passage to index")
    index_dir = Path(index_dir)
    cache = previous_vectors(index_dir, embedder, progress) if cache is None else cache
    texts, vectors, embedded, reused = _embed(passages, embedder, cache, progress)
    del cache  # the old vectors are not needed past this point
    if len(passages) >= ann_threshold > 0:
        progress(f"building an approximate (HNSW) index: {len(passages)} passages >= MATRIXQA_ANN_THRESHOLD")
    index = make_passage_index(vectors["passages"], ann_threshold)
    vocabulary = load_vocabulary() if vocabulary is None else vocabulary
    progress("analysing the passages for lexical search")
    lexical = LexicalIndex.of(passages, Analyzer(vocabulary))

    with staging_folder(index_dir, progress) as staging:
        files = _write_files(staging, passages, index, vectors, texts, lexical)
        manifest = {
            "format": FORMAT,
            "model": embedder.name,
            "model_fingerprint": embedder.fingerprint,
            "dimension": embedder.dimension,
            **about,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.perf_counter() - started, 2),
            **{what: len(items) for what, items in texts.items()},
            "embedded": embedded,
            "reused": reused,
            "search": describe(index),
            "lexical": _lexical_about(vocabulary),
            "checksums": {name: file_checksum(staging / name) for name in files},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        swap_in(staging, index_dir)
    progress(
        f"embedded {embedded['passages']} passages, {embedded['sentences']} sentences and {embedded['words']} words, "
        f"reused {reused['passages']}, {reused['sentences']} and {reused['words']}; index written to {index_dir} in "
        f"{manifest['build_seconds']} s"
    )
    return manifest


def _embed(
    passages: list[Passage], embedder: Embedder, cache: VectorCache, progress: Progress
) -> tuple[dict[str, list[str]], dict[str, np.ndarray], dict[str, int], dict[str, int]]:
    """What the model reads of the passages, by kind (passages, sentences and the corpus words), with their vectors
    and how many of each were embedded and how many reused from the cache."""
    texts = {
        "passages": [embedding_text(p) for p in passages],
        "sentences": [s for p in passages for s in p.sentence_texts],
        "words": meaning_words(corpus_words(searchable_texts(passages))),
    }
    vectors, embedded, reused = {}, {}, {}
    for what, label in (("passages", "passage"), ("sentences", "sentence"), ("words", "word")):
        vectors[what], embedded[what], reused[what] = cache.embed(embedder, texts[what], label, progress)
    return texts, vectors, embedded, reused


def _write_files(
    folder: Path,
    passages: list[Passage],
    passage_index: faiss.Index,
    vectors: dict[str, np.ndarray],
    texts: dict[str, list[str]],
    lexical: LexicalIndex,
) -> list[str]:
    """Write the index's files into folder; return their names, as the manifest's checksums list them."""
    with open(folder / PASSAGES, "w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
    faiss.write_index(passage_index, str(folder / PASSAGE_VECTORS))
    np.save(folder / SENTENCE_VECTORS, vectors["sentences"])
    (folder / WORDS).write_text(json.dumps(texts["words"]) + "\n", encoding="utf-8")
    np.save(folder / WORD_VECTORS, vectors["words"])
    np.savez(folder / VECTOR_KEYS, **{what: text_keys(items) for what, items in texts.items()})
    lexical_files = [p.relative_to(folder).as_posix() for p in lexical.save(folder / LEXICAL)]
    return [*REQUIRED_FILES, *lexical_files]


def previous_vectors(index_dir: Path, embedder: Embedder, progress: Progress) -> VectorCache:
    """The vectors of the index now in index_dir when it was built with this model and is intact; else none."""
    try:
        manifest = read_manifest(index_dir)
        check_fresh(manifest, embedder, None)
        _check_files(index_dir, manifest)
        with np.load(index_dir / VECTOR_KEYS) as keys:
            passage_keys, sentence_keys, word_keys = keys["passages"], keys["sentences"], keys["words"]
        passage_index = faiss.read_index(str(index_dir / PASSAGE_VECTORS))
        passage_vectors = passage_index.reconstruct_n(0, passage_index.ntotal)
        sentence_vectors = np.load(index_dir / SENTENCE_VECTORS)
        word_vectors = np.load(index_dir / WORD_VECTORS)
    except Exception:  # any unusable earlier build only means everything is embedded afresh
        if (index_dir / MANIFEST).exists():
            progress("the previous index is damaged, from another model or in another format: embedding everything")
        return VectorCache()
    if (
        len(passage_keys) != len(passage_vectors)
        or len(sentence_keys) != len(sentence_vectors)
        or len(word_keys) != len(word_vectors)
    ):
        return VectorCache()
    return VectorCache.of(
        np.concatenate([passage_keys, sentence_keys, word_keys]),
        np.vstack([passage_vectors, sentence_vectors, word_vectors]),
    )


def _check_files(index_dir: Path, manifest: dict[str, Any]) -> None:
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or not set(REQUIRED_FILES) <= set(checksums):
        raise IndexUnusable(f"the manifest of {index_dir} does not list the checksum of every file: {REBUILD_HINT}")
    for name, expected in checksums.items():
        path = index_dir / name
        if not checksum_matches(path, expected):
            raise IndexUnusable(f"{path} is missing or corrupted (checksum mismatch): {REBUILD_HINT}")


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexUnusable(f"no index in {index_dir}: {REBUILD_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexUnusable(f"the manifest of {index_dir} is unreadable: {REBUILD_HINT}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexUnusable(f"the index in {index_dir} has an unknown format: {REBUILD_HINT}")
    return manifest


def check_fresh(manifest: dict[str, Any], embedder: Embedder, corpus_dir: Path | None) -> None:
    """Refuse an index built from another corpus or with another model."""
    if manifest.get("model_fingerprint") != embedder.fingerprint:
        raise IndexUnusable(
            f"the index was built with the model {manifest.get('model')!r}, not the configured "
            f"{embedder.name!r}: {REBUILD_HINT}, or set MATRIXQA_MODEL back"
        )
    if manifest.get("dimension") != embedder.dimension:
        raise IndexUnusable(
            f"the manifest of the index gives its vectors {manifest.get('dimension')!r} dimensions, where the model "
            f"{embedder.name!r} it was built with makes {embedder.dimension}: the manifest is damaged: {REBUILD_HINT}"
        )
    if corpus_dir is not None and Path(corpus_dir).is_dir():
        if corpus_fingerprint(Path(corpus_dir)) != manifest.get("corpus_fingerprint"):
            raise IndexUnusable(f"the corpus in {corpus_dir} has changed since the index was built: {REBUILD_HINT}")


def load_index(index_dir: Path, embedder: Embedder, corpus_dir: Path | None = None) -> Index:
    """Load the index, checking it is complete, uncorrupted, and built from this corpus and model."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    check_fresh(manifest, embedder, corpus_dir)
    _check_files(index_dir, manifest)
    try:
        passages = _read_passages(index_dir / PASSAGES)
        passage_index = faiss.read_index(str(index_dir / PASSAGE_VECTORS))
        # Answers read a few rows: mapped, not read whole; a plain array view of the map, as the memmap subclass
        # costs a Python object on every slice.
        sentence_vectors = np.asarray(np.load(index_dir / SENTENCE_VECTORS, mmap_mode="r"))
        words = json.loads((index_dir / WORDS).read_text(encoding="utf-8"))
        word_vectors = np.load(index_dir / WORD_VECTORS)
    except Exception as error:  # any failure to read means the same: this index cannot be used
        raise IndexUnusable(f"the index in {index_dir} cannot be read ({error}): {REBUILD_HINT}") from None
    owner = np.repeat(np.arange(len(passages)), [len(p.sentences) for p in passages])
    if (
        passage_index.ntotal != len(passages)
        or passage_index.d != embedder.dimension
        or sentence_vectors.shape != (len(owner), embedder.dimension)
        or word_vectors.shape != (len(words), embedder.dimension)
    ):
        raise IndexUnusable(f"the index in {index_dir} is inconsistent: {REBUILD_HINT}")
    return Index(manifest, passages, passage_index, sentence_vectors, owner, index_dir, words, word_vectors)


def _read_passages(path: Path) -> list[Passage]:
    """The passages `build` wrote, one JSON object a line (orjson: much faster than the standard library)."""
    with _collector_paused():
        return [Passage.from_dict(orjson.loads(line)) for line in path.read_bytes().splitlines() if line.strip()]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector would run again and again while the passages are made (a few small objects each,
    none in a cycle), for nothing to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lexical_about(vocabulary: Vocabulary) -> dict[str, Any]:
    return {"format": LEXICAL_FORMAT, "vocabulary": vocabulary.fingerprint}


def load_lexical(index: Index, analyzer: Analyzer) -> LexicalIndex:
    """The lexical index stored by `build` when it was analysed as this analyzer would; else analysed now.

    A server configured with another vocabulary still loads the index, analysing its passages itself
    (slower on a large corpus, so `build` stores the analysis of the vocabulary it was given).
    """
    if index.manifest.get("lexical") != _lexical_about(analyzer.vocabulary):
        return LexicalIndex.of(index.passages, analyzer)
    try:
        lexical = LexicalIndex.load(index.folder / LEXICAL, analyzer)
    except Exception as error:  # bm25s and numpy raise many kinds; the checksums passed, so this is rare
        raise IndexUnusable(f"the lexical index in {index.folder} cannot be read ({error}): {REBUILD_HINT}") from None
    if lexical.size != len(index.passages):
        raise IndexUnusable(f"the lexical index in {index.folder} is inconsistent: {REBUILD_HINT}")
    return lexical
