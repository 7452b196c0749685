"""The test servers themselves: a port no other socket can take, and a stop that leaves no thread of theirs behind."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from ..conftest import LiveServer, live_server, reserved_port


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


def test_a_wake_up_pipe_closed_under_its_server_fails_the_stop_and_is_never_written():
    """The fault planted: other code closes the trigger's descriptor and the number is opened again for another file.
    The stop must not write to that file; it fails, naming the cause."""
    server = LiveServer(hello)
    number = server.server.trigger.trigger
    original = os.dup(number)  # the pipe's write end kept open elsewhere, so its loop sees no end of file meanwhile
    other_read, other_write = os.pipe()
    os.dup2(other_write, number)  # the number now stands for another file
    try:
        named = rf"wake-up pipe \(descriptor {number}\) was closed by other code"
        with pytest.raises(pytest.fail.Exception, match=named):
            server.stop(seconds=5)
        os.set_blocking(other_read, False)
        with pytest.raises(BlockingIOError):
            os.read(other_read, 1)  # nothing was written to the other file
    finally:
        os.dup2(original, number)  # the pipe back at its number: the server stops as any other
        for descriptor in (original, other_read, other_write):
            os.close(descriptor)
    server.stop()
    assert not server.thread.is_alive()


def test_a_reserved_port_is_taken_by_no_other_socket_but_the_server_it_is_for():
    with reserved_port() as port:
        with socket.socket() as other, pytest.raises(OSError) as refused:
            other.bind(("127.0.0.1", port))
        assert refused.value.errno == errno.EADDRINUSE
        for _ in range(200):  # the system's own choice of a free port skips it
            with socket.socket() as chosen:
                chosen.bind(("127.0.0.1", 0))
                assert chosen.getsockname()[1] != port
        # A server in another process, binding with SO_REUSEADDR as waitress does, binds and listens on it.
        child = (
            "from waitress import create_server; "
            f"server = create_server(lambda environ, start: [], host='127.0.0.1', port={port}); "
            "print(server.effective_port)"
        )
        served = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
        assert served.returncode == 0 and served.stdout.strip() == str(port), served.stderr
