"""A real matrixqa server on an ephemeral loopback port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from matrixqa.server.app import create_app
from matrixqa.settings import PROJECT_ROOT, load_config

from ..conftest import REAL_CORPUS, REAL_INDEX, live_server

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# docs/page.md shows the screenshots of docs/screenshots/, committed: a run retakes them only when asked
# (MATRIXQA_DOC_SCREENSHOTS=1), so that running the tests leaves the checkout as it was.
DOC_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" if os.environ.get("MATRIXQA_DOC_SCREENSHOTS") else ARTIFACTS
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# As strict as the policy the app is to send: no inline script or style, nothing from elsewhere.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def with_strict_csp(app):
    """Wrap a WSGI app so every response carries STRICT_CSP unless it sets a policy of its own."""

    def wrapped(environ, start_response):
        def start(status, headers, exc_info=None):
            if not any(name.lower() == "content-security-policy" for name, _ in headers):
                headers = [*headers, ("Content-Security-Policy", STRICT_CSP)]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wrapped


def serving(app):
    """Serve the app (under STRICT_CSP) on an ephemeral loopback port; yield its base URL."""
    return live_server(with_strict_csp(app))


@pytest.fixture
def base_url(app) -> Iterator[str]:
    """The app over the tiny corpus and the hashing embedder, so answers are deterministic."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def real_base_url(real_retriever) -> Iterator[str]:
    """The app over the committed index with the real model."""
    config = load_config(corpus_dir=REAL_CORPUS, index_dir=REAL_INDEX)
    with serving(create_app(config, retriever=real_retriever)) as url:
        yield url


@pytest.fixture
def problems() -> list[str]:
    """Console errors, uncaught exceptions and alerts of the test's tab; a test may take out ones it caused."""
    return []


def open_page(browser: Browser, viewport: dict[str, int], problems: list[str]) -> Iterator[Page]:
    """A fresh tab that fails the test on any console error, uncaught exception or alert."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()

    def console(message) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert problems == [], "the page reported problems"


@pytest.fixture
def page(browser: Browser, problems: list[str]) -> Iterator[Page]:
    yield from open_page(browser, DESKTOP, problems)


@pytest.fixture
def phone(browser: Browser, problems: list[str]) -> Iterator[Page]:
    yield from open_page(browser, PHONE, problems)


def screenshot(page: Page, name: str, full_page: bool = True, folder: Path = ARTIFACTS) -> Path:
    """Save a screenshot under test-artifacts/ (or docs/screenshots/, for the docs) for a person to look at."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    # In a full-page shot the sticky question box would hang over the middle of the page; a style set
    # through the DOM (unlike an injected stylesheet) passes the page's Content-Security-Policy.
    unstick = "(position) => { document.querySelector('.ask-form').style.position = position; }"
    page.evaluate(unstick, "static" if full_page else "")
    page.screenshot(path=str(path), full_page=full_page)
    page.evaluate(unstick, "")
    return path
