"""Read a cell page saved as HTML into the lines the template parser reads, each with the links inside it.

The lines are the page's visible text as a browser lays it out (one line a block), so ingest/parse.py
reads them exactly as it reads a plain text copy; the HTML adds the links and the text that the page
keeps folded until a reader clicks "Unfold" (kept, and marked supplementary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from matrixqa.ingest.cell import Link, Paragraph

# What a reader never sees as content: code, styling, and the site's navigation and footers.
_DROPPED = frozenset(
    "head script style noscript template nav footer iframe object svg canvas form button select option "
    "textarea input map area audio video".split()
)
_DROPPED_ROLES = frozenset({"navigation", "contentinfo", "search"})
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SUPPLEMENTARY_NAME = re.compile(r"supplementary|unfold", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


@dataclass
class _Line:
    """Text as HTML lays it out: runs of white space become one space."""

    text: str = ""
    links: list[Link] = field(default_factory=list)

    def add(self, text: str) -> None:
        text = _WHITESPACE.sub(" ", text)
        if text.startswith(" ") and (not self.text or self.text.endswith(" ")):
            text = text[1:]
        self.text += text


class _Reader:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.lines: list[Paragraph] = []
        self.line = _Line()
        self.supplementary = False

    def end_line(self) -> None:
        text = self.line.text
        lead = len(text) - len(text.lstrip())
        stripped = text.strip()
        if stripped:
            links = tuple(
                Link(link.text, link.url, link.start - lead, min(link.end - lead, len(stripped)))
                for link in self.line.links
            )
            self.lines.append(Paragraph(stripped, links, self.supplementary))
        self.line = _Line()

    def read(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self.line.add(child.text_content or "")
            elif child.is_element_node:
                self.element(child)

    def element(self, node: LexborNode) -> None:
        tag = node.tag or ""
        attributes = node.attributes
        if tag in _DROPPED or attributes.get("role") in _DROPPED_ROLES or attributes.get("aria-hidden") == "true":
            return
        if tag == "br":
            self.end_line()
            return
        if tag == "img":
            return  # a reader sees the picture, not its alt text
        folded = _is_supplementary(attributes) and not self.supplementary
        if tag in _BLOCKS or folded:
            self.end_line()
        if folded:
            self.supplementary = True
        if tag == "a" and attributes.get("href"):
            self.link(node, attributes["href"] or "")
        else:
            self.read(node)
        if tag in _BLOCKS or folded:
            self.end_line()
        if folded:
            self.supplementary = False

    def link(self, node: LexborNode, href: str) -> None:
        line, before = self.line, len(self.line.text)
        self.read(node)
        if self.line is not line:
            return  # a link around whole blocks marks no place in a line
        anchor = line.text[before:]
        start = before + len(anchor) - len(anchor.lstrip())
        words = anchor.strip()
        url = urljoin(self.base_url, href.strip())
        # Links within the page (to a heading below) and scripts are part of the page, not sources.
        if words and not href.strip().startswith("#") and url.startswith(("http://", "https://")):
            self.line.links.append(Link(words, url, start, start + len(words)))


def _is_supplementary(attributes: dict[str, str | None]) -> bool:
    names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
    return (
        "hidden" in attributes
        or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))
        or bool(_SUPPLEMENTARY_NAME.search(names))
    )


def decode_page(raw: bytes, declared: str | None = None) -> str:
    """A page's bytes as text: by the charset the server or the page declares, else UTF-8, else Windows-1252."""
    sniffed = _META_CHARSET.search(raw[:4096])
    for encoding in (declared, sniffed[1].decode("ascii") if sniffed else None, "utf-8"):
        if encoding:
            try:
                return raw.decode(encoding).removeprefix("\ufeff")
            except (LookupError, UnicodeDecodeError):
                continue
    return raw.decode("cp1252", errors="replace")


def read_html_page(html: str, base_url: str) -> list[Paragraph]:
    """The page's lines of visible text with their links (addresses made absolute against base_url).

    The document's <title> comes first, so a page whose body lacks the cell's title line is still
    recognised by it; text a reader unfolds is kept as lines marked supplementary.
    """
    tree = LexborHTMLParser(html)
    base = tree.css_first("base[href]")
    reader = _Reader(urljoin(base_url, base.attributes.get("href") or "") if base is not None else base_url)
    title = tree.css_first("title")
    if title is not None:
        reader.line.add(title.text())
        reader.end_line()
    if tree.body is not None:
        reader.read(tree.body)
    reader.end_line()
    return reader.lines
