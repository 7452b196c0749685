"""Broken, interrupted and changed index builds: detected, never served half-written, reused where unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from hashlib import sha256
from pathlib import Path

import faiss
import numpy as np
import pytest
from click.testing import CliRunner

from matrixqa.cli import main
from matrixqa.errors import IndexUnusable
from matrixqa.index.ann import ranked_rows
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.passagetext import embedding_text
from matrixqa.index.staging import staging_folder
from matrixqa.index.store import (
    MANIFEST,
    PASSAGE_VECTORS,
    PASSAGES,
    SENTENCE_VECTORS,
    VECTOR_KEYS,
    build_index,
    load_index,
)
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search import evidence
from matrixqa.search.filters import Filters
from matrixqa.search.retrieve import Retriever
from matrixqa.settings import PROJECT_ROOT
from tests.conftest import REAL_CORPUS, REAL_INDEX

SRC = str(PROJECT_ROOT / "src")


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting what it is asked to embed; can fail after a number of calls."""

    def __init__(self, fail_after_calls: int | None = None) -> None:
        self.texts: list[str] = []
        self.calls = 0
        self.fail_after_calls = fail_after_calls

    def embed(self, texts: list[str]) -> np.ndarray:
        if self.fail_after_calls is not None and self.calls >= self.fail_after_calls:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-build
        self.calls += 1
        self.texts.extend(texts)
        return super().embed(texts)


def snapshot(index_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(index_dir).as_posix(): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}-"))


# Interrupted builds ----------------------------------------------------------------------------


def test_build_interrupted_while_embedding_leaves_previous_index(index_dir: Path, corpus_dir: Path):
    before = snapshot(index_dir)
    (corpus_dir / "alcohol-D4.txt").write_text((corpus_dir / "alcohol-D4.txt").read_text() + "\nA new line.\n")
    with pytest.raises(KeyboardInterrupt):
        build_index(load_corpus(corpus_dir), CountingEmbedder(fail_after_calls=0), index_dir)
    assert snapshot(index_dir) == before
    assert leftovers(index_dir) == []
    index = load_index(index_dir, HashingEmbedder())  # still serves (the corpus check is the server's)
    assert index.manifest["passages"] == len(index.passages)


def test_build_failing_while_writing_leaves_previous_index(index_dir: Path, corpus_dir: Path, monkeypatch):
    before = snapshot(index_dir)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matrixqa.index.store.np.savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    assert snapshot(index_dir) == before
    assert leftovers(index_dir) == []
    load_index(index_dir, HashingEmbedder(), corpus_dir)


def _rename_refused(self, target):
    raise AssertionError("a two-step rename: a build killed here would leave no index")


@pytest.mark.skipif(sys.platform != "linux", reason="the one-step exchange is Linux's renameat2")
def test_a_rebuild_swaps_the_index_in_one_step(index_dir: Path, corpus_dir: Path, monkeypatch):
    """No moment without an index: a build killed where a two-step swap would have renamed is harmless."""
    (corpus_dir / "alcohol-D4.txt").write_text((corpus_dir / "alcohol-D4.txt").read_text() + "\nA new line.\n")
    monkeypatch.setattr(Path, "rename", _rename_refused)
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    monkeypatch.undo()
    assert leftovers(index_dir) == []
    assert oct(index_dir.stat().st_mode & 0o777) == oct(0o755)
    load_index(index_dir, HashingEmbedder(), corpus_dir)  # the new index, for the edited corpus


def test_without_the_one_step_exchange_the_swap_renames(index_dir: Path, corpus_dir: Path, monkeypatch):
    (corpus_dir / "alcohol-D4.txt").write_text((corpus_dir / "alcohol-D4.txt").read_text() + "\nA new line.\n")
    monkeypatch.setattr("matrixqa.index.staging._exchange", lambda first, second: False)
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    assert leftovers(index_dir) == []
    load_index(index_dir, HashingEmbedder(), corpus_dir)


KILLED_AT_THE_SWAP = """
import os, signal, sys
from pathlib import Path
from matrixqa.index import store
from matrixqa.index.embed import HashingEmbedder
from matrixqa.ingest.corpus import load_corpus

store.swap_in = lambda staging, index_dir: os.kill(os.getpid(), signal.SIGKILL)
store.build_index(load_corpus(Path(sys.argv[1])), HashingEmbedder(), Path(sys.argv[2]))
"""


def test_a_build_removes_what_a_killed_build_left(index_dir: Path, corpus_dir: Path):
    (corpus_dir / "alcohol-D4.txt").write_text((corpus_dir / "alcohol-D4.txt").read_text() + "\nA new line.\n")
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_THE_SWAP, str(corpus_dir), str(index_dir)],
        env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr  # SIGKILL: nothing of the build's own could tidy up
    [left] = leftovers(index_dir)
    assert (index_dir.parent / left / MANIFEST).exists()  # the whole new index, never swapped in
    retired = index_dir.parent / f".{index_dir.name}-old-1234"  # a previous index the two-rename swap left aside
    shutil.copytree(index_dir, retired)
    other = index_dir.parent / f".{index_dir.name}-notes"  # not a name a build gives: left alone
    other.mkdir()

    messages: list[str] = []
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir, messages.append)
    assert leftovers(index_dir) == [other.name]
    assert sum("left by a build that did not finish" in m for m in messages) == 2
    load_index(index_dir, HashingEmbedder(), corpus_dir)


def test_a_build_leaves_the_folder_of_a_build_still_running(index_dir: Path, corpus_dir: Path):
    waiting = threading.Event()
    done: list[dict] = []

    def build() -> None:
        progress = lambda message: waiting.set() if "waiting" in message else None  # noqa: E731
        done.append(build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir, progress))

    with staging_folder(index_dir, lambda _: None) as running:  # as another build, writing
        thread = threading.Thread(target=build)
        thread.start()
        assert waiting.wait(timeout=120)
        assert running.exists()
        shutil.rmtree(running)  # as that build does when it is done
    thread.join(timeout=120)
    assert done and leftovers(index_dir) == []


# Damaged indexes ------------------------------------------------------------------------------


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", [PASSAGES, PASSAGE_VECTORS, SENTENCE_VECTORS, VECTOR_KEYS])
@pytest.mark.parametrize("damage", [truncate, flip_a_byte])
def test_damaged_file_is_refused(index_dir: Path, corpus_dir: Path, name: str, damage):
    damage(index_dir / name)
    with pytest.raises(IndexUnusable, match=f"{name} is missing or corrupted.*matrixqa build"):
        load_index(index_dir, HashingEmbedder(), corpus_dir)


def as_format_2(index_dir: Path) -> None:
    """Make an index look like one of the previous format, checksummed with bare SHA-256 as those were."""
    manifest = json.loads((index_dir / MANIFEST).read_text())
    checksums = {name: sha256((index_dir / name).read_bytes()).hexdigest() for name in manifest["checksums"]}
    (index_dir / MANIFEST).write_text(json.dumps({**manifest, "format": 2, "checksums": checksums}))


def test_an_index_of_an_earlier_format_is_refused_with_how_to_rebuild_it(index_dir: Path, corpus_dir: Path):
    as_format_2(index_dir)
    with pytest.raises(IndexUnusable, match=f"the index in {index_dir} has an unknown format: run `matrixqa build`"):
        load_index(index_dir, HashingEmbedder(), corpus_dir)
    env = {"MATRIXQA_INDEX_DIR": str(index_dir), "MATRIXQA_CORPUS_DIR": str(corpus_dir), "MATRIXQA_MODEL": "hashing"}
    assert_one_line_error(run_cli("search", "methadone", env=env), "unknown format", "matrixqa build")
    messages: list[str] = []
    manifest = build_index(load_corpus(corpus_dir), CountingEmbedder(), index_dir, messages.append)
    assert manifest["reused"] == {"passages": 0, "sentences": 0, "words": 0}
    assert any("in another format" in m for m in messages)
    load_index(index_dir, HashingEmbedder(), corpus_dir)  # and the rebuilt index loads


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: json.dumps({**m, "dimension": 384}), "gives its vectors 384 dimensions, where the model 'hashing'"),
        (lambda m: "{ not json", "unreadable"),
        (lambda m: json.dumps({**m, "format": 99}), "unknown format"),
        (lambda m: json.dumps({k: v for k, v in m.items() if k != "checksums"}), "checksum"),
        (lambda m: json.dumps({**m, "checksums": {PASSAGES: m["checksums"][PASSAGES]}}), "checksum"),
        (lambda m: json.dumps({**m, "checksums": "none"}), "checksum"),
    ],
    ids=["dimension", "garbled", "format", "no-checksums", "partial-checksums", "wrong-type"],
)
def test_damaged_manifest_is_refused(index_dir: Path, corpus_dir: Path, edit, message: str):
    manifest = json.loads((index_dir / MANIFEST).read_text())
    (index_dir / MANIFEST).write_text(edit(manifest))
    with pytest.raises(IndexUnusable, match=message):
        load_index(index_dir, HashingEmbedder(), corpus_dir)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matrixqa", *args],
        env={**os.environ, "PYTHONPATH": SRC, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda d: truncate(d / PASSAGE_VECTORS), ["corrupted", "matrixqa build"]),
        (lambda d: flip_a_byte(d / SENTENCE_VECTORS), ["corrupted", "matrixqa build"]),
        (lambda d: (d / PASSAGES).unlink(), ["missing", "matrixqa build"]),
        (lambda d: (d / MANIFEST).write_text("{"), ["unreadable", "matrixqa build"]),
        (lambda d: shutil.rmtree(d), ["no index", "matrixqa build"]),
    ],
    ids=["truncated", "flipped", "missing-file", "garbled-manifest", "no-index"],
)
@pytest.mark.parametrize("command", [["search", "methadone"], ["ask", "methadone"], ["serve", "--port", "1"]])
def test_cli_says_how_to_fix_a_damaged_index(index_dir: Path, corpus_dir: Path, damage, words, command):
    damage(index_dir)
    env = {"MATRIXQA_INDEX_DIR": str(index_dir), "MATRIXQA_CORPUS_DIR": str(corpus_dir), "MATRIXQA_MODEL": "hashing"}
    assert_one_line_error(run_cli(*command, env=env), *words)


def test_cli_refuses_an_index_built_with_another_model(tmp_path: Path):
    shutil.copytree(REAL_INDEX, tmp_path / "index")
    env = {"MATRIXQA_INDEX_DIR": str(tmp_path / "index"), "MATRIXQA_CORPUS_DIR": str(REAL_CORPUS)}
    result = run_cli("search", "methadone", env={**env, "MATRIXQA_MODEL": "hashing"})
    assert_one_line_error(result, "all-MiniLM-L6-v2", "hashing", "matrixqa build")


# Incremental builds ---------------------------------------------------------------------------


def edit_one_cell(corpus_dir: Path) -> None:
    page = corpus_dir / "alcohol-D4.txt"
    text = page.read_text(encoding="utf-8")
    paragraph = next(line for line in text.splitlines() if len(line.split()) > 30)
    page.write_text(text.replace(paragraph, paragraph + " The keepers agreed."), encoding="utf-8")


def test_rebuild_after_one_edit_embeds_only_what_changed(index_dir: Path, corpus_dir: Path, tmp_path: Path):
    old = load_index(index_dir, HashingEmbedder(), corpus_dir)
    edit_one_cell(corpus_dir)
    counting = CountingEmbedder()
    manifest = build_index(load_corpus(corpus_dir), counting, index_dir)
    new = load_index(index_dir, HashingEmbedder(), corpus_dir)

    old_texts = {p.text for p in old.passages} | {s for p in old.passages for s in p.sentence_texts}
    changed = [p for p in new.passages if p.text not in old_texts]
    assert len(changed) == 1 and changed[0].cell.code == "D4"
    new_sentences = {s for p in changed for s in p.sentence_texts} - old_texts
    new_words = sorted(set(new.words or []) - set(old.words or []))
    assert new_words == ["agreed"]  # "keepers" is already a word of the test corpus
    assert sorted(counting.texts) == sorted([embedding_text(changed[0]), *new_sentences, *new_words])
    assert manifest["embedded"] == {"passages": 1, "sentences": len(new_sentences), "words": 1}
    assert manifest["reused"]["passages"] == len(new.passages) - 1

    fresh = tmp_path / "fresh"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), fresh)
    from_scratch = load_index(fresh, HashingEmbedder(), corpus_dir)
    assert np.allclose(from_scratch.sentence_vectors, new.sentence_vectors)  # reuse never misplaces a vector
    rows = len(new.passages)
    assert np.allclose(from_scratch.passage_index.reconstruct_n(0, rows), new.passage_index.reconstruct_n(0, rows))


def test_cli_build_reports_what_it_embedded_and_reused(corpus_dir: Path, cli_env: dict[str, str]):
    first = CliRunner().invoke(main, ["build"])
    assert first.exit_code == 0 and "exact search" in first.stdout
    edit_one_cell(corpus_dir)
    second = CliRunner().invoke(main, ["build"])
    assert second.exit_code == 0, second.output
    assert "embedded 1 passages, 1 sentences and 1 words, reused the rest" in second.stdout
    manifest = json.loads((Path(cli_env["MATRIXQA_INDEX_DIR"]) / MANIFEST).read_text())
    assert manifest["embedded"] == {"passages": 1, "sentences": 1, "words": 1}


def test_unchanged_rebuild_embeds_nothing(index_dir: Path, corpus_dir: Path):
    counting = CountingEmbedder()
    manifest = build_index(load_corpus(corpus_dir), counting, index_dir)
    assert counting.texts == [] and manifest["embedded"] == {"passages": 0, "sentences": 0, "words": 0}


def test_another_model_or_a_damaged_index_embeds_everything(index_dir: Path, corpus_dir: Path):
    class OtherModel(CountingEmbedder):
        fingerprint = "other-model"

    other = OtherModel()
    manifest = build_index(load_corpus(corpus_dir), other, index_dir)
    assert manifest["reused"] == {"passages": 0, "sentences": 0, "words": 0}
    assert len(other.texts) == sum(manifest["embedded"].values())

    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    flip_a_byte(index_dir / SENTENCE_VECTORS)
    messages: list[str] = []
    manifest = build_index(load_corpus(corpus_dir), CountingEmbedder(), index_dir, messages.append)
    assert manifest["reused"] == {"passages": 0, "sentences": 0, "words": 0}
    assert any("damaged" in m for m in messages)
    load_index(index_dir, HashingEmbedder(), corpus_dir)  # and the rebuilt index is whole


# Approximate search ---------------------------------------------------------------------------


def test_index_above_the_threshold_is_hnsw_and_agrees_with_exact(
    index_dir: Path, corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    exact = Retriever(load_index(index_dir, HashingEmbedder(), corpus_dir), HashingEmbedder())
    manifest = build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "ann", ann_threshold=10)
    assert manifest["search"]["kind"] == "hnsw" and manifest["passages"] >= 10
    approximate = Retriever(load_index(tmp_path / "ann", HashingEmbedder(), corpus_dir), HashingEmbedder())
    # The tiny corpus is smaller than the candidate pool, where every passage is ranked and FAISS is never asked:
    # a pool of 8 makes the dense candidates come from the HNSW graph, as they do at scale.
    monkeypatch.setattr(evidence, "POOL", 8)
    assert manifest["passages"] > 3 * evidence.POOL
    searched = []
    real_ranked_rows = evidence.ranked_rows
    monkeypatch.setattr(evidence, "ranked_rows", lambda *a, **kw: searched.append(a[0]) or real_ranked_rows(*a, **kw))
    questions = ["supervised consumption of methadone", "zebra stripes in the waiting room", "counsellor empathy"]
    for question in questions:
        assert [h.passage.id for h in approximate.search(question, 5).hits] == [
            h.passage.id for h in exact.search(question, 5).hits
        ]
    assert any(isinstance(index, faiss.IndexHNSW) for index in searched)
    # And the graph finds the exact nearest passages on its own.
    for question in questions:
        vector = approximate.embedder.embed([question])[0]
        _, rows = ranked_rows(approximate.index.passage_index, vector, evidence.POOL)
        _, exact_rows = ranked_rows(exact.index.passage_index, vector, evidence.POOL)
        assert list(rows) == list(exact_rows)
    # A filtered search must reach every admissible passage, which an HNSW walk alone does not promise.
    only_d4 = Filters(cells=frozenset({"D4"}))
    assert [h.passage.id for h in approximate.search(questions[0], 50, only_d4).hits] == [
        h.passage.id for h in exact.search(questions[0], 50, only_d4).hits
    ]


def test_below_the_threshold_the_index_stays_exact(index_dir: Path):
    assert json.loads((index_dir / MANIFEST).read_text())["search"] == {"kind": "exact"}


# Start-up -------------------------------------------------------------------------------------


def test_importing_the_app_and_cli_loads_no_model_library():
    code = (
        "import sys, matrixqa.server.app, matrixqa.cli, matrixqa.server.reload; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
