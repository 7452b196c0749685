"""Fetching pages politely from a local test server: User-Agent, cache, refresh, pause, one-line errors."""

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from matrixqa.errors import FetchError
from matrixqa.ingest.fetch import USER_AGENT, Fetcher, page_address

PAGE = "<html><head><title>A page</title></head><body><p>Caf\u00e9 text</p></body></html>"


def fetcher(tmp_path: Path, pause: float = 0, **clock) -> Fetcher:
    return Fetcher(tmp_path / "cache", pause=pause, timeout=5, **clock)


def test_the_tracking_parameters_go_and_the_short_form_becomes_file():
    url = "https://findings.org.uk/PHP/dl.php?f=Matrix/Drugs/B3.htm&s=eb&sf=rel"
    assert page_address(url) == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm"
    opened = "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm&format=open"
    assert page_address(opened) == opened
    assert page_address(opened, keep_view=False) == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm"
    assert page_address("http://127.0.0.1:8000/page.html#top") == "http://127.0.0.1:8000/page.html"


def test_a_page_is_fetched_once_with_a_clear_user_agent_then_read_from_the_cache(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/PHP/dl.php").respond_with_data(PAGE.encode("cp1252"), content_type="text/html")
    url = httpserver.url_for("/PHP/dl.php") + "?file=Matrix/Drugs/B3.htm&s=eb"
    with fetcher(tmp_path) as client:
        first = client.fetch(url)
        second = client.fetch(url.replace("&s=eb", "&sf=rel"))
        assert (first.from_cache, second.from_cache) == (False, True)
        assert first.text == second.text and "Café text" in first.text  # no charset declared: not UTF-8, so cp1252
        assert len(httpserver.log) == 1
        assert httpserver.log[0][0].headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("matrixqa/")
        again = client.fetch(url, refresh=True)
    assert not again.from_cache and len(httpserver.log) == 2
    with fetcher(tmp_path) as later:  # the cache outlives the process
        assert later.fetch(url).from_cache


def test_requests_wait_out_the_pause_between_them(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/b").respond_with_data(PAGE, content_type="text/html")
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with fetcher(tmp_path, pause=2.0, clock=lambda: now[0], sleep=sleep) as client:
        client.fetch(httpserver.url_for("/a"))
        now[0] += 0.5
        client.fetch(httpserver.url_for("/b"))
        client.fetch(httpserver.url_for("/a"))  # from the cache: no request, no wait
    assert waits == [1.5]


def test_an_error_answer_is_one_line(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with fetcher(tmp_path) as client, pytest.raises(FetchError, match="answered HTTP 404") as error:
        client.fetch(httpserver.url_for("/gone"))
    assert "\n" not in str(error.value)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_a_network_failure_is_one_line(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with fetcher(tmp_path) as client, pytest.raises(FetchError, match="could not be fetched") as error:
        client.fetch(f"http://127.0.0.1:{port}/page.html")
    assert "\n" not in str(error.value)
