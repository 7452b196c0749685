"""Parse a matrix cell page, as a browser shows it copied to plain text, into a structured cell.

A cell page holds, in this order: site navigation, the lines naming the cell (ingest/identity.py), its
one-paragraph summary, a list of documents (a legend, then one entry a line: "S Title (year). Note"), and the
"Matrix Bite" commentary (ingest/commentary.py). Copies differ in which of these parts they hold and where
(docs/ingest.md lists the layouts), so each part is found by its shape, never by one page's wording: entries
wherever they stand before the commentary, the commentary from its first line on. A line of content that no
part takes is kept on the cell as unplaced, for `build` to report. A page saved as HTML reaches the same
parser as lines that also carry their links (see ingest/html.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from matrixqa.errors import ParseError
from matrixqa.ingest.cell import STUDY_LETTERS, Cell, Link, Paragraph, Study, StudyType
from matrixqa.ingest.commentary import commentary_sections, opens_commentary
from matrixqa.ingest.identity import name_cell
from matrixqa.textrules import FREE_SOURCE

_LEGEND = re.compile(r"^S Seminal studies")
_ENTRY_OPENING = rf"^(?P<type>[{''.join(StudyType)}]) (?P<title>.+?) \((?P<source>[^()]*\b(?:19|20)\d\d\b[^()]*)\)"
_ENTRY = re.compile(_ENTRY_OPENING + r"\.\s*(?P<note>.*)$")
# Some copies leave out the full stop after "(year)". Tried only after the form with it, so that a year in
# brackets inside a title is not taken for the entry's own.
_ENTRY_WITHOUT_STOP = re.compile(_ENTRY_OPENING + r"(?:\s+|$)(?P<note>.*)$")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FREE = re.compile(FREE_SOURCE, re.IGNORECASE)
_ENDS_A_SENTENCE = re.compile(r"[.?!…][\"'”’)\]]*$")
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


# No-break, thin and other Unicode spaces (a page saved from a browser writes &nbsp; as U+00A0), and zero-width
# ones, which copies of pages carry and the words of a line are matched without.
_UNICODE_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def plain_spaces(text: str) -> str:
    """Text with every run of spaces of any kind one plain space, and zero-width spaces gone."""
    return re.sub(r"[ \t]+", " ", _UNICODE_SPACES.sub(" ", _ZERO_WIDTH.sub("", text)))


def _plain_spaces(line: Paragraph) -> Paragraph:
    text = plain_spaces(line.text)
    if text == line.text:
        return line
    return replace(line, text=text, links=_carry_links(line.links, line.text, text, plain_spaces))


def clean_widget_text(text: str) -> str:
    """Remove the text of site widgets from a line of content."""
    for pattern, replacement in _WIDGET_TEXT:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_cell_page(text: str, source_file: str = "", address: str = "") -> Cell:
    """Turn the text of a cell page into a Cell, or raise ParseError saying what is missing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return parse_cell_lines([Paragraph(line.strip()) for line in lines], source_file, address)


def parse_cell_lines(lines: list[Paragraph], source_file: str = "", address: str = "") -> Cell:
    """Turn the lines of a cell page (with any links they carry) into a Cell, or raise ParseError.

    source_file and address say where the page was found: when the page names its cell only by a title both
    matrices have, a file name such as `drug-B3.txt` or an address such as `...Matrix/Drugs/B3.htm` names the matrix.
    """
    lines = _cut_off_marked(_type_letters_joined([_plain_spaces(line) for line in lines if line.text]))
    texts = [line.text for line in lines]
    start = next((i for i, text in enumerate(texts) if opens_commentary(text)), len(texts))
    name = name_cell(texts[:start], source_file, address)
    entries = [line for line in lines[:start] if _entry_match(line.text)]
    if not entries and start == len(texts):
        raise ParseError(_nothing_listed(texts))
    summary, unplaced = _summary_and_unplaced(texts[name.last_line + 1 : start])
    paragraphs = [_cleaned(line) for line in lines[start:] if not _WIDGET_LINE.match(line.text)]
    sections, credits = commentary_sections([p for p in paragraphs if p.text])
    studies = tuple(_parse_entry(line) for line in entries)
    return Cell(
        name.matrix, name.code, name.title, summary, studies, tuple(sections), credits, source_file, unplaced=unplaced
    )


def _entry_match(text: str) -> re.Match[str] | None:
    return _ENTRY.match(text) or _ENTRY_WITHOUT_STOP.match(text)


def _type_letters_joined(lines: list[Paragraph]) -> list[Paragraph]:
    """Lines where each entry's type letter, set on a line of its own above the entry, opens the entry again."""
    joined: list[Paragraph] = []
    for line in lines:
        letter = joined[-1].text if joined else ""
        text = f"{letter} {line.text}"
        if letter in STUDY_LETTERS and not _entry_match(line.text) and _entry_match(text):
            shift = len(letter) + 1
            links = tuple(Link(link.text, link.url, link.start + shift, link.end + shift) for link in line.links)
            joined[-1] = replace(line, text=text, links=links)
        else:
            joined.append(line)
    return joined


def _cut_off_marked(lines: list[Paragraph]) -> list[Paragraph]:
    """The lines, with the last line of content marked if it ends mid-sentence: the copy was cut off there."""
    content = [
        i
        for i, line in enumerate(lines)
        if clean_widget_text(line.text) and not _WIDGET_LINE.match(line.text) and not _LEGEND.match(line.text)
    ]
    if not content or _ENDS_A_SENTENCE.search(clean_widget_text(lines[content[-1]].text)):
        return lines
    last = content[-1]
    return [*lines[:last], replace(lines[last], cut_off=True), *lines[last + 1 :]]


def _summary_and_unplaced(texts: list[str]) -> tuple[str, tuple[str, ...]]:
    """The cell's summary: the first paragraph after the lines naming the cell, before its list of documents.
    Every other line there that is neither an entry, the legend nor a widget is unplaced."""
    summary = ""
    unplaced: list[str] = []
    listing = False
    for text in texts:
        cleaned = clean_widget_text(text)
        if _entry_match(text) or _LEGEND.match(text):
            listing = True
        elif _WIDGET_LINE.match(text) or not cleaned:
            continue
        elif not summary and not listing and _ENDS_A_SENTENCE.search(cleaned):
            summary = cleaned
        else:
            unplaced.append(text)
    return summary, tuple(unplaced)


def _nothing_listed(texts: list[str]) -> str:
    commentary = "and no commentary (a 'Matrix Bite' line or the heading 'What is this cell about?')"
    if any(_LEGEND.match(text) for text in texts):
        return f"the list of documents holds no entry of the form 'S|K|R|G Title (year). Note', {commentary}"
    return f"no list of documents (the legend line 'S Seminal studies…' is missing, and no entry) {commentary}"


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
    return replace(line, text=text, links=_carry_links(line.links, line.text, text, clean_widget_text))


def _entry_text(line: str) -> str:
    return clean_widget_text(_NAVIGATION_SENTENCE.sub("", line[2:]))


def _parse_entry(line: Paragraph) -> Study:
    match = _entry_match(line.text)
    assert match  # callers filter with _entry_match
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
        cut_off=line.cut_off,
    )
