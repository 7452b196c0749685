"""Parse a matrix cell page, as a browser shows it copied to plain text, into a structured cell.

Every cell page of both matrices follows one template: a header line, site navigation, the
cell's title and summary, a legend, one line per listed document, then the "Matrix Bite"
commentary. The parser relies on that template, never on one cell's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from matrixqa.errors import ParseError

StudyType = Literal["S", "K", "R", "G"]
STUDY_TYPE_NAMES: dict[str, str] = {"S": "Seminal study", "K": "Key study", "R": "Review", "G": "Guidance"}

# Top-level headings every Matrix Bite uses; a cell may add headings of its own (found by shape).
TEMPLATE_HEADINGS = (
    "What is this cell about?",
    "Where should I start?",
    "Highlighted study",
    "Issues to consider and discuss",
)

_HEADER = re.compile(r"^(?P<matrix>(?:Drug|Alcohol) Treatment Matrix) cell (?P<code>[A-E][1-5]):\s*(?P<title>\S.*)$")
_LEGEND = re.compile(r"^S Seminal studies")
_ENTRY = re.compile(r"^(?P<type>[SKRG]) (?P<title>.+?) \((?P<source>[^()]*\b(?:19|20)\d\d\b[^()]*)\)\.\s*(?P<note>.*)$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FREE = re.compile(r"free source at (?:the )?time of writing\.?", re.IGNORECASE)
# Site widgets whose text a browser copy carries along with the content.
_WIDGET_LINE = re.compile(
    r"^(Links to other documents\. Hover over for notes|Matrix Bite Open Matrix Bite|Close Matrix Bite"
    r"|Search for all relevant Effectiveness Bank analyses)"
)
_NAVIGATION_SENTENCE = re.compile(
    r"\s*For discussions? click here(?: and here)*(?:,? and scroll down to highlighted heading)?\."
)
_WIDGET_TEXT = (
    (re.compile(r"\bUnfold Unfold supplementary text the\b"), "Unfold the"),
    (re.compile(r"\s*Opens new window\.?"), ""),
)
_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with which who that than is are was were be".split()
)
_CREDITS = re.compile(r"^(Thanks|Thank you|With thanks)\b")


@dataclass(frozen=True)
class Study:
    """One listed document: a seminal or key study, a review or a guidance document."""

    type: StudyType
    title: str
    year: int | None
    source: str
    note: str
    free_source: bool
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Section:
    """A run of commentary paragraphs under one heading (parent set for question-headed parts)."""

    heading: str
    paragraphs: tuple[str, ...]
    parent: str | None = None

    @property
    def label(self) -> str:
        return f"{self.parent} › {self.heading}" if self.parent else self.heading


@dataclass(frozen=True)
class Cell:
    """A matrix cell: its identity, listed documents and commentary sections."""

    matrix: str
    code: str
    title: str
    summary: str
    studies: tuple[Study, ...]
    sections: tuple[Section, ...]
    credits: str = ""
    source_file: str = ""
    url: str = ""
    commentary_url: str = ""
    acknowledgement: str = ""
    see_also: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        """A cell code is unique only within its matrix, so keys carry both."""
        return f"{self.matrix.split()[0].lower()}-{self.code}"


def clean_widget_text(text: str) -> str:
    """Remove the text of site widgets from a line of content."""
    for pattern, replacement in _WIDGET_TEXT:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_cell_page(text: str, source_file: str = "") -> Cell:
    """Turn the text of a cell page into a Cell, or raise ParseError saying what is missing."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    first = next((line for line in lines if line), "")
    header = _HEADER.match(first)
    if not header:
        raise ParseError(
            "the first line should read '<Drug|Alcohol> Treatment Matrix cell <A-E><1-5>: <title>', "
            f"found {first[:80]!r}"
        )
    matrix, code, title = header["matrix"], header["code"], header["title"].strip()

    legend = next((i for i, line in enumerate(lines) if _LEGEND.match(line)), None)
    if legend is None:
        raise ParseError("no list of documents: the legend line 'S Seminal studies…' is missing")
    summary = _summary(lines[:legend], title)

    bite = next((i for i in range(legend, len(lines)) if lines[i].startswith("Matrix Bite")), len(lines))
    studies = tuple(_parse_entry(line) for line in lines[legend + 1 : bite] if _ENTRY.match(line))
    if not studies:
        raise ParseError("the list of documents holds no entry of the form 'S|K|R|G Title (year). Note'")

    paragraphs = [clean_widget_text(line) for line in lines[bite:] if line and not _WIDGET_LINE.match(line)]
    sections, credits = _sections(paragraphs)
    return Cell(matrix, code, title, summary, studies, tuple(sections), credits, source_file)


def _summary(lines: list[str], title: str) -> str:
    """The cell's one-paragraph description stands between its title and the legend."""
    try:
        start = len(lines) - 1 - lines[::-1].index(title)
    except ValueError:
        return ""
    return " ".join(clean_widget_text(line) for line in lines[start + 1 :] if line)


def _parse_entry(line: str) -> Study:
    match = _ENTRY.match(line)
    assert match  # callers filter with _ENTRY
    source, note = match["source"].strip(), match["note"].strip()
    note = _NAVIGATION_SENTENCE.sub("", note).strip()
    years = _YEAR.findall(source)
    free = bool(_FREE.search(source) or _FREE.search(note))
    text = clean_widget_text(_NAVIGATION_SENTENCE.sub("", line[2:]))
    return Study(
        type=match["type"],  # type: ignore[arg-type]
        title=match["title"].strip(),
        year=int(years[-1]) if years else None,
        source=source,
        note=note,
        free_source=free,
        text=text,
    )


def _sections(paragraphs: list[str]) -> tuple[list[Section], str]:
    """Group commentary paragraphs under their headings; a heading may open its paragraph."""
    sections: list[Section] = []
    top: str | None = None
    current: tuple[str, str | None] | None = None
    body: list[str] = []
    credits = ""

    def close() -> None:
        if current and body:
            sections.append(Section(current[0], tuple(body), current[1]))

    for i, paragraph in enumerate(paragraphs):
        if _CREDITS.match(paragraph):
            credits = paragraph
            continue
        if _is_pull_quote(
            paragraph, paragraphs[i - 1] if i else "", paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        ):
            continue
        heading, rest, nested = _split_heading(paragraph)
        if heading:
            close()
            body = []
            if nested and top:
                current = (heading, top)
            else:
                top = heading
                current = (heading, None)
            if rest:
                body.append(rest if not nested else paragraph)
            continue
        if current is None:
            current = ("Commentary", None)
        body.append(paragraph)
    close()
    return sections, credits


def _is_pull_quote(paragraph: str, before: str, after: str) -> bool:
    """A display quote repeats words of a neighbouring paragraph; it adds nothing of its own."""
    if len(paragraph.split()) > 25 or paragraph.endswith((".", "?", "!", "”", '"')):
        return False
    words = set(_words(paragraph))
    return any(len(words & set(_words(other))) >= 0.9 * len(words) for other in (before, after) if other)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _split_heading(paragraph: str) -> tuple[str | None, str, bool]:
    """Return (heading, text after it, whether it is a question-headed part) for a paragraph."""
    for heading in TEMPLATE_HEADINGS:
        if paragraph == heading or paragraph.startswith(heading + " "):
            return heading, paragraph[len(heading) :].strip(), False
    words = paragraph.split()
    if len(words) <= 8 and not paragraph.endswith((".", "?", "!", "”", '"', ":")):
        return paragraph, "", False  # a heading on a line of its own
    question = re.match(r"^([A-Z][^?.,;:!]{3,80}\?)\s+[A-Z“‘\"']", paragraph)
    if question and len(question[1].split()) <= 8:
        return question[1], paragraph[len(question[1]) :].strip(), True
    for position, word in enumerate(words[:7]):
        if position == 0:
            continue
        if re.match(r"^[A-Z][a-z]+$", word):
            lead = words[:position]
            if (
                2 <= position <= 6
                and not any(re.search(r"[^\w'’-]", w) for w in lead)
                and lead[-1].lower() not in _FUNCTION_WORDS
            ):
                return " ".join(lead), " ".join(words[position:]), False
            break
        if re.search(r"[.,;:?!]$", word):
            break
    return None, paragraph, False
