"""`matrixqa mcp` and `matrixqa slack`: matrixqa inside the tools staff already use (registered in cli.py)."""

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


@click.command()
@click.option("--http", "over_http", is_flag=True, help="Receive Slack's events over HTTP at /slack/events.")
@click.option("--host", envvar="MATRIXQA_HOST", default="127.0.0.1", show_default=True, help="Address (--http).")
@click.option("--port", envvar="MATRIXQA_PORT", default=5000, show_default=True, type=click.IntRange(1, 65535))
def slack(over_http: bool, host: str, port: int) -> None:
    """Answer mentions and direct messages in Slack, in their thread, over Socket Mode (or HTTP with --http)."""
    from matrixqa.server.slack import EVENTS_PATH, SlackTokens, slack_app

    config = load_config()
    tokens = SlackTokens.of(config, over_http)  # before loading anything: a missing token is said at once
    live, question_log = _loaded(config)
    app = slack_app(tokens, live.current, question_log)
    if over_http:
        import waitress
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        click.echo(f"ready: Slack's events at http://{host}:{port}{EVENTS_PATH}", err=True)
        waitress.serve(SlackRequestHandler(app, EVENTS_PATH), host=host, port=port, threads=config.threads)
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        click.echo("connecting to Slack over Socket Mode", err=True)
        SocketModeHandler(app, tokens.app_token).start()
