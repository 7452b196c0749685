"""Safe defaults: security headers on every response, body and question limits, the rate limit, no debug mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from matrixqa.cli import main
from matrixqa.errors import MatrixQAError
from matrixqa.search.retrieve import Retriever
from matrixqa.server import ratelimit
from matrixqa.server.app import create_app
from matrixqa.server.ratelimit import Rate, RateLimiter, parse_rate
from matrixqa.settings import load_config

from ..conftest import reserved_port

TOKEN = "correct-horse-battery-staple-42"
SRC = Path(__file__).resolve().parents[2] / "src"
TOO_BIG = {"question": "x", "padding": "y" * (65 * 1024)}


def assert_safe_headers(headers) -> None:
    policy = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def guarded(config):
    return create_app(config.model_copy(update=dict(admin_token=TOKEN, rate_limit="3/minute"))).test_client()


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("GET", "/api/health", None, 200),
        ("POST", "/api/ask", {"question": "Do zebra stripes calm the waiting room?"}, 200),
        ("POST", "/api/search", {"question": "zebra"}, 200),
        ("POST", "/api/ask", {"question": ""}, 400),
        ("POST", "/api/feedback", {"id": "unknown", "helpful": True}, 404),
        ("POST", "/api/ask", TOO_BIG, 413),
        ("GET", "/api/ask", None, 405),
        ("GET", "/api/nowhere", None, 404),
        ("GET", "/nowhere", None, 404),
        ("GET", "/static/admin.css", None, 200),
        ("GET", "/static/admin.js", None, 200),
        ("GET", "/static/missing.js", None, 404),
        ("GET", "/admin", None, 200),
        ("GET", "/api/admin/questions", None, 401),
    ],
)
def test_every_response_carries_the_security_headers(guarded, method, path, body, status):
    response = guarded.open(path, method=method, json=body)
    assert response.status_code == status
    assert_safe_headers(response.headers)
    if path.startswith("/api/"):
        assert response.is_json and response.headers["Cache-Control"] == "no-store"


def test_an_unexpected_error_is_json_with_the_headers(config):
    class Broken(Retriever):
        def search(self, *args, **kwargs):
            raise RuntimeError("disk on fire at /secret/path")

    working = create_app(config).extensions["matrixqa"].current().retriever
    broken = Broken(working.index, working.embedder)
    response = create_app(config, retriever=broken).test_client().post("/api/ask", json={"question": "anything"})
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert response.get_json()["error"].startswith("internal error")
    assert_safe_headers(response.headers)


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/api/feedback"])
def test_a_body_over_64_kib_is_a_json_413(client, path):
    response = client.post(path, json=TOO_BIG)
    assert response.status_code == 413
    assert response.get_json() == {"error": "the request body is too large: send at most 64 KiB"}


def test_a_body_just_under_the_limit_is_read(client):
    earlier = {"question": "What calms a waiting room?", "answer": "y" * (60 * 1024)}
    body = {"question": "Do zebra stripes calm the waiting room?", "history": [earlier]}
    assert client.post("/api/ask", json=body).status_code == 200


def test_a_question_over_the_length_limit_is_a_clear_400(client):
    response = client.post("/api/ask", json={"question": "why " * 300})
    assert response.status_code == 400
    assert "too long" in response.get_json()["error"]


def test_the_rate_limit_answers_429_with_retry_after(guarded):
    for _ in range(3):
        assert guarded.post("/api/search", json={"question": "zebra"}).status_code == 200
    for path in ("/api/ask", "/api/search"):  # one allowance for both endpoints
        response = guarded.post(path, json={"question": "zebra"})
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 20  # 3/minute: one request back every 20 s
        assert "too many questions" in response.get_json()["error"]
        assert_safe_headers(response.headers)
    assert guarded.get("/api/health").status_code == 200  # other endpoints are not limited
    other = guarded.post("/api/search", json={"question": "zebra"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200  # the limit is per client


def test_the_default_limit_is_30_a_minute(tmp_path, corpus_dir, index_dir):
    config = load_config(corpus_dir=corpus_dir, index_dir=index_dir, model="hashing", log_db=tmp_path / "l.db")
    client = create_app(config).test_client()
    statuses = [client.post("/api/search", json={"question": "zebra"}).status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]


def test_rate_limit_off(config):
    client = create_app(config.model_copy(update=dict(rate_limit="off"))).test_client()
    assert {client.post("/api/search", json={"question": "zebra"}).status_code for _ in range(40)} == {200}


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(config):
    def statuses(client, forwarded_for: list[str]) -> list[int]:
        return [
            client.post("/api/search", json={"question": "zebra"}, headers={"X-Forwarded-For": f}).status_code
            for f in forwarded_for
        ]

    clients = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    direct = create_app(config.model_copy(update=dict(rate_limit="2/minute"))).test_client()
    assert statuses(direct, clients) == [200, 200, 429]  # a forged header does not buy a new allowance

    proxied = create_app(config.model_copy(update=dict(rate_limit="2/minute", trusted_proxies=1))).test_client()
    assert statuses(proxied, clients * 2) == [200] * 6  # behind the proxy each real client has its own
    assert statuses(proxied, clients[:1]) == [429]


def test_the_limiter_gives_requests_back_over_time():
    now = [1000.0]
    limiter = RateLimiter(Rate(2, 60.0), clock=lambda: now[0])
    assert limiter.wait("a") == 0 and limiter.wait("a") == 0
    assert limiter.wait("a") == pytest.approx(30.0)
    now[0] += 29.0
    assert limiter.wait("a") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.wait("a") == 0
    assert limiter.wait("b") == 0  # another client is untouched
    now[0] += 3600
    assert [limiter.wait("a") for _ in range(3)][:2] == [0, 0]  # a long pause never banks more than the allowance
    assert limiter.wait("a") > 0


def test_the_limiter_forgets_idle_clients(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 5)
    now = [0.0]
    limiter = RateLimiter(Rate(1, 1.0), clock=lambda: now[0])
    for n in range(50):
        now[0] += 2.0
        limiter.wait(f"client-{n}")
    assert len(limiter._buckets) <= 6


@pytest.mark.parametrize(
    "text, rate",
    [("30/minute", Rate(30, 60.0)), ("1/second", Rate(1, 1.0)), (" 500 / hours", Rate(500, 3600.0)), ("off", None)],
)
def test_rate_settings(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["30", "0/minute", "thirty/minute", "30/fortnight", "-1/second", ""])
def test_bad_rate_settings_are_refused(text, config):
    with pytest.raises(MatrixQAError, match="MATRIXQA_RATE_LIMIT"):
        create_app(config.model_copy(update=dict(rate_limit=text)))


def test_defaults_are_the_safe_ones():
    config = load_config()
    assert config.host == "127.0.0.1"
    assert config.rate_limit == "30/minute" and config.trusted_proxies == 0
    assert config.admin_token == "" and config.log_enabled


def test_flask_debug_in_the_environment_is_ignored(config, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(config)
    assert app.debug is False


def test_serve_has_no_debug_switch():
    result = CliRunner().invoke(main, ["serve", "--debug"])
    assert result.exit_code == 2 and "No such option" in result.output


def _request(url: str, body: bytes | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_served_app_binds_loopback_and_keeps_the_defaults(corpus_dir, index_dir, tmp_path):
    with reserved_port() as port:  # held until the server has stopped: no other socket takes it meanwhile
        env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "MATRIXQA_CORPUS_DIR": str(corpus_dir),
            "MATRIXQA_INDEX_DIR": str(index_dir),
            "MATRIXQA_MODEL": "hashing",
            "MATRIXQA_LOG_DB": str(tmp_path / "served.sqlite3"),
            "MATRIXQA_RATE_LIMIT": "2/hour",
            "MATRIXQA_PORT": str(port),
            "FLASK_DEBUG": "1",
        }
        env.pop("MATRIXQA_HOST", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "matrixqa", "serve"], env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path
        )
        try:
            banner = next(line for line in server.stderr if "ready in" in line)
            assert f"http://127.0.0.1:{port}/" in banner
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    status, headers, _ = _request(f"{base}/api/health")
                    break
                except OSError:
                    time.sleep(0.1)
            assert status == 200
            assert_safe_headers(headers)

            status, headers, body = _request(f"{base}/api/feedback", json.dumps(TOO_BIG).encode())
            assert status == 413 and "64 KiB" in body["error"]
            search = json.dumps({"question": "zebra"}).encode()
            assert [_request(f"{base}/api/search", search)[0] for _ in range(2)] == [200, 200]
            status, headers, body = _request(f"{base}/api/search", search)
            assert status == 429 and 1 <= int(headers["Retry-After"]) <= 1800
            assert_safe_headers(headers)
        finally:
            server.terminate()
            server.wait(timeout=30)
