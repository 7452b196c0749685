"""The MCP server over streamable HTTP at /mcp, served by the Flask app under the same WSGI server.

The SDK's transport is an ASGI app; a2wsgi runs it on an event loop of its own in a background thread,
and a Flask route hands it the request. The route is an ordinary Flask route, so /mcp keeps the app's
body limit, rate limit and security headers. The transport is stateless and answers in JSON (no
server-sent stream), so no request holds one of the WSGI server's threads beyond its own answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from a2wsgi import ASGIMiddleware
from flask import Blueprint, Response, request
from mcp.server.lowlevel import Server
from mcp.server.transport_security import TransportSecuritySettings
from werkzeug.exceptions import RequestEntityTooLarge

from matrixqa.server.requests import MAX_BODY_BYTES
from matrixqa.settings import Config

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STARTUP_SECONDS = 30.0


def transport_security(config: Config) -> TransportSecuritySettings:
    """Refuse requests naming another host or origin (DNS rebinding) when serving loopback directly; behind a
    reverse proxy the proxy names the host, and it is the proxy's to check."""
    if config.host in LOOPBACK and not config.trusted_proxies:
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    return TransportSecuritySettings(enable_dns_rebinding_protection=False)


class McpEndpoint:
    """A WSGI app serving `server` over streamable HTTP; its event loop starts with the first request."""

    def __init__(self, server: Server, security: TransportSecuritySettings) -> None:
        self._server = server
        self._security = security
        self._lock = threading.Lock()
        self._wsgi: ASGIMiddleware | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._held: Future[None] | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self._started()(environ, start_response)

    def _started(self) -> ASGIMiddleware:
        with self._lock:
            if self._wsgi is None:
                self._wsgi = self._start()
            return self._wsgi

    def _start(self) -> ASGIMiddleware:
        asgi = self._server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            transport_security=self._security,
            max_request_body_size=MAX_BODY_BYTES,
        )
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="mcp-http", daemon=True)
        self._thread.start()
        self._loop = loop
        running = threading.Event()

        async def hold_sessions() -> None:
            # The session manager's task group must be entered and left in one task: this one, kept until close().
            self._stop = asyncio.Event()
            async with self._server.session_manager.run():
                running.set()
                await self._stop.wait()

        self._held = asyncio.run_coroutine_threadsafe(hold_sessions(), loop)
        if not running.wait(STARTUP_SECONDS):
            raise RuntimeError("the MCP transport did not start")
        return ASGIMiddleware(asgi, loop=loop)

    def close(self) -> None:
        """Stop the transport and its event loop (a server that ends with the process need not)."""
        with self._lock:
            loop, thread, stop, held = self._loop, self._thread, self._stop, self._held
            if loop is None or thread is None:
                return
            if stop is not None and held is not None:
                loop.call_soon_threadsafe(stop.set)
                held.result(timeout=STARTUP_SECONDS)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=STARTUP_SECONDS)
            loop.close()
            self._wsgi = self._loop = self._thread = self._stop = self._held = None


def mcp_blueprint(endpoint: McpEndpoint) -> Blueprint:
    """The /mcp route: the request handed to the MCP transport, inside the app's own checks and headers."""
    routes = Blueprint("mcp", __name__)

    @routes.route(PATH, methods=["GET", "POST", "DELETE"])
    def mcp():
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        return Response.from_app(endpoint, request.environ)

    return routes
