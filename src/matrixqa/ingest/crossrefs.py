"""Links for the other cells a passage points to ("in cell B2", "the cell dealing generically with practitioner
influences"), at the words that point, so a reader can follow them.

A cell's address is the site's (`corpus.cell_url`), given only to passages of a cell page that came from the
site (its own address of the site's shape, `.../Matrix/Drugs/B3.htm`): a page stored without one gets no such
links. A cell named by what it deals with is linked only when the words
name the column and the row of exactly one cell of the matrix.
"""

from __future__ import annotations

import re

from matrixqa.ingest.cell import Cell, Link
from matrixqa.ingest.corpus import cell_url
from matrixqa.ingest.identity import COLUMNS, ROWS

# "cell B2", "cells A2 and E2": a code the text names.
_BY_CODE = re.compile(r"\bcells? (?P<code>[A-E][1-5])\b")
# "the cell dealing generically with practitioner influences": a cell named by what it deals with.
_BY_SUBJECT = re.compile(
    r"\bthe cell (?:dealing|concerned|that deals)\s+(?P<words>(?:[\w-]+\s+){0,2}with\s+(?:[\w-]+\s+){0,3}[\w-]+)", re.I
)
_SITE_PAGE = re.compile(r"Matrix/\w+/[A-E][1-5]\.htm")
_STEM = 6  # letters two words must share to be one ("generically" and "Generic", "practitioner" and "Practitioners")


def cell_links(text: str, cell: Cell) -> tuple[Link, ...]:
    """Links to the cells of the same matrix the text points to, other than its own."""
    if not cell.url or not _SITE_PAGE.search(cell.url):
        return ()
    links = []
    for match in _BY_CODE.finditer(text):
        code = match["code"]
        if code != cell.code:
            links.append(Link(match.group(), cell_url(cell.matrix, code), match.start(), match.end()))
    for match in _BY_SUBJECT.finditer(text):
        code = _cell_dealing_with(match["words"], cell.matrix)
        if code and code != cell.code:
            links.append(Link(match.group(), cell_url(cell.matrix, code), match.start(), match.end()))
    return tuple(links)


def _cell_dealing_with(words: str, matrix: str) -> str | None:
    """The one cell of the matrix whose column and row the words both name; None when none or several do."""
    stems = {word[:_STEM].lower() for word in re.findall(r"[A-Za-z]+", words) if len(word) >= _STEM}

    def named(name: str) -> bool:
        return any(word[:_STEM].lower() in stems for word in re.findall(r"[A-Za-z]+", name) if len(word) >= _STEM)

    found = [
        f"{letter}{row}"
        for letter, column in COLUMNS.items()
        for row, row_name in enumerate(ROWS[matrix], 1)
        if named(column) and named(row_name)
    ]
    return found[0] if len(found) == 1 else None
