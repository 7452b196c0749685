"""`matrixqa mcp`: matrixqa inside the tools staff already use (registered in cli.py)."""

from __future__ import annotations

import contextlib
import sys

import click

from matrixqa.settings import load_config
from matrixqa.startup import limit_blas_threads


def _loaded(config):
    """The live answerer and the question log, loaded as `serve` loads them; prints go to stderr meanwhile."""
    from matrixqa.server.app import live_answerer
    from matrixqa.server.questionlog import QuestionLog

    with contextlib.redirect_stdout(sys.stderr):  # stdout is the MCP protocol's over stdio
        live = live_answerer(config)
        limit_blas_threads()
    return live, QuestionLog.of(config)


@click.command()
def mcp() -> None:
    """Answer over the Model Context Protocol on stdin and stdout, for an assistant that starts matrixqa itself.

    The same tools are served over HTTP at /mcp by `matrixqa serve`.
    """
    import anyio

    from matrixqa.server.mcp_tools import mcp_server, serve_stdio

    live, question_log = _loaded(load_config())
    anyio.run(serve_stdio, mcp_server(live.current, question_log))
