"""Name the cell a page holds: its matrix, its code and its title."""

from __future__ import annotations

import re

from matrixqa.errors import ParseError

# A cell's title is "column; row"; the rows differ between the two matrices.
COLUMNS = {
    "A": "Interventions",
    "B": "Practitioners",
    "C": "Management/supervision",
    "D": "Organisational functioning",
    "E": "Treatment systems",
}
ROWS = {
    "Drug Treatment Matrix": (
        "Reducing harm",
        "Generic and cross-cutting issues",
        "Medical treatment",
        "Psychosocial therapies",
        "Safeguarding the community",
    ),
    "Alcohol Treatment Matrix": (
        "Screening and brief intervention",
        "Generic and cross-cutting issues",
        "Medical treatment",
        "Psychosocial therapies",
        "Safeguarding the community",
    ),
}

# The site's folder of each matrix's cell pages (`Matrix/Drugs/B3.htm`).
MATRIX_FOLDERS = {"Drug Treatment Matrix": "Drugs", "Alcohol Treatment Matrix": "Alcohol"}

_HEADER = re.compile(r"^(?P<matrix>(?:Drug|Alcohol) Treatment Matrix) cell (?P<code>[A-E][1-5]):\s*(?P<title>\S.*)$")
# Where the title line is missing, the page still names its cell above its title ("... cell B3 Matrix cell logo").
_CELL_LINE = re.compile(r"^(?P<matrix>(?:Drug|Alcohol) Treatment Matrix) cell (?P<code>[A-E][1-5])\b(?!:)")


def cell_title(matrix: str, code: str) -> str:
    """A cell's title as the site writes it: "column; row"."""
    return f"{COLUMNS[code[0]]}; {ROWS[matrix][int(code[1]) - 1]}"


def name_cell(lines: list[str]) -> tuple[str, str, str]:
    """The cell's matrix, code and title: from the title line, or where that is missing, from the cell line."""
    first = next((line for line in lines if line), "")
    header = _HEADER.match(first)
    if header:
        return header["matrix"], header["code"], header["title"].strip()
    for i, line in enumerate(lines):
        named = _CELL_LINE.match(line)
        if named:
            following = next((other for other in lines[i + 1 :] if other), "")
            title = following if following.count(";") == 1 else cell_title(named["matrix"], named["code"])
            return named["matrix"], named["code"], title
    raise ParseError(
        "the page never names its cell: the first line should read "
        f"'<Drug|Alcohol> Treatment Matrix cell <A-E><1-5>: <title>', found {first[:80]!r}"
    )
