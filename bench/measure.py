"""Timing, memory and HTTP helpers shared by the benchmark scripts (run by hand, never by pytest)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def say(message: str) -> None:
    """Progress goes to stderr, so the table on stdout stays clean."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Current and peak resident memory of a process, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_rss_mb": fields.get("VmHWM", 0.0)}


def load_questions(path: Path) -> list[str]:
    if not path.exists():
        raise SystemExit(f"no dev questions at {path}: pass --questions <dev_questions.jsonl>")
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """One keep-alive HTTP connection to the server under test (loopback only)."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        url = urllib.parse.urlsplit(base)
        if url.hostname not in LOOPBACK:
            raise SystemExit(f"refusing to load {base}: the benchmark only talks to loopback addresses")
        self.host, self.port, self.timeout = url.hostname, url.port or 80, timeout
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in (1, 2):  # a kept-alive connection the server closed is reopened once
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed(self, path: str, body: dict) -> tuple[float, int]:
        started = time.perf_counter()
        status, _ = self.request("POST", path, body)
        return time.perf_counter() - started, status

    def close(self) -> None:
        self.connection.close()


class Server:
    """`python -m matrixqa serve` (or `command`) in a subprocess on a free loopback port.

    Its stderr goes to a temporary file, not a pipe: under load waitress logs a line per queued request
    ("Task queue depth is 16"), and a pipe nobody reads fills at 64 KB and stops the server mid-run."""

    def __init__(self, env: dict[str, str], threads: int | None = None, command: list[str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "PYTHONPATH": str(SRC), **env, "MATRIXQA_PORT": str(self.port)}
        if threads:
            full_env["MATRIXQA_THREADS"] = str(threads)
        self.started = time.perf_counter()
        self.stderr = tempfile.TemporaryFile(mode="w+")
        serve = [sys.executable, "-m", "matrixqa", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command or serve, env=full_env, stdout=subprocess.DEVNULL, stderr=self.stderr)

    def errors(self) -> str:
        """What the server wrote to stderr so far."""
        self.stderr.seek(0)
        return self.stderr.read()

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds from start until /api/health answers 200."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited: {self.errors()}")
            try:
                client = Client(self.base, timeout=2)
                status, _ = client.request("GET", "/api/health")
                client.close()
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"the server was not ready within {timeout} s")

    def memory(self) -> dict[str, float]:
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()
