"""The helpdesk surfaces against /api/ask: the same questions through /api/ask, the MCP tool `ask` and the Slack app.

    PYTHONPATH=src python bench/helpdesk.py --runs 5            # on an idle machine (a few minutes)
    PYTHONPATH=src python bench/helpdesk.py --runs 1 --limit 3  # a smoke run

One `matrixqa serve` on loopback (rate limit off, its question log in a scratch folder) answers /api/ask and
the MCP tool `ask` over streamable HTTP at /mcp, through the SDK's own client. The Slack app's handler runs in
this process over the same index and model (the settings of the environment, as the server reads them),
posting its reply to a fake Slack API on loopback: the time from the event to Slack's acknowledgement of the
reply. Each run asks every question once per surface after one warm-up round; a run's figure is its median,
and the report gives the median of the runs' medians and each surface's difference from /api/ask.
Progress goes to stderr; the table (or the figures as JSON, with --json) to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from measure import DEFAULT_QUESTIONS, ROOT, Client, Server, load_questions, ms, say
from slack_sdk import WebClient

from matrixqa.server.app import live_answerer
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.slack import SlackBot, SlackHelpdesk
from matrixqa.settings import load_config
from matrixqa.startup import keep_model_offline, limit_blas_threads

OWN_QUESTIONS = ROOT / "eval" / "more_questions.jsonl"
SURFACES = ("api_ask", "mcp_ask", "mcp_ask_wire", "slack")


class FakeSlack(BaseHTTPRequestHandler):
    """Slack's Web API as far as the app uses it here: every call read and answered `ok`."""

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "channel": "C1", "ts": "2.0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def fake_slack():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSlack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def timed_api(base: str, questions: list[str]) -> list[float]:
    client = Client(base)
    times = []
    for question in questions:
        seconds, status = client.timed("/api/ask", {"question": question})
        if status != 200:
            raise SystemExit(f"/api/ask answered {status}")
        times.append(seconds)
    client.close()
    return times


def timed_mcp(base: str, questions: list[str]) -> list[float]:
    async def run() -> list[float]:
        times = []
        async with streamable_http_client(f"{base}/mcp") as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            for question in questions:
                started = time.perf_counter()
                result = await session.call_tool("ask", {"question": question})
                times.append(time.perf_counter() - started)
                if result.is_error:
                    raise SystemExit(f"the MCP tool ask failed: {result.content[0].text}")
        return times

    return anyio.run(run)


def timed_mcp_wire(base: str, questions: list[str]) -> list[float]:
    """The tool call as JSON-RPC over one kept-alive connection: what the server adds, without the SDK client's own
    work (it validates every result against the tool's output schema)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    times = []
    for n, question in enumerate(questions):
        call = {
            "jsonrpc": "2.0",
            "id": n,
            "method": "tools/call",
            "params": {"name": "ask", "arguments": {"question": question}},
        }
        started = time.perf_counter()
        connection.request("POST", "/mcp", body=json.dumps(call).encode(), headers=headers)
        response = connection.getresponse()
        body = response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200 or json.loads(body).get("result", {}).get("isError", True):
            raise SystemExit(f"the MCP tool ask over the wire answered {response.status}: {body[:200]!r}")
    connection.close()
    return times


def timed_slack(helpdesk: SlackHelpdesk, client: WebClient, questions: list[str]) -> list[float]:
    times = []
    for n, question in enumerate(questions):
        event = {"type": "app_mention", "text": f"<@UBOT> {question}", "ts": f"{n}.0", "channel": "C1"}
        started = time.perf_counter()
        helpdesk.answer_in_thread(event, client, SlackBot("UBOT", "BBOT"))
        times.append(time.perf_counter() - started)
    return times


def measure(runs: int, questions: list[str], scratch: Path) -> dict:
    """Each surface's median per run, after a warm-up round of every surface."""
    server = Server({"MATRIXQA_RATE_LIMIT": "off", "MATRIXQA_LOG_DB": str(scratch / "served.sqlite3")})
    try:
        say(f"ready in {server.wait_ready():.1f} s: {server.base}")
        say("loading the index in this process for the Slack handler")
        config = load_config(log_db=scratch / "slack.sqlite3")
        live = live_answerer(config)
        limit_blas_threads()
        helpdesk = SlackHelpdesk(live.current, QuestionLog.of(config))
        with fake_slack() as api_url:
            slack = WebClient(token="xoxb-bench", base_url=api_url)
            surfaces: dict[str, Callable[[list[str]], list[float]]] = {
                "api_ask": lambda qs: timed_api(server.base, qs),
                "mcp_ask": lambda qs: timed_mcp(server.base, qs),
                "mcp_ask_wire": lambda qs: timed_mcp_wire(server.base, qs),
                "slack": lambda qs: timed_slack(helpdesk, slack, qs),
            }
            for timed in surfaces.values():
                timed(questions)  # warm every code path once
            medians: dict[str, list[float]] = {name: [] for name in SURFACES}
            for run in range(1, runs + 1):
                for name, timed in surfaces.items():
                    medians[name].append(ms(statistics.median(timed(questions))))
                say(f"run {run}/{runs}: " + ", ".join(f"{n} {v[-1]} ms" for n, v in medians.items()))
    finally:
        server.stop()
    return medians


def report(medians: dict[str, list[float]], questions: int) -> dict:
    overall = {name: round(statistics.median(values), 1) for name, values in medians.items()}
    return {
        "questions": questions,
        "runs": len(medians["api_ask"]),
        "median_ms": overall,
        "minus_api_ask_ms": {name: round(overall[name] - overall["api_ask"], 1) for name in SURFACES[1:]},
        "run_medians_ms": medians,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs; the figure is the median of their medians.")
    parser.add_argument("--questions", type=Path, help="Question file (default: the dev set, else the project's).")
    parser.add_argument("--limit", type=int, default=40, help="Ask at most this many of its questions.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    keep_model_offline()
    path = args.questions or (DEFAULT_QUESTIONS if DEFAULT_QUESTIONS.exists() else OWN_QUESTIONS)
    questions = load_questions(path)[: args.limit]
    say(f"{len(questions)} questions from {path}, {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="matrixqa-helpdesk-") as scratch:
        figures = report(measure(args.runs, questions, Path(scratch)), len(questions))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print("| surface | median of run medians (ms) | minus /api/ask (ms) |\n|---|---|---|")
    for name in SURFACES:
        print(f"| {name} | {figures['median_ms'][name]} | {figures['minus_api_ask_ms'].get(name, 0.0)} |")


if __name__ == "__main__":
    sys.exit(main())
