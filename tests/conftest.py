"""Shared fixtures: a tiny corpus and a hashing-embedder index for most tests; the real model for a few."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from waitress import create_server, wasyncore

from matrixqa.answer.compose import Answerer
from matrixqa.index.embed import HashingEmbedder, load_embedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Retriever
from matrixqa.server.app import create_app
from matrixqa.settings import PROJECT_ROOT, load_config
from matrixqa.startup import keep_model_offline

CHROMIUM = "/usr/bin/chromium"
REAL_CORPUS = PROJECT_ROOT / "corpus"
REAL_INDEX = PROJECT_ROOT / "embeddings"
FAKE_CELL = Path(__file__).parent / "data" / "alcohol-D4.txt"
EVAL_QUESTIONS = PROJECT_ROOT / "eval" / "more_questions.jsonl"  # the project's own set: a bare clone has it
# The shared dev set beside the checkout, used as well when present (a bare clone has no ../shared).
DEV_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
QUESTION_SETS = [EVAL_QUESTIONS, *([DEV_QUESTIONS] if DEV_QUESTIONS.exists() else [])]


@pytest.fixture(scope="session", autouse=True)
def no_matrixqa_variables() -> Iterator[None]:
    """Settings come from defaults and each test's overrides, never from the developer's MATRIXQA_* variables."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("MATRIXQA_")]:
            patch.delenv(name)
        yield


@pytest.fixture(scope="session", autouse=True)
def models_offline() -> None:
    """The test process loads the model as the CLI does: from local files, quietly."""
    keep_model_offline()


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """The real B3 cell with its metadata, and the fake test cell."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in REAL_CORPUS.iterdir():
        shutil.copy(path, folder / path.name)
    shutil.copy(FAKE_CELL, folder / FAKE_CELL.name)
    return folder


@pytest.fixture
def index_dir(tmp_path: Path, corpus_dir: Path) -> Path:
    folder = tmp_path / "index"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    return folder


@pytest.fixture
def config(tmp_path: Path, corpus_dir: Path, index_dir: Path):
    # Tests of other areas must not trip over the per-client rate limit; tests/test_safety.py tests it.
    return load_config(
        corpus_dir=corpus_dir,
        index_dir=index_dir,
        model="hashing",
        log_db=tmp_path / "instance" / "questions.sqlite3",
        rate_limit="off",
    )


@pytest.fixture
def retriever(index_dir: Path, corpus_dir: Path) -> Retriever:
    embedder = HashingEmbedder()
    return Retriever(load_index(index_dir, embedder, corpus_dir), embedder)


@pytest.fixture
def answerer(retriever: Retriever) -> Answerer:
    return Answerer(retriever)


@pytest.fixture
def app(config):
    return create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_env(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "MATRIXQA_CORPUS_DIR": str(corpus_dir),
        "MATRIXQA_INDEX_DIR": str(tmp_path / "cli-index"),
        "MATRIXQA_MODEL": "hashing",
        "MATRIXQA_LOG_DB": str(tmp_path / "cli-instance" / "questions.sqlite3"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this session keeps the ONNX export of the real model (made once, by the first test that needs it)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path):
    """The real all-MiniLM-L6-v2 model on the default backend, ONNX Runtime."""
    return load_embedder("all-MiniLM-L6-v2", "onnx", model_cache)


@pytest.fixture(scope="session")
def real_retriever(real_embedder) -> Retriever:
    """The committed index of the bundled corpus, with the real all-MiniLM-L6-v2 model."""
    return Retriever(load_index(REAL_INDEX, real_embedder, REAL_CORPUS), real_embedder)


@pytest.fixture(scope="session")
def real_client(real_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory):
    log_db = tmp_path_factory.mktemp("instance") / "questions.sqlite3"
    config = load_config(corpus_dir=REAL_CORPUS, index_dir=REAL_INDEX, log_db=log_db, rate_limit="off")
    return create_app(config, retriever=real_retriever).test_client()


# How long stopping a test server may take before the test fails: room for a loaded 2-core machine, where a
# request thread may wait seconds for a core. A bound, not a measure.
STOP_SECONDS = 30.0


class LiveServer:
    """A WSGI app served by waitress on an ephemeral loopback port, in a background thread.

    waitress binds port 0 itself and listens before `url` is known, so no other socket can take the port and a
    first request waits in the backlog until the loop runs. `stop` ends every thread the server started, or
    fails the test: a request thread still running after the sockets are closed pulls the trigger by its raw
    descriptor number, which the next test's server, index or log may hold by then.
    """

    def __init__(self, wsgi_app) -> None:
        self.server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.wake = descriptor_identity(self.server.trigger.trigger)
        self.thread = threading.Thread(target=self.server.run, name=f"live-server-{self.server.effective_port}")
        self.thread.daemon = True
        self.thread.start()

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        workers = self.server.task_dispatcher
        # The request threads first: requests being served are waited for, those not started are cancelled.
        workers.shutdown(timeout=seconds)
        if workers.threads:
            # Left open (sockets, trigger, loop), so the thread writes to nothing the process opens later.
            pytest.fail(f"a request was still being served {seconds:g} s after its test; its server is left open")
        # The loop is woken through the trigger's raw descriptor. Should other code have closed that number, whatever
        # holds it now is not written to: the test fails, naming the cause.
        if descriptor_identity(self.server.trigger.trigger) != self.wake:
            number = self.server.trigger.trigger
            pytest.fail(f"the test server's wake-up pipe (descriptor {number}) was closed by other code; left open")
        # Closed from its own loop, so the loop never waits on a socket closed under it (EBADF in select).
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.thread.join(timeout=seconds)
        if self.thread.is_alive():
            pytest.fail(f"the test server's loop did not stop within {seconds:g} s")


def descriptor_identity(number: int) -> tuple[int, int] | None:
    """The file a descriptor number stands for (device and inode), or None when the number is not open."""
    try:
        found = os.fstat(number)
    except OSError:
        return None
    return found.st_dev, found.st_ino


@contextmanager
def live_server(wsgi_app) -> Iterator[str]:
    """Serve a WSGI app on an ephemeral loopback port (LiveServer) for the block; yield its base URL."""
    server = LiveServer(wsgi_app)
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def reserved_port() -> Iterator[int]:
    """A free loopback port for a server started in another process, held for the block.

    Choosing a free port and closing it leaves it to anyone until the child binds it: the system hands it out
    again to an outgoing connection or another server. This socket keeps it bound (SO_REUSEADDR, never
    listening) instead: the system then skips it, a plain bind is refused, and the child, binding with
    SO_REUSEADDR as waitress does, can still bind and listen on it.
    """
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def launch(playwright):
    """Debian's Chromium, never a browser downloaded by Playwright."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's local server binds loopback only, on a free port."""
    return ("127.0.0.1", 0)
