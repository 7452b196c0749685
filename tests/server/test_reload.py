"""A running server picks up a rebuilt index without dropping or mixing requests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from matrixqa.errors import MatrixQAError
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import PASSAGE_VECTORS, build_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.server import app as app_module
from matrixqa.server.app import create_app
from matrixqa.settings import PROJECT_ROOT, load_config

from ..conftest import reserved_port

CLIENTS = 8
MAX_REQUESTS_PER_CLIENT = 500
DEADLINE = 60  # seconds; the clients are bounded in count and time
# Bounds, not measures: on a loaded 2-core machine the server took 12 s of the former 30 to start and a reload
# under the clients' load 4.6 s of the former 10.
START_SECONDS = 120.0
WAIT_SECONDS = 60.0


@pytest.fixture
def server(corpus_dir: Path, index_dir: Path, tmp_path: Path):
    """`matrixqa serve` on a loopback port, looking for a rebuilt index every 50 ms; yields its base URL."""
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "MATRIXQA_CORPUS_DIR": str(corpus_dir),
        "MATRIXQA_INDEX_DIR": str(index_dir),
        "MATRIXQA_MODEL": "hashing",
        "MATRIXQA_RELOAD_SECONDS": "0.05",
        "MATRIXQA_RATE_LIMIT": "off",  # many requests from one address on purpose
        "MATRIXQA_LOG_DB": str(index_dir.parent / "questions.sqlite3"),
    }
    log = tmp_path / "server.log"
    with reserved_port() as port:  # held until the server has stopped: no other socket takes it meanwhile
        with open(log, "w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "matrixqa", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=output,
                stderr=output,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            assert wait_for(lambda: _up(base), START_SECONDS), f"the server did not start: {log.read_text()}"
            yield base
        finally:
            process.terminate()
            process.wait(10)


def _up(base: str) -> bool:
    try:
        return call(base, "/api/health")[0] == 200
    except OSError:
        return False


def call(base: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def passages_served(base: str) -> int:
    return call(base, "/api/health")[1]["passages"]


def wait_for(predicate, seconds: float = WAIT_SECONDS) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_rebuilds_are_served_without_failing_a_request(server, corpus_dir: Path, index_dir: Path):
    base = server
    before = passages_served(base)
    stop = threading.Event()
    end = time.monotonic() + DEADLINE

    def client(number: int) -> Counter:
        outcomes: Counter = Counter()
        for i in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set() or time.monotonic() > end:
                break
            path = "/api/ask" if (number + i) % 2 else "/api/search"
            outcomes[call(base, path, {"question": "supervised methadone consumption and trust"})[0]] += 1
        return outcomes

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, n) for n in range(CLIENTS)]
        for _ in range(3):  # rebuild back and forth while the clients are asking
            (corpus_dir / "alcohol-D4.txt").rename(corpus_dir.parent / "alcohol-D4.txt")
            build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
            assert wait_for(lambda: passages_served(base) < before)
            (corpus_dir.parent / "alcohol-D4.txt").rename(corpus_dir / "alcohol-D4.txt")
            build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
            assert wait_for(lambda: passages_served(base) == before)
        stop.set()
        outcomes = sum((f.result() for f in futures), Counter())

    assert outcomes[200] > CLIENTS and set(outcomes) == {200}, outcomes


def test_a_broken_rebuild_keeps_the_previous_index_in_service(server, corpus_dir: Path, index_dir: Path, tmp_path):
    base = server
    before = call(base, "/api/search", {"question": "methadone"})[1]
    broken = index_dir.parent / "broken"
    shutil.copytree(index_dir, broken)
    (broken / PASSAGE_VECTORS).write_bytes(b"\0" * 64)
    shutil.rmtree(index_dir)
    broken.rename(index_dir)  # a new manifest over a damaged file
    log = tmp_path / "server.log"
    # Requests notice the new manifest; the server tries it, refuses it, and says so.
    assert wait_for(lambda: call(base, "/api/health") and "still serving the previous one" in log.read_text())
    status, after = call(base, "/api/search", {"question": "methadone"})
    assert status == 200 and after == before

    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)  # a good build is then picked up
    (corpus_dir / "alcohol-D4.txt").unlink()
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    assert wait_for(lambda: {c.split(" cell ")[1][:2] for c in call(base, "/api/health")[1]["cells"]} == {"B3"})


def test_reloading_reuses_the_loaded_model(corpus_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch):
    loads = []

    def counting_load(model: str, *backend_and_cache):
        loads.append(model)
        return HashingEmbedder()

    monkeypatch.setattr(app_module, "load_embedder", counting_load)
    config = load_config(corpus_dir=corpus_dir, index_dir=index_dir, model="hashing", reload_seconds=0.01)
    client = create_app(config).test_client()
    before = client.get("/api/health").get_json()["passages"]
    (corpus_dir / "alcohol-D4.txt").unlink()
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    assert wait_for(lambda: client.get("/api/health").get_json()["passages"] < before)
    assert loads == ["hashing"]


def test_a_reloaded_index_brings_its_own_suggestions(corpus_dir: Path, index_dir: Path):
    config = load_config(corpus_dir=corpus_dir, index_dir=index_dir, model="hashing", reload_seconds=0.01)
    app = create_app(config)
    live, client = app.extensions["matrixqa"], app.test_client()
    assert any(c.cell.code == "D4" for c in live.current().suggestions.candidates)
    before = client.get("/api/health").get_json()["passages"]
    (corpus_dir / "alcohol-D4.txt").unlink()
    build_index(load_corpus(corpus_dir), HashingEmbedder(), index_dir)
    assert wait_for(lambda: client.get("/api/health").get_json()["passages"] < before)
    suggestions = live.current().suggestions
    assert suggestions.candidates and not any(c.cell.code == "D4" for c in suggestions.candidates)


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_reload_interval_must_be_seconds(value: str, monkeypatch):
    monkeypatch.setenv("MATRIXQA_RELOAD_SECONDS", value)
    with pytest.raises(MatrixQAError, match=f"^MATRIXQA_RELOAD_SECONDS: .*, not '{value}'$"):
        load_config()
