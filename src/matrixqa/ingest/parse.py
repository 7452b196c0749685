"""Parse a matrix cell page, as a browser shows it copied to plain text, into a structured cell.

Every cell page of both matrices follows one template: a header line, site navigation, the
cell's title and summary, a legend, one line per listed document, then the "Matrix Bite"
commentary. The parser relies on that template, never on one cell's wording. A page saved as
HTML reaches the same parser as lines that also carry their links (see ingest/html.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from matrixqa.errors import ParseError


class StudyType(StrEnum):
    """A kind of document a cell lists, by the letter its page gives it, with the words that name it."""

    label: str  # "Seminal study"
    plural: str  # "Seminal studies": the heading its entries are listed under
    cue: str  # the word by which commentary points back at such an entry ("a seminal study listed above")

    SEMINAL = "S", "Seminal study", "Seminal studies", "seminal"
    KEY = "K", "Key study", "Key studies", "key study"
    REVIEW = "R", "Review", "Reviews", "review"
    GUIDANCE = "G", "Guidance", "Guidance", "guidance"

    def __new__(cls, letter: str, label: str, plural: str, cue: str) -> StudyType:
        member = str.__new__(cls, letter)
        member._value_ = letter
        member.label, member.plural, member.cue = label, plural, cue
        return member


STUDY_TYPE_NAMES = {kind.value: kind.label for kind in StudyType}  # by letter, as index/lexical.py looks them up

# Top-level headings every Matrix Bite uses; a cell may add headings of its own (found by shape).
TEMPLATE_HEADINGS = (
    "What is this cell about?",
    "Where should I start?",
    "Highlighted study",
    "Issues to consider and discuss",
)
# Some versions name the cell in the first heading ("What is cell B3 about?"); it is the same section.
_CELL_ABOUT = re.compile(r"^What is cell [A-E][1-5] about\?(?=\s|$)")

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

_HEADER = re.compile(r"^(?P<matrix>(?:Drug|Alcohol) Treatment Matrix) cell (?P<code>[A-E][1-5]):\s*(?P<title>\S.*)$")
# Where the title line is missing, the page still names its cell above its title ("... cell B3 Matrix cell logo").
_CELL_LINE = re.compile(r"^(?P<matrix>(?:Drug|Alcohol) Treatment Matrix) cell (?P<code>[A-E][1-5])\b(?!:)")
_LEGEND = re.compile(r"^S Seminal studies")
_ENTRY = re.compile(
    "^(?P<type>[" + "".join(StudyType) + "]) "
    r"(?P<title>.+?) \((?P<source>[^()]*\b(?:19|20)\d\d\b[^()]*)\)\.\s*(?P<note>.*)$"
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
_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with which who that than is are was were be".split()
)
_CREDITS = re.compile(r"^(Thanks|Thank you|With thanks)\b")


@dataclass(frozen=True)
class Link:
    """A link on the page: its anchor text, its address, and where the anchor stands in the text that holds it."""

    text: str
    url: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A line of page text with the links inside it; supplementary text is hidden until a reader unfolds it."""

    text: str
    links: tuple[Link, ...] = ()
    supplementary: bool = False


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
    links: tuple[Link, ...] = ()  # links inside the entry's text other than its title
    authors: str = ""
    journal: str = ""
    publication_title: str = ""
    publication_url: str | None = None


@dataclass(frozen=True)
class Section:
    """A run of commentary paragraphs under one heading (parent set for question-headed parts)."""

    heading: str
    paragraphs: tuple[Paragraph, ...]
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


def cell_title(matrix: str, code: str) -> str:
    """A cell's title as the site writes it: "column; row"."""
    return f"{COLUMNS[code[0]]}; {ROWS[matrix][int(code[1]) - 1]}"


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
    matrix, code, title = _identity(texts[: legend if legend is not None else len(texts)])
    if legend is None:
        raise ParseError("no list of documents: the legend line 'S Seminal studies…' is missing")
    summary = _summary(texts[:legend], title)

    bite = next((i for i in range(legend, len(texts)) if texts[i].startswith("Matrix Bite")), len(texts))
    studies = tuple(_parse_entry(line) for line in lines[legend + 1 : bite] if _ENTRY.match(line.text))
    if not studies:
        raise ParseError(f"the list of documents holds no entry of the form '{'|'.join(StudyType)} Title (year). Note'")

    paragraphs = [_cleaned(line) for line in lines[bite:] if line.text and not _WIDGET_LINE.match(line.text)]
    sections, credits = _sections([p for p in paragraphs if p.text])
    return Cell(matrix, code, title, summary, studies, tuple(sections), credits, source_file)


def _identity(lines: list[str]) -> tuple[str, str, str]:
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


def _remainder(paragraph: Paragraph, rest: str) -> Paragraph:
    """The part of a paragraph after its heading, with the links that fall in it."""
    shift = len(paragraph.text) - len(rest)
    links = tuple(
        Link(link.text, link.url, link.start - shift, link.end - shift)
        for link in paragraph.links
        if link.start >= shift
    )
    return Paragraph(rest, links, paragraph.supplementary)


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
        type=StudyType(match["type"]),
        title=match["title"].strip(),
        year=int(years[-1]) if years else None,
        source=source,
        note=note,
        free_source=free,
        text=text,
        url=on_title[0].url if on_title else None,
        links=_carry_links(others, line.text, text, _entry_text),
    )


def _sections(paragraphs: list[Paragraph]) -> tuple[list[Section], str]:
    """Group commentary paragraphs under their headings; a heading may open its paragraph."""
    sections: list[Section] = []
    top: str | None = None
    current: tuple[str, str | None] | None = None
    body: list[Paragraph] = []
    credits = ""

    def close() -> None:
        if current and body:
            sections.append(Section(current[0], tuple(body), current[1]))

    texts = [p.text for p in paragraphs]
    for i, paragraph in enumerate(paragraphs):
        if _CREDITS.match(paragraph.text):
            credits = paragraph.text
            continue
        if _is_pull_quote(paragraph.text, texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else ""):
            continue
        # Unfolded text belongs to the section it was folded into, whatever its shape.
        heading, rest, nested = (
            (None, paragraph.text, False) if paragraph.supplementary else _split_heading(paragraph.text)
        )
        if heading:
            close()
            body = []
            if nested and top:
                current = (heading, top)
            else:
                top = heading
                current = (heading, None)
            if rest:
                body.append(_remainder(paragraph, rest) if not nested else paragraph)
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
    named = _CELL_ABOUT.match(paragraph)
    if named:
        return TEMPLATE_HEADINGS[0], paragraph[named.end() :].strip(), False
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
