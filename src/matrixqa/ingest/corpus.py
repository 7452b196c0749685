"""Load the corpus folder: each cell page (`<matrix>-<code>.html`, `.htm` or `.txt`) with its metadata (`.json`)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from matrixqa.errors import CorpusError, MatrixQAError, ParseError
from matrixqa.ingest.cell import Cell, Study
from matrixqa.ingest.html import decode_page, read_html_page
from matrixqa.ingest.identity import MATRIX_FOLDERS
from matrixqa.ingest.parse import parse_cell_lines, parse_cell_page

# Bump when parsing or chunking changes what a corpus turns into, so old indexes count as stale.
PIPELINE_VERSION = "2"

# A page saved as HTML keeps the links a plain text copy loses; both may stand in the folder.
PAGE_SUFFIXES = (".html", ".htm", ".txt")
HTML_SUFFIXES = (".html", ".htm")
STUDY_FIELDS = ("url", "authors", "journal", "publication_title", "publication_url")

SITE = "https://findings.org.uk/PHP/dl.php?file="
# Every cell page is served from this path, so relative links on any of them resolve against it.
SITE_PAGE = "https://findings.org.uk/PHP/dl.php"


@dataclass(frozen=True)
class Problem:
    """A corpus file that was skipped, and why."""

    file: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    cells: tuple[Cell, ...]
    problems: tuple[Problem, ...]
    fingerprint: str


def cell_url(matrix: str, code: str) -> str:
    """The address of a cell page on the Effectiveness Bank site."""
    return f"{SITE}Matrix/{MATRIX_FOLDERS[matrix]}/{code}.htm"


def load_corpus(corpus_dir: Path) -> Corpus:
    """Parse every cell page in the folder; a page that fails is reported, the rest still load."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist: set MATRIXQA_CORPUS_DIR to the folder of cell pages"
        )
    pages = sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in PAGE_SUFFIXES)
    if not pages:
        raise CorpusError(f"corpus folder {corpus_dir} holds no cell page (*.html, *.htm or *.txt)")
    cells: dict[str, Cell] = {}
    problems: list[Problem] = []
    for page in pages:
        try:
            cell = load_cell(page)
        except MatrixQAError as error:
            problems.append(Problem(page.name, str(error)))
            continue
        except OSError as error:
            problems.append(Problem(page.name, f"it cannot be read ({error.strerror or error})"))
            continue
        if cell.key in cells:
            first = cells[cell.key].source_file
            problems.append(Problem(page.name, f"it repeats {cell.matrix} cell {cell.code}, already read from {first}"))
            continue
        cells[cell.key] = cell
    return Corpus(tuple(cells.values()), tuple(problems), corpus_fingerprint(corpus_dir))


def load_cell(page: Path) -> Cell:
    """Parse one cell page and attach what its metadata file says (addresses, acknowledgement)."""
    raw = page.read_bytes()
    if not raw.strip():
        raise ParseError("the file is empty")
    if page.suffix.lower() in HTML_SUFFIXES:
        text = decode_page(raw)  # a saved page declares its own character set
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError(f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    meta = read_metadata(page.with_suffix(".json"))
    cell = parse_page(text, page.name, meta.get("url") or SITE_PAGE)
    for name in ("matrix", "code"):
        if name in meta and meta[name] != getattr(cell, name):
            raise ParseError(f"the metadata says {name} {meta[name]!r} but the page says {getattr(cell, name)!r}")
    url = meta.get("url") or cell_url(cell.matrix, cell.code)
    known = {_title_key(title): facts for title, facts in meta.get("studies", {}).items()}
    studies = tuple(_with_facts(s, known.get(_title_key(s.title), {})) for s in cell.studies)
    return replace(
        cell,
        studies=studies,
        url=url,
        commentary_url=meta.get("commentary_url") or f"{url}&format=open",
        acknowledgement=meta.get("acknowledgement")
        or f"Drug and Alcohol Findings Effectiveness Bank, {cell.matrix} cell {cell.code}",
        see_also=tuple((link["title"], link["url"]) for link in meta.get("see_also", [])),
    )


def parse_page(text: str, name: str, base_url: str = SITE_PAGE) -> Cell:
    """Parse a cell page's text, saved as HTML or copied as plain text (told apart by the file name).

    The file name and base_url, the address the page came from, may name the matrix a page leaves unnamed."""
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        return parse_cell_lines(read_html_page(text, base_url), name, base_url)
    return parse_cell_page(text, name, base_url)


def _with_facts(study: Study, facts: dict[str, str]) -> Study:
    """A study with what the metadata records of it; the link on its title on the page comes first."""
    return replace(
        study,
        url=study.url or facts.get("url") or None,
        authors=facts.get("authors", ""),
        journal=facts.get("journal", ""),
        publication_title=facts.get("publication_title", ""),
        publication_url=facts.get("publication_url") or None,
    )


def read_metadata(path: Path) -> dict:
    """A cell's metadata file ({} if there is none), checked; ParseError says what is wrong in it."""
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParseError(f"its metadata {path.name} is not valid JSON: {error}") from None
    if not isinstance(meta, dict):
        raise ParseError(f"its metadata {path.name} must be a JSON object")
    for name in ("matrix", "code", "url", "commentary_url", "acknowledgement"):
        if not isinstance(meta.get(name, ""), str):
            raise ParseError(f"in its metadata {path.name}, {name!r} must be a string")
    studies = meta.get("studies", {})
    if not isinstance(studies, dict) or not all(
        isinstance(facts, dict) and all(name in STUDY_FIELDS and isinstance(v, str) for name, v in facts.items())
        for facts in studies.values()
    ):
        raise ParseError(
            f"in its metadata {path.name}, 'studies' must map study titles to objects of strings "
            f"({', '.join(STUDY_FIELDS)})"
        )
    see_also = meta.get("see_also", [])
    if not isinstance(see_also, list) or not all(
        isinstance(link, dict) and isinstance(link.get("title"), str) and isinstance(link.get("url"), str)
        for link in see_also
    ):
        raise ParseError(f"in its metadata {path.name}, 'see_also' must be a list of {{title, url}} objects")
    return meta


def _title_key(title: str) -> str:
    """Compare titles ignoring quote styles, case and spacing."""
    text = unicodedata.normalize("NFKC", title).translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return re.sub(r"\s+", " ", text).strip().lower()


def corpus_fingerprint(corpus_dir: Path) -> str:
    """A hash of every corpus file's name and bytes, and of the pipeline version."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    suffixes = {*PAGE_SUFFIXES, ".json"}
    for path in sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in suffixes and p.is_file()):
        try:
            content = path.read_bytes()
        except OSError:  # reported by load_corpus; here it only has to change the fingerprint
            content = b"\0unreadable"
        digest.update(path.name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()
