"""Measure how fast the page shell loads: `python -m tests.browser.shell_timing [loads]` from the checkout root.

Not a test (tests never assert on time); it prints the figure quoted in the README.
"""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright

from matrixqa.server.app import create_app
from matrixqa.settings import load_config

from ..conftest import REAL_CORPUS, REAL_INDEX
from .conftest import launch, serving

NAVIGATION = "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


def main(loads: int = 20) -> None:
    app = create_app(load_config(corpus_dir=REAL_CORPUS, index_dir=REAL_INDEX))
    timings = []
    with serving(app) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        for _ in range(loads):
            context = browser.new_context()  # a fresh context each time: nothing cached
            page = context.new_page()
            page.goto(url)
            timings.append(page.evaluate(NAVIGATION))
            context.close()
        browser.close()
    print(
        f"page shell, {loads} loads in fresh contexts: DOMContentLoaded median {statistics.median(timings):.0f} ms, "
        f"max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
