"""Add cell pages to the corpus folder: a saved HTML page, a plain text copy, or a page fetched by address.

A page is stored under its cell's name (`drug-B3.html`), whatever it was called, once it has parsed
as a cell page; an address it came from is recorded in the cell's metadata file beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from matrixqa.errors import MatrixQAError, NotACellPage, ParseError
from matrixqa.ingest.cell import Cell
from matrixqa.ingest.corpus import HTML_SUFFIXES, PAGE_SUFFIXES, SITE_PAGE, parse_page, read_metadata
from matrixqa.ingest.fetch import Fetcher, page_address
from matrixqa.ingest.html import decode_page
from matrixqa.ingest.identity import COLUMNS, MATRIX_FOLDERS, ROWS

MatrixChoice = Literal["drug", "alcohol", "all"]
MATRICES: dict[str, tuple[str, ...]] = {
    "drug": ("Drug Treatment Matrix",),
    "alcohol": ("Alcohol Treatment Matrix",),
    "all": ("Drug Treatment Matrix", "Alcohol Treatment Matrix"),
}


@dataclass(frozen=True)
class Added:
    """What `add` stored: the cell, the file, where it came from, and whether it was fetched from the site."""

    cell: Cell
    file: Path
    source: str
    fetched: bool
    also: tuple[str, ...]  # other files in the folder holding the same cell


def is_address(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def matrix_addresses(site: str, matrix: MatrixChoice) -> Iterator[str]:
    """Every cell page of a matrix by the site's address pattern: `<site>?file=Matrix/Drugs/B3.htm`."""
    for name in MATRICES[matrix]:
        for column in COLUMNS:
            for row in range(1, len(ROWS[name]) + 1):
                yield f"{site}?file=Matrix/{MATRIX_FOLDERS[name]}/{column}{row}.htm"


def add_page(source: str, corpus_dir: Path, fetcher: Fetcher | None = None, refresh: bool = False) -> Added:
    """Store one page in the corpus under its cell's name; NotACellPage (nothing stored) if it is not one."""
    url = None
    fetched = False
    if is_address(source):
        if fetcher is None:
            raise MatrixQAError("adding an address needs a fetcher")
        page = fetcher.fetch(source, refresh)
        url, text, name, fetched = page.url, page.text, "page.html", not page.from_cache
    else:
        path = Path(source)
        if path.suffix.lower() not in PAGE_SUFFIXES:
            raise NotACellPage(f"{source}: a cell page is a .html, .htm or .txt file")
        text, name = _read_text(path), path.name
    suffix = Path(name).suffix.lower()
    try:
        # The file's name or the address may name the matrix of a page that names its cell only by its title.
        cell = parse_page(text, name, url or SITE_PAGE)
    except ParseError as error:
        raise NotACellPage(f"{source} is not a matrix cell page ({error}); nothing was stored") from None
    meta_file = corpus_dir / f"{cell.key}.json"
    meta = None
    if url:
        _check_address(url, cell)
        meta = _with_address(meta_file, cell, page_address(url, keep_view=False))
    corpus_dir.mkdir(parents=True, exist_ok=True)
    target = corpus_dir / f"{cell.key}{'.html' if suffix in HTML_SUFFIXES else suffix}"
    target.write_text(text, encoding="utf-8")
    if meta is not None:
        meta_file.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    also = tuple(
        p.name
        for p in sorted(corpus_dir.glob(f"{cell.key}.*"))
        if p.suffix.lower() in PAGE_SUFFIXES and p.name != target.name
    )
    return Added(cell, target, source, fetched, also)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix.lower() in HTML_SUFFIXES:
        return decode_page(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotACellPage(f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8") from None


def _check_address(url: str, cell: Cell) -> None:
    """An address of the site's pattern names its cell; the page must be that cell."""
    named = f"Matrix/{MATRIX_FOLDERS[cell.matrix]}/{cell.code}.htm"
    if "Matrix/" in url and named not in url:
        raise NotACellPage(f"{url} names another cell than the page it returned ({cell.matrix} cell {cell.code})")


def _with_address(path: Path, cell: Cell, url: str) -> dict:
    """What the metadata file already says (study facts, links), with the address the page came from."""
    try:
        meta = read_metadata(path)
    except ParseError as error:
        raise MatrixQAError(f"cannot record the address: {error}; fix or remove it, then add again") from None
    return {**meta, "matrix": cell.matrix, "code": cell.code, "url": url}
