"""Group a cell page's "Matrix Bite" commentary into sections under its headings."""

from __future__ import annotations

import re

from matrixqa.ingest.cell import Link, Paragraph, Section

# Top-level headings every Matrix Bite uses; a cell may add headings of its own (found by shape).
TEMPLATE_HEADINGS = (
    "What is this cell about?",
    "Where should I start?",
    "Highlighted study",
    "Issues to consider and discuss",
)
# Some versions name the cell in the first heading ("What is cell B3 about?"); it is the same section.
_CELL_ABOUT = re.compile(r"^What is cell [A-E][1-5] about\?(?=\s|$)")
_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with which who that than is are was were be".split()
)
_CREDITS = re.compile(r"^(Thanks|Thank you|With thanks)\b")


def commentary_sections(paragraphs: list[Paragraph]) -> tuple[list[Section], str]:
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


def _remainder(paragraph: Paragraph, rest: str) -> Paragraph:
    """The part of a paragraph after its heading, with the links that fall in it."""
    shift = len(paragraph.text) - len(rest)
    links = tuple(
        Link(link.text, link.url, link.start - shift, link.end - shift)
        for link in paragraph.links
        if link.start >= shift
    )
    return Paragraph(rest, links, paragraph.supplementary)
