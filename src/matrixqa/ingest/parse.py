"""Parse a matrix cell page, as a browser shows it copied to plain text, into a structured cell.

Every cell page of both matrices follows one template: a header line, site navigation, the
cell's title and summary, a legend, one line per listed document, then the "Matrix Bite"
commentary. The parser relies on that template, never on one cell's wording: ingest/identity.py
names the cell, ingest/commentary.py groups the commentary. A page saved as HTML reaches the same
parser as lines that also carry their links (see ingest/html.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from matrixqa.errors import ParseError
from matrixqa.ingest.cell import STUDY_TYPE_NAMES, Cell, Link, Paragraph, Study
from matrixqa.ingest.commentary import commentary_sections
from matrixqa.ingest.identity import name_cell

_LEGEND = re.compile(r"^S Seminal studies")
_ENTRY = re.compile(
    rf"^(?P<type>[{''.join(STUDY_TYPE_NAMES)}]) (?P<title>.+?) \((?P<source>[^()]*\b(?:19|20)\d\d\b[^()]*)\)"
    r"\.\s*(?P<note>.*)$"
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FREE = re.compile(r"free source at (?:the )?time of writing\.?", re.IGNORECASE)
# Site widgets whose text a browser copy carries along with the content.
_WIDGET_LINE = re.compile(
    r"^(Links to other documents\. Hover over for notes|Matrix Bite Open Matrix Bite|Close Matrix Bite"
    r"|Search for all relevant Effectiveness Bank analyses)"
)
# "For discussion click here and scroll down to highlighted heading." and the wordings other versions use.
_NAVIGATION_SENTENCE = re.compile(
    r"\s*For (?:related )?discussions? click(?: here)?(?: and here)*"
    r"(?:,? and scroll down(?: to (?:the )?highlighted heading)?)?\."
)
_WIDGET_TEXT = (
    (re.compile(r"\bUnfold Unfold supplementary text the\b"), "Unfold the"),
    (re.compile(r"\s*Opens (?:a )?new window\.?", re.IGNORECASE), ""),
)


def clean_widget_text(text: str) -> str:
    """Remove the text of site widgets from a line of content."""
    for pattern, replacement in _WIDGET_TEXT:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_cell_page(text: str, source_file: str = "") -> Cell:
    """Turn the text of a cell page into a Cell, or raise ParseError saying what is missing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return parse_cell_lines([Paragraph(line.strip()) for line in lines], source_file)


def parse_cell_lines(lines: list[Paragraph], source_file: str = "") -> Cell:
    """Turn the lines of a cell page (with any links they carry) into a Cell, or raise ParseError."""
    texts = [line.text for line in lines]
    legend = next((i for i, line in enumerate(texts) if _LEGEND.match(line)), None)
    matrix, code, title = name_cell(texts[: legend if legend is not None else len(texts)])
    if legend is None:
        raise ParseError("no list of documents: the legend line 'S Seminal studies…' is missing")
    summary = _summary(texts[:legend], title)

    bite = next((i for i in range(legend, len(texts)) if texts[i].startswith("Matrix Bite")), len(texts))
    studies = tuple(_parse_entry(line) for line in lines[legend + 1 : bite] if _ENTRY.match(line.text))
    if not studies:
        raise ParseError("the list of documents holds no entry of the form 'S|K|R|G Title (year). Note'")

    paragraphs = [_cleaned(line) for line in lines[bite:] if line.text and not _WIDGET_LINE.match(line.text)]
    sections, credits = commentary_sections([p for p in paragraphs if p.text])
    return Cell(matrix, code, title, summary, studies, tuple(sections), credits, source_file)


def _carry_links(links: tuple[Link, ...], raw: str, cleaned: str, clean: Callable[[str], str]) -> tuple[Link, ...]:
    """Find each link's anchor in text that cleaning shortened; a link whose words were removed is dropped."""
    carried: list[Link] = []
    cursor = 0
    for link in links:
        anchor = " ".join(link.text.split())
        if not anchor:
            continue
        expected = max(cursor, len(clean(raw[: link.start])) - 1)
        start = cleaned.find(anchor, expected)
        if start < 0 or start - expected > 2:
            continue
        carried.append(Link(anchor, link.url, start, start + len(anchor)))
        cursor = start + len(anchor)
    return tuple(carried)


def _cleaned(line: Paragraph) -> Paragraph:
    text = clean_widget_text(line.text)
    return Paragraph(text, _carry_links(line.links, line.text, text, clean_widget_text), line.supplementary)


def _summary(lines: list[str], title: str) -> str:
    """The cell's one-paragraph description stands between its title and the legend."""
    try:
        start = len(lines) - 1 - lines[::-1].index(title)
    except ValueError:
        return ""
    return " ".join(clean_widget_text(line) for line in lines[start + 1 :] if line)


def _entry_text(line: str) -> str:
    return clean_widget_text(_NAVIGATION_SENTENCE.sub("", line[2:]))


def _parse_entry(line: Paragraph) -> Study:
    match = _ENTRY.match(line.text)
    assert match  # callers filter with _ENTRY
    source, note = match["source"].strip(), match["note"].strip()
    note = _NAVIGATION_SENTENCE.sub("", note).strip()
    years = _YEAR.findall(source)
    free = bool(_FREE.search(source) or _FREE.search(note))
    text = _entry_text(line.text)
    # The entry's own address is the link on its title; other links in it stay with its text.
    title_start, title_end = match.span("title")
    on_title = [link for link in line.links if link.start < title_end and link.end > title_start]
    others = tuple(link for link in line.links if link not in on_title)
    return Study(
        type=match["type"],  # type: ignore[arg-type]
        title=match["title"].strip(),
        year=int(years[-1]) if years else None,
        source=source,
        note=note,
        free_source=free,
        text=text,
        url=on_title[0].url if on_title else None,
        links=_carry_links(others, line.text, text, _entry_text),
    )


