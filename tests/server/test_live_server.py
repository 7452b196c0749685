"""The test server itself: listening before its URL is handed out, and a stop that leaves no thread of it behind."""

from __future__ import annotations

import threading
import urllib.request

import pytest

from ..conftest import LiveServer, live_server


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def server_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(("waitress-", "live-server-"))}


def test_a_live_server_answers_at_once_and_leaves_no_thread_behind():
    before = server_threads()
    with live_server(hello) as url:
        assert fetch(url) == (200, b"hello")  # listening before the URL is handed out
    assert server_threads() == before


def test_a_request_still_being_served_fails_the_stop_and_is_not_cut_off():
    """The race planted: a request in flight when its test ends. Its server is not closed under it (the thread
    would then write to descriptor numbers the next test holds); the test fails instead."""
    entered, release = threading.Event(), threading.Event()
    answered: list[tuple[int, bytes]] = []

    def slow(environ, start_response):
        entered.set()
        release.wait(30)
        return hello(environ, start_response)

    server = LiveServer(slow)
    client = threading.Thread(target=lambda: answered.append(fetch(server.url)))
    client.start()
    try:
        assert entered.wait(30)
        with pytest.raises(pytest.fail.Exception, match="still being served 0.5 s after its test"):
            server.stop(seconds=0.5)
    finally:
        release.set()
        client.join(30)
    assert answered == [(200, b"hello")]
    server.stop()
    assert not server.thread.is_alive() and not server.server.task_dispatcher.threads
