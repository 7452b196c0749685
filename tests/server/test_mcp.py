"""The MCP server, driven by the official SDK's own client: over stdio (`matrixqa mcp`) and over HTTP (/mcp)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from matrixqa.server.app import create_app
from matrixqa.server.requests import AskRequest, SearchRequest
from matrixqa.server.responses import AnswerResponse, CellsResponse, ContextResponse, SearchResponse

from ..conftest import live_server

ANSWERED = "Why did zebra stripes halve missed appointments?"
NOT_COVERED = "xylophone quantum chromodynamics"
Check = Callable[[ClientSession], Awaitable[None]]


@asynccontextmanager
async def http_session(base_url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(f"{base_url}/mcp") as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def stdio_session(env: dict[str, str]) -> AsyncIterator[ClientSession]:
    server = StdioServerParameters(command=sys.executable, args=["-m", "matrixqa", "mcp"], env=env)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@pytest.fixture
def served(app):
    with live_server(app) as url:
        yield url
    app.extensions["matrixqa_mcp"].close()


def run_client(conversation: Callable[[], Awaitable[None]]) -> None:
    """Run the client's conversation on an event loop of its own thread: a session-wide Playwright browser keeps
    one running in the main thread (tests/browser)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(anyio.run, conversation).result()


def over_http(url: str, *checks: Check) -> None:
    async def run() -> None:
        async with http_session(url) as session:
            for check in checks:
                await check(session)

    run_client(run)


def structured(result: types.CallToolResult) -> dict:
    assert not result.is_error, result.content
    # The same JSON as text, for clients that read only text.
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def tool_error(result: types.CallToolResult) -> str:
    assert result.is_error and result.structured_content is None
    return result.content[0].text


async def lists_the_tools_with_the_apis_schemas(session: ClientSession) -> None:
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert list(tools) == ["ask", "search", "passage", "cells"]
    assert tools["ask"].input_schema == AskRequest.model_json_schema()
    assert tools["search"].input_schema == SearchRequest.model_json_schema()
    assert tools["ask"].output_schema == AnswerResponse.model_json_schema(mode="serialization")
    assert tools["cells"].output_schema == CellsResponse.model_json_schema(mode="serialization")
    assert tools["passage"].input_schema["required"] == ["id"]
    for tool in tools.values():
        assert tool.description and "\n" not in tool.description and tool.annotations.read_only_hint


async def answers_with_verbatim_cited_sentences(session: ClientSession) -> None:
    answer = AnswerResponse.model_validate(structured(await session.call_tool("ask", {"question": ANSWERED})))
    assert answer.answered and answer.citations and answer.answer
    cited = {c.n: c.passage for c in answer.citations}
    marked = re.findall(r"([^\]]+?) \[(\d+)\]", answer.answer)
    assert marked and {int(n) for _, n in marked} == set(cited)
    for sentence, n in marked:
        assert sentence.strip() in cited[int(n)].text
    for passage in cited.values():  # each source with its address and evidence type
        assert passage.links and all(link.url.startswith("https://") for link in passage.links)
        assert passage.kind == "commentary" or passage.study.type in "SKRG"


async def declines_saying_why(session: ClientSession) -> None:
    answer = structured(await session.call_tool("ask", {"question": NOT_COVERED}))
    assert answer["answered"] is False and answer["citations"] == [] and answer["answer"] == ""
    assert "does not cover" in answer["message"] and answer["suggestions"]


async def searches_then_shows_a_passage_in_context(session: ClientSession) -> None:
    found = SearchResponse.model_validate(structured(await session.call_tool("search", {"question": ANSWERED, "k": 3})))
    assert len(found.passages) == 3 and found.relevant
    assert [p.rank for p in found.passages] == [1, 2, 3] and found.passages[0].score >= found.passages[1].score
    first = found.passages[0]
    assert first.cell.url and first.section and first.links
    context = ContextResponse.model_validate(structured(await session.call_tool("passage", {"id": first.id})))
    assert context.id == first.id and context.section == first.section
    assert [p.text for p in context.paragraphs if p.current] == [first.text]


async def lists_the_cells_with_their_addresses(session: ClientSession) -> None:
    cells = CellsResponse.model_validate(structured(await session.call_tool("cells", {}))).cells
    assert {(c.matrix, c.code) for c in cells} == {("Drug Treatment Matrix", "B3"), ("Alcohol Treatment Matrix", "D4")}
    assert all(c.url.startswith("https://") and c.passages > 0 for c in cells)


async def serves_the_cell_pages_as_resources(session: ClientSession) -> None:
    resources = {r.name: r for r in (await session.list_resources()).resources}
    assert set(resources) == {"drug-B3", "alcohol-D4"}
    b3 = resources["drug-B3"]
    assert b3.uri == "matrixqa://cells/drug/B3" and b3.mime_type == "text/markdown"
    page = (await session.read_resource(b3.uri)).contents[0].text
    assert page.startswith("# Drug Treatment Matrix cell B3: ") and "https://findings.org.uk/" in page
    in_b3 = {"question": "supervised dosing", "filters": {"cells": ["B3"]}}
    cited = structured(await session.call_tool("search", in_b3))
    assert all(p["text"] in page for p in cited["passages"])  # the passages verbatim
    with pytest.raises(MCPError, match="no cell page at 'matrixqa://cells/drug/Z9'"):
        await session.read_resource("matrixqa://cells/drug/Z9")


async def bad_arguments_are_tool_errors_saying_what_to_fix(session: ClientSession) -> None:
    assert tool_error(await session.call_tool("ask", {})) == "'question' is required"
    assert "unknown field 'k': send only question, detail, history, filters" in tool_error(
        await session.call_tool("ask", {"question": "urine tests", "k": 3})
    )
    assert "'k'" in tool_error(await session.call_tool("search", {"question": "urine tests", "k": 0}))
    assert "'question' must be a non-empty string" in tool_error(await session.call_tool("search", {"question": " "}))
    assert "unknown filter 'colour'" in tool_error(
        await session.call_tool("ask", {"question": "urine", "filters": {"colour": "red"}})
    )
    assert "no passage with id 'nope'" in tool_error(await session.call_tool("passage", {"id": "nope"}))
    assert tool_error(await session.call_tool("cells", {"x": 1})) == "unknown field 'x': send none"
    with pytest.raises(MCPError, match="no tool named 'answer': use one of ask, search, passage, cells"):
        await session.call_tool("answer", {"question": "urine tests"})
    # The server is still there, answering.
    assert structured(await session.call_tool("ask", {"question": ANSWERED}))["answered"]


CHECKS = [
    lists_the_tools_with_the_apis_schemas,
    answers_with_verbatim_cited_sentences,
    declines_saying_why,
    searches_then_shows_a_passage_in_context,
    lists_the_cells_with_their_addresses,
    serves_the_cell_pages_as_resources,
    bad_arguments_are_tool_errors_saying_what_to_fix,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_over_http(served, check):
    over_http(served, check)


def test_over_stdio_as_a_desktop_assistant_starts_it(cli_env, index_dir, tmp_path):
    # One process for every check: a desktop assistant keeps one for the whole conversation.
    env = {**os.environ, **cli_env, "MATRIXQA_INDEX_DIR": str(index_dir)}

    async def run() -> None:
        async with stdio_session(env) as session:
            for check in CHECKS:
                await check(session)

    run_client(run)
    with sqlite3.connect(cli_env["MATRIXQA_LOG_DB"]) as db:  # asks are logged as /api/ask logs them
        logged = db.execute("SELECT question, answered FROM questions ORDER BY asked_at").fetchall()
    assert (ANSWERED, 1) in logged and (NOT_COVERED, 0) in logged


def test_an_http_ask_is_logged_and_is_the_same_answer_as_api_ask(served, client, config):
    async def ask(session: ClientSession) -> None:
        answer = structured(await session.call_tool("ask", {"question": ANSWERED, "detail": "long"}))
        api = client.post("/api/ask", json={"question": ANSWERED, "detail": "long"}).get_json()
        assert answer["answer"] == api["answer"] and answer["citations"] == api["citations"]
        with sqlite3.connect(config.log_db) as db:
            assert db.execute("SELECT answered FROM questions WHERE id = ?", (answer["id"],)).fetchone() == (1,)

    over_http(served, ask)


def test_mcp_keeps_the_rate_limit_body_limit_and_headers(config):
    app = create_app(config.model_copy(update=dict(rate_limit="3/minute")))
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    try:
        with live_server(app) as url, httpx.Client(base_url=url) as http:
            listed = http.post("/mcp", json=message, headers=headers)
            assert listed.status_code == 200 and listed.json()["result"]["tools"]
            assert (
                listed.headers["X-Frame-Options"] == "DENY"
                and "default-src 'self'" in listed.headers["Content-Security-Policy"]
            )
            assert listed.headers["Cache-Control"] == "no-store"
            body = b"x" * (65 * 1024)
            too_big = http.post("/mcp", content=body, headers={**headers, "Content-Type": "application/json"})
            assert too_big.status_code == 413 and "at most 64 KiB" in too_big.json()["error"]
            http.post("/mcp", json=message, headers=headers)
            limited = http.post("/mcp", json=message, headers=headers)
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
            assert "too many questions" in limited.json()["error"]
    finally:
        app.extensions["matrixqa_mcp"].close()


def test_another_host_is_refused_on_loopback(served):
    # A page on another site resolving its name to 127.0.0.1 (DNS rebinding) must not reach the tools.
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Host": "evil.example:80"}
    refused = httpx.post(f"{served}/mcp", json=message, headers=headers)
    assert refused.status_code in (400, 421) and "tools" not in refused.text


@pytest.mark.model
def test_the_real_model_and_index_answer_and_decline_over_http(real_retriever, tmp_path):
    from matrixqa.settings import load_config

    from ..conftest import REAL_CORPUS, REAL_INDEX

    config = load_config(corpus_dir=REAL_CORPUS, index_dir=REAL_INDEX, log_db=tmp_path / "q.sqlite3", rate_limit="off")
    app = create_app(config, retriever=real_retriever)

    async def conversation(session: ClientSession) -> None:
        result = await session.call_tool("ask", {"question": "does supervised dosing harm relationships?"})
        answer = AnswerResponse.model_validate(structured(result))
        assert answer.answered and {c.passage.cell.code for c in answer.citations} == {"B3"}
        texts = {c.n: c.passage.text for c in answer.citations}
        for sentence, n in re.findall(r"([^\]]+?) \[(\d+)\]", answer.answer):
            assert sentence.strip() in texts[int(n)]
        assert any(re.search("supervis", text, re.I) for text in texts.values())
        declined = structured(await session.call_tool("ask", {"question": "How does naloxone reverse an overdose?"}))
        assert declined["answered"] is False and declined["citations"] == [] and declined["message"]

    try:
        with live_server(app) as url:
            over_http(url, conversation)
    finally:
        app.extensions["matrixqa_mcp"].close()
