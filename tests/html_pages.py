"""Cell pages as HTML for the tests, built from a text page with invented links on example.org addresses.

The real B3 text keeps its words; only the markup, the links and the supplementary text are made up
(the supplementary text says so), so nothing here passes for real evidence.
"""

from __future__ import annotations

import html
import re

from matrixqa.ingest.parse import _ENTRY, _LEGEND

EXAMPLE = "https://example.org"
FAKE_SUPPLEMENTARY = (
    "FAKE SUPPLEMENTARY TEXT invented for matrixqa's tests: imagined interviews about quokka-shaped pill boxes."
)
NAVIGATION_WORDS = "Imaginary navigation menu zeppelin"
SCRIPT_WORDS = "scripted marmalade"
FOOTER_WORDS = "Footer copyright kumquat"
_REFERENCE_RUN = re.compile(r"\((\d(?: \d)+)\)")
_LINKED_PHRASES = ("study listed above", "review listed above", "cell A2", "cell E2")


def analysis_url(n: int) -> str:
    return f"{EXAMPLE}/analysis/{n}"


def reference_url(line: int, number: str) -> str:
    return f"{EXAMPLE}/reference/{line}-{number}"


def phrase_url(line: int, phrase: str) -> str:
    return f"{EXAMPLE}/phrase/{line}/{phrase.replace(' ', '-')}"


def _linked(text: str, line: int, in_list: bool, entry: int) -> str:
    """One line of the text as HTML, with links on entry titles, reference runs and pointing phrases."""
    match = _ENTRY.match(text) if in_list else None
    if match:
        start, end = match.span("title")
        rest = html.escape(text[end:]).replace("click here", f'click <a href="{EXAMPLE}/discussion/{entry}">here</a>')
        return html.escape(text[:start]) + f'<a href="{analysis_url(entry)}">{html.escape(text[start:end])}</a>' + rest
    out = html.escape(text)
    out = _REFERENCE_RUN.sub(
        lambda m: "(" + " ".join(f'<a href="{reference_url(line, n)}">{n}</a>' for n in m[1].split()) + ")",
        out,
    )
    for phrase in _LINKED_PHRASES:
        out = out.replace(phrase, f'<a href="{phrase_url(line, phrase)}">{phrase}</a>', 1)
    return out


def html_page(text: str, title: str | None = None, keep_header: bool = True) -> str:
    """The text page as a saved HTML page: navigation, a script, a style and a footer around its lines."""
    lines = text.splitlines()
    if not keep_header:
        lines = lines[1:]
    body: list[str] = [f"<nav><ul><li><a href='/menu'>{NAVIGATION_WORDS}</a></li></ul></nav>"]
    in_list = False
    entry = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if _LEGEND.match(stripped):
            in_list = True
        if stripped.startswith("Matrix Bite"):
            in_list = False
        if not stripped:
            continue
        if in_list and _ENTRY.match(stripped):
            entry += 1
        body.append(f"<p>{_linked(stripped, number, in_list, entry)}</p>")
        if "Unfold Unfold supplementary text" in stripped and FAKE_SUPPLEMENTARY not in "".join(body):
            body.append(f'<div class="supplementary" style="display:none"><p>{FAKE_SUPPLEMENTARY}</p></div>')
    head = f"<title>{html.escape(title)}</title>" if title is not None else ""
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<style>p {{ color: teal }}</style>"
        f"<script>var note = '{SCRIPT_WORDS}';</script></head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>console.log('{SCRIPT_WORDS}')</script>\n<footer><p>{FOOTER_WORDS}</p></footer>\n</body></html>\n"
    )
