"""Name the cell a page holds: its matrix, its code and its title, from whichever lines of the page give them.

Copies of the site's pages name their cell in different places: a line "Drug Treatment Matrix cell B3:
Practitioners; Medical treatment" (first, after the legend, or at the end of a catalogue's breadcrumb
"Home > Drug treatment matrix cell B3: ..."), a line "Drug Treatment Matrix cell B3" above the title, or the
title alone ("Practitioners; Medical treatment"). A title gives the code by the COLUMNS and ROWS tables, but
rows 2 to 5 have the same names in both matrices: the matrix then comes from a row only one matrix has, or
from the page's file name or address, and where nothing names it the page is refused. The title is always
the tables' "column; row", however the page writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

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

# A matrix by the first word of its name, which lines of a page and the corpus's file names ("drug-B3.txt") use.
_MATRIX_BY_WORD = {name.split()[0].lower(): name for name in ROWS}
_MATRIX_BY_FOLDER = {folder: name for name, folder in MATRIX_FOLDERS.items()}
_COLUMN_BY_NAME = {name.lower(): letter for letter, name in COLUMNS.items()}

_MENTION = rf"(?P<word>{'|'.join(_MATRIX_BY_WORD)}) treatment matrix cell (?P<code>[A-E][1-5])\b"
# A line that opens by naming a cell, after any breadcrumb ("Home > Drug treatment matrix cell A3: ...").
_NAMING_LINE = re.compile(rf"^(?:.*>\s*)?{_MENTION}", re.IGNORECASE)
_MENTIONS = re.compile(rf"\b{_MENTION}", re.IGNORECASE)
# "column; row" as pages write it: "Practitioners: Medical treatment", "Interventions - medical treatment."
_TITLE = re.compile(r"^(?P<column>[^;:]+?)\s*(?:[;:]|\s[-–]\s)\s*(?P<row>[^;:]+?)\.?$")
_FILE_NAME = re.compile(r"^(?P<word>[a-z]+)-(?P<code>[A-E][1-5])\b", re.IGNORECASE)
_CODE = re.compile(r"[A-E][1-5]")
_ADDRESS = re.compile(r"Matrix/(?P<folder>\w+)/(?P<code>[A-E][1-5])\.htm")


@dataclass(frozen=True)
class CellName:
    """Which cell a page holds, and the last of the lines naming it: the cell's summary comes after it."""

    matrix: str
    code: str
    title: str
    last_line: int


def cell_title(matrix: str, code: str) -> str:
    """A cell's title as the site writes it: "column; row"."""
    return f"{COLUMNS[code[0]]}; {ROWS[matrix][int(code[1]) - 1]}"


def plain_name(matrix: str, code: str) -> str:
    """A cell in words a reader knows without the grid: "practitioners in medical treatment (Drug Treatment Matrix)";
    a cell off the grid (a synthetic corpus's) keeps its code."""
    if matrix not in ROWS or not _CODE.fullmatch(code):
        return f"{matrix} cell {code}"
    column, row = COLUMNS[code[0]], ROWS[matrix][int(code[1]) - 1]
    return f"{column.lower()} in {row.lower()} ({matrix})"


def matrix_codes() -> list[tuple[str, str]]:
    """Every cell (matrix, code) of both matrices, in matrix, row and column order."""
    return [(m, f"{c}{r}") for m, rows in ROWS.items() for r in range(1, len(rows) + 1) for c in COLUMNS]


def title_cells(text: str) -> list[tuple[str, str]]:
    """The cells (matrix, code) whose title a line gives, however it joins column and row; none if it gives none."""
    match = _TITLE.match(text)
    column = _COLUMN_BY_NAME.get(match["column"].lower()) if match else None
    if match is None or column is None:
        return []
    row = match["row"].lower()
    return [
        (matrix, f"{column}{number}")
        for matrix, rows in ROWS.items()
        for number, name in enumerate(rows, 1)
        if name.lower() == row
    ]


def matrix_named_by(place: str, code: str) -> str | None:
    """The matrix a corpus file name (`drug-B3.txt`) or a site address (`...file=Matrix/Drugs/B3.htm`) gives
    cell `code`, if it names that cell."""
    named = _FILE_NAME.match(PurePath(place).name)
    if named and named["code"].upper() == code:
        return _MATRIX_BY_WORD.get(named["word"].lower())
    addressed = _ADDRESS.search(place)
    if addressed and addressed["code"] == code:
        return _MATRIX_BY_FOLDER.get(addressed["folder"])
    return None


def name_cell(lines: list[str], source_file: str = "", address: str = "") -> CellName:
    """The cell named by the lines before a page's content, or ParseError saying how to name it.

    A line naming the matrix and code comes first; failing that, a title line, with the matrix taken from
    where the page was found (its file name or address) when both matrices have a cell of that title.
    """
    matrix, code = _named_on_page(lines) or _named_by_title(lines, source_file, address)
    naming = [i for i, line in enumerate(lines) if _names(line, matrix, code)]
    return CellName(matrix, code, cell_title(matrix, code), naming[-1])


def _named_on_page(lines: list[str]) -> tuple[str, str] | None:
    for line in lines:
        named = _NAMING_LINE.match(line)
        if named:
            return _MATRIX_BY_WORD[named["word"].lower()], named["code"].upper()
    return None


def _named_by_title(lines: list[str], source_file: str, address: str) -> tuple[str, str]:
    for line in lines:
        cells = title_cells(line)
        if not cells:
            continue
        code = cells[0][1]
        if len(cells) > 1:  # both matrices have a cell of this title: where the page was found must say which
            told = {matrix_named_by(source_file, code), matrix_named_by(address, code)}
            cells = [cell for cell in cells if cell[0] in told]
        if len(cells) != 1:
            raise ParseError(_matrix_unknown(line, code, source_file))
        return cells[0]
    first = next((line for line in lines if line), "")
    raise ParseError(
        "the page never names its cell: the first line should read "
        "'<Drug|Alcohol> Treatment Matrix cell <A-E><1-5>: <title>', or a line give the cell's title as "
        f"'column; row' (e.g. 'Practitioners; Medical treatment'); found {first[:80]!r}"
    )


def _matrix_unknown(title: str, code: str, source_file: str) -> str:
    suffix = PurePath(source_file).suffix or ".txt"
    drug, alcohol = (f"{word}-{code}{suffix}" for word in _MATRIX_BY_WORD)
    return (
        f"the page names its cell only by its title {title!r}, which is cell {code} of both matrices, and "
        f"neither the page nor its file name or address says which matrix: name the file {drug} (Drug Treatment "
        f"Matrix) or {alcohol} (Alcohol Treatment Matrix), then add or build again"
    )


def _names(line: str, matrix: str, code: str) -> bool:
    """Whether a line names this cell: by matrix and code anywhere in it (a title line, a citation), or as its title."""
    mentioned = any(
        _MATRIX_BY_WORD[m["word"].lower()] == matrix and m["code"].upper() == code for m in _MENTIONS.finditer(line)
    )
    return mentioned or (matrix, code) in title_cells(line)
