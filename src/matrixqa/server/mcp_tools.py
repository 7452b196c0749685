"""matrixqa over the Model Context Protocol: the tools ask, search, passage and cells, and the cell pages as resources.

One server (the official SDK's low-level `Server`) for both transports: stdio (`matrixqa mcp`) and streamable
HTTP at /mcp (mcp_http.py). A tool's input schema is the API's request model and its output schema the API's
response model, so fields and their checks are declared once (requests.py, responses.py); the SDK's `MCPServer`
would declare them again from function signatures, and it sets up the process's logging when it is made.
Errors are translated here, once: bad arguments and domain errors become a tool error saying what to fix.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from pydantic import Field

from matrixqa.answer.compose import Answerer
from matrixqa.errors import MatrixQAError, NotFound
from matrixqa.index.store import Index
from matrixqa.ingest.chunk import CellRef
from matrixqa.server.answering import answer_logged
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.requests import AskRequest, Request, SearchRequest, checked, filters_of, question_of
from matrixqa.server.responses import (
    AnswerResponse,
    CellsResponse,
    ContextResponse,
    Response,
    SearchResponse,
)

log = logging.getLogger(__name__)

NAME = "matrixqa"
INSTRUCTIONS = (
    "matrixqa answers only from the Drug and Alcohol Findings Effectiveness Bank treatment matrices. Each sentence "
    "of an answer is quoted verbatim from its source and followed by its [n]: keep the sentences and their markers "
    "as given, and give the cited sources with their addresses."
)
CELL_URI = "matrixqa://cells/{matrix}/{code}"
INTERNAL_ERROR = "internal error: the tool could not complete (the server's log has the details); try again"


class PassageRequest(Request):
    id: str = Field(min_length=1, description="A passage's `id`, as `search` and `ask` give them.")


class CellsRequest(Request):
    """No arguments."""


@dataclass(frozen=True)
class Tool:
    """A tool: its name and description (for the model choosing a tool), what it takes and what it gives."""

    name: str
    title: str
    description: str
    request: type[Request]
    response: type[Response]

    def listed(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.request.model_json_schema(),
            output_schema=self.response.model_json_schema(mode="serialization"),
            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
        )


TOOLS = (
    Tool(
        "ask",
        "Ask the treatment matrices",
        "Answer a question on drug or alcohol treatment from the Effectiveness Bank matrices: whole source sentences, "
        "each followed by its [n] citation (`citations`: the passage, its cell, evidence type and addresses); "
        "`answered` is false, and `message` says why, when the matrices do not cover it.",
        AskRequest,
        AnswerResponse,
    ),
    Tool(
        "search",
        "Search the treatment matrices",
        "Find the passages of the Effectiveness Bank matrices that best match a question, best first, with scores, "
        "cell, section and links; `relevant` says whether they answer it.",
        SearchRequest,
        SearchResponse,
    ),
    Tool(
        "passage",
        "Show a passage in its context",
        "Show a passage (by the `id` that search or ask gave) in its context: the paragraphs of its section of its "
        "cell, in page order.",
        PassageRequest,
        ContextResponse,
    ),
    Tool(
        "cells",
        "List the matrix cells",
        "List the treatment-matrix cells the index holds, with their titles, addresses and passage counts.",
        CellsRequest,
        CellsResponse,
    ),
)
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}


class Helpdesk:
    """What the tools and resources do, over the answerer `current` returns at each call."""

    def __init__(self, current: Callable[[], Answerer], question_log: QuestionLog | None) -> None:
        self.current = current
        self.question_log = question_log

    def call(self, tool: Tool, arguments: dict[str, Any], started: float) -> Response:
        """Run a tool on its checked arguments; a BadRequest says what to fix in them."""
        body = checked(tool.request, arguments)
        answerer = self.current()
        if isinstance(body, AskRequest):
            return answer_logged(answerer, self.question_log, body, started)
        if isinstance(body, SearchRequest):
            return SearchResponse.of(answerer.retriever.search(question_of(body), body.k, filters_of(body)))
        index = answerer.retriever.index
        if isinstance(body, PassageRequest):
            position = index.positions.get(body.id)
            if position is None:
                raise NotFound(f"no passage with id {body.id!r} in the index: use an id that search or ask gave")
            return ContextResponse.of(index, position)
        return CellsResponse.of(index.passages)

    def resources(self) -> list[types.Resource]:
        counts = Counter(p.cell for p in self.current().retriever.index.passages)
        return [
            types.Resource(
                uri=cell_uri(cell),
                name=f"{_matrix_word(cell)}-{cell.code}",
                title=cell.label,
                description=f"The cell's {counts[cell]} passages under their headings, in page order; its page: "
                f"{cell.url}",
                mime_type="text/markdown",
            )
            for cell in sorted(counts, key=lambda c: (c.matrix, c.code))
        ]

    def page(self, uri: str) -> str:
        index = self.current().retriever.index
        cell = next((p.cell for p in index.passages if cell_uri(p.cell) == uri), None)
        if cell is None:
            raise MCPError(types.INVALID_PARAMS, f"no cell page at {uri!r}: list the resources for their addresses")
        return cell_page(index, cell)


def cell_uri(cell: CellRef) -> str:
    return CELL_URI.format(matrix=_matrix_word(cell), code=cell.code)


def _matrix_word(cell: CellRef) -> str:
    return cell.matrix.split()[0].lower()  # "drug" for the Drug Treatment Matrix


def cell_page(index: Index, cell: CellRef) -> str:
    """A cell's passages under their section headings, in page order, after its name and address."""
    lines = [f"# {cell.label}", "", f"{cell.acknowledgement}: {cell.url}"]
    section = None
    for passage in index.passages:
        if passage.cell != cell:
            continue
        if passage.section != section:
            section = passage.section
            lines += ["", f"## {section}"]
        lines += ["", passage.text]
    return "\n".join(lines) + "\n"


def tool_error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def mcp_server(current: Callable[[], Answerer], question_log: QuestionLog | None) -> Server:
    """The MCP server: the tools and the cell pages, answering over `current()` and logging asks to the log."""
    helpdesk = Helpdesk(current, question_log)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.listed() for tool in TOOLS])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        started = time.perf_counter()
        tool = TOOLS_BY_NAME.get(params.name)
        if tool is None:
            names = ", ".join(TOOLS_BY_NAME)
            raise MCPError(types.INVALID_PARAMS, f"no tool named {params.name!r}: use one of {names}")
        try:
            response = await anyio.to_thread.run_sync(helpdesk.call, tool, params.arguments or {}, started)
        except MatrixQAError as error:
            return tool_error(str(error))
        except Exception:
            log.exception("the MCP tool %s failed", tool.name)
            return tool_error(INTERNAL_ERROR)
        # The JSON as text too, for clients that read only a tool's text (as the protocol recommends).
        text = types.TextContent(type="text", text=response.model_dump_json())
        return types.CallToolResult(content=[text], structured_content=response.model_dump(mode="json"))

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=await anyio.to_thread.run_sync(helpdesk.resources))

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        text = await anyio.to_thread.run_sync(helpdesk.page, params.uri)
        contents = types.TextResourceContents(uri=params.uri, mime_type="text/markdown", text=text)
        return types.ReadResourceResult(contents=[contents])

    return Server(
        NAME,
        version=version("matrixqa"),
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


async def serve_stdio(server: Server) -> None:
    """Serve one client on stdin and stdout until it closes them (the SDK keeps stray prints off stdout)."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
