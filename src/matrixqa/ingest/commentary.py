"""Group a cell page's "Matrix Bite" commentary into sections under its headings.

Every Matrix Bite opens with the same heading ("What is this cell about?", in some copies naming the cell)
and uses a few more of the template's; a cell may add headings of its own, found by their shape.
"""

from __future__ import annotations

import re
from dataclasses import replace

from matrixqa.ingest.cell import Link, Paragraph, Section
from matrixqa.textrules import FUNCTION_WORDS

# Top-level headings every Matrix Bite uses; a cell may add headings of its own (found by shape).
WHERE_TO_START = "Where should I start?"  # the heading under which a page says what to read first
TEMPLATE_HEADINGS = (
    "What is this cell about?",
    WHERE_TO_START,
    "Highlighted study",
    "Issues to consider and discuss",
)
# The first heading, also as versions that name the cell write it ("What is cell B3 about?", "What is this cell B1
# about?"): the same section.
# Headings are matched in any case: a copy of a page styled in capitals holds them in capitals.
_ABOUT = re.compile(r"^What is (?:this )?cell(?: [A-E][1-5])? about\?(?=\s|$)", re.IGNORECASE)
_CREDITS = re.compile(r"^(Thanks|Thank you|With thanks)\b")
_ENDS_LIKE_A_SENTENCE = (".", "?", "!", "”", '"')


def opens_commentary(line: str) -> bool:
    """Whether a line of the page starts its commentary: the Matrix Bite widget, or the first heading where a
    copy has no widget."""
    return line.lower().startswith("matrix bite") or bool(_ABOUT.match(line))


def commentary_sections(paragraphs: list[Paragraph]) -> tuple[list[Section], str]:
    """Group commentary paragraphs under their headings (a heading may open its paragraph); also the credits."""
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
        if _CREDITS.match(paragraph.text) and not paragraph.cut_off:
            credits = paragraph.text
            continue
        before, after = texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else ""
        if not paragraph.cut_off and _is_pull_quote(paragraph.text, before, after):
            continue
        heading, rest, nested = _heading_of(paragraph)
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


def _heading_of(paragraph: Paragraph) -> tuple[str | None, str, bool]:
    """A paragraph's heading, if any. Unfolded text belongs to the section it was folded into, whatever its
    shape; a line the page's end cut short may look like a heading on its own but is text."""
    if paragraph.supplementary:
        return None, paragraph.text, False
    heading, rest, nested = _split_heading(paragraph.text)
    if paragraph.cut_off and not rest:
        return None, paragraph.text, False
    return heading, rest, nested


def _remainder(paragraph: Paragraph, rest: str) -> Paragraph:
    """The part of a paragraph after its heading, with the links that fall in it."""
    shift = len(paragraph.text) - len(rest)
    links = tuple(
        Link(link.text, link.url, link.start - shift, link.end - shift)
        for link in paragraph.links
        if link.start >= shift
    )
    return replace(paragraph, text=rest, links=links)


def _is_pull_quote(paragraph: str, before: str, after: str) -> bool:
    """A display quote repeats words of a neighbouring paragraph; it adds nothing of its own."""
    if len(paragraph.split()) > 25 or paragraph.endswith(_ENDS_LIKE_A_SENTENCE):
        return False
    words = set(_words(paragraph))
    return any(len(words & set(_words(other))) >= 0.9 * len(words) for other in (before, after) if other)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _split_heading(paragraph: str) -> tuple[str | None, str, bool]:
    """Return (heading, text after it, whether it is a question-headed part) for a paragraph."""
    named = _ABOUT.match(paragraph)
    if named:
        return TEMPLATE_HEADINGS[0], paragraph[named.end() :].strip(), False
    for heading in TEMPLATE_HEADINGS:
        if paragraph.lower() == heading.lower() or paragraph.lower().startswith(heading.lower() + " "):
            return heading, paragraph[len(heading) :].strip(), False
    words = paragraph.split()
    if len(words) <= 8 and not paragraph.endswith((*_ENDS_LIKE_A_SENTENCE, ":")):
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
                and lead[-1].lower() not in FUNCTION_WORDS
            ):
                return " ".join(lead), " ".join(words[position:]), False
            break
        if re.search(r"[.,;:?!]$", word):
            break
    return None, paragraph, False
