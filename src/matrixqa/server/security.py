"""Safe defaults: security headers on every response, a body limit, the client's address, a rate limit."""

from __future__ import annotations

import math

from flask import Flask, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from matrixqa.server.ratelimit import RateLimiter, parse_rate
from matrixqa.server.requests import MAX_BODY_BYTES
from matrixqa.settings import Config

RATE_LIMITED_PATHS = frozenset({"/api/ask", "/api/search", "/v1/chat/completions", "/mcp"})
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def protect(app: Flask, config: Config) -> None:
    """Install the safe defaults on an app."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["DEBUG"] = False  # FLASK_DEBUG in the environment must never turn on the debugger of a served app
    if config.trusted_proxies:
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    rate = parse_rate(config.rate_limit)
    if rate is not None:
        limiter = RateLimiter(rate)

        @app.before_request
        def rate_limit():
            if request.path in RATE_LIMITED_PATHS:
                wait = limiter.wait(request.remote_addr or "")
                if wait:
                    seconds = max(1, math.ceil(wait))
                    message = f"too many questions from this address: try again in {seconds} s"
                    return jsonify(error=message), 429, {"Retry-After": str(seconds)}

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        return jsonify(error=f"the request body is too large: send at most {MAX_BODY_BYTES // 1024} KiB"), 413

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith(("/api/", "/v1/", "/mcp")):
            response.headers["Cache-Control"] = "no-store"
        return response
