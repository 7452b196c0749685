"""Split a structured cell into passages: one per listed document, and commentary within sections.

What may be quoted is decided here, once: a passage keeps its sentences that navigate the page (links,
widgets, cross-references) for context but marks them never quotable, marks the sentences that lean on the
one before ("Both have their justifications ...": quoted with it or not at all), and loses the bare numbers
the page's numbered links leave behind ("(1 2 3 4)").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import Any, Literal, get_args

from matrixqa.ingest.cell import SUBSECTION, Cell, Link, Paragraph, Study, StudyType
from matrixqa.ingest.crossrefs import cell_links
from matrixqa.textrules import ENTRY_MATCH_STOPWORDS, NAVIGATION, leans_back

MAX_WORDS = 180  # all-MiniLM-L6-v2 reads 256 word pieces; longer paragraphs split at sentences
MAX_CONTEXT = 2  # sentences quoted before one that leans on its neighbour, to reach one that stands alone
# ... before one that gives what the question asks for when no sentence within MAX_CONTEXT does: quoting more beats
# saying the cell lacks what it gives ("another larger US study involving 265 patients" leans back four sentences).
GIVING_CONTEXT = 4
SUMMARY_SECTION = "About this cell"


def top_section(label: str) -> str:
    """The section of the page a passage's section label names ("Issues to consider and discuss")."""
    return label.split(SUBSECTION)[0]


CREDITS_SECTION = "Acknowledgements"  # the commentary's closing thanks: who commented on the entry in draft
# A source link is a study's Effectiveness Bank analysis, its original publication, a link the page
# puts inside the passage's text, or the cell page.
LinkKind = Literal["analysis", "publication", "in text", "cell"]
LINK_KINDS: tuple[str, ...] = get_args(LinkKind)
# Words in commentary that point back at an entry of the cell's list of documents.
_REFERENCE_CUE = re.compile(
    r"\b(?:listed above|summary above|described above|featured above|study above|review above|entry above)\b", re.I
)
_A_WORD = re.compile(r"[A-Za-z]{3,}")
# The page's numbered links to further sources, "(1 2 3 4)": in a text copy only bare numbers are left.
_REFERENCE_RUN = re.compile(r" ?\((?:\d{1,2} )+\d{1,2}\)")


@dataclass(frozen=True)
class CellRef:
    """The cell a passage comes from. A code such as B3 names a cell in each matrix, so a label names both."""

    matrix: str
    code: str
    title: str
    url: str
    acknowledgement: str

    @classmethod
    def of(cls, cell: Cell) -> CellRef:
        return cls(cell.matrix, cell.code, cell.title, cell.url, cell.acknowledgement)

    @property
    def label(self) -> str:
        """The cell as it is named to a reader: "Drug Treatment Matrix cell B3: Practitioners; Medical treatment"."""
        return f"{self.matrix} cell {self.code}: {self.title}"

    @property
    def short_label(self) -> str:
        """ "Drug B3": the cell named in a line with no room for its title."""
        return f"{self.matrix.split()[0]} {self.code}"


@dataclass(frozen=True)
class StudyRef:
    type: StudyType
    title: str
    year: int | None
    url: str
    free_source: bool = False
    authors: str = ""
    journal: str = ""
    publication_title: str = ""
    publication_url: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyRef:
        return cls(**{**data, "type": StudyType(data["type"])})


@dataclass(frozen=True)
class Passage:
    """A unit of retrieval: verbatim source text with where it comes from."""

    id: str
    text: str
    kind: Literal["study", "commentary"]
    cell: CellRef
    section: str
    position: int
    study: StudyRef | None
    refers_to: tuple[StudyRef, ...]
    sentences: tuple[tuple[int, int], ...]
    text_links: tuple[Link, ...] = ()  # the page's links inside this text, at their places in it
    supplementary: bool = False  # text the page shows only when a reader unfolds it
    unquotable: tuple[int, ...] = ()  # sentences (by number) that navigate the page: never quoted
    leans: tuple[int, ...] = ()  # sentences (by number) that lean on the one before: quoted with it or not at all

    @property
    def links(self) -> list[dict[str, str]]:
        """Source links: the study itself (its analysis, then its original publication), or the studies a
        commentary passage refers to, then the links inside the text, then the cell; each address once."""
        links: list[dict[str, str]] = []
        for study in [self.study] if self.study else self.refers_to:
            kind = "cell" if study.url == self.cell.url else "analysis"
            links.append({"title": study.title, "url": study.url, "kind": kind})
            if study.publication_url:
                title = study.publication_title or f"{study.title}: original publication"
                links.append({"title": title, "url": study.publication_url, "kind": "publication"})
        links += [{"title": link.text, "url": link.url, "kind": "in text"} for link in self.text_links]
        links.append({"title": self.cell.label, "url": self.cell.url, "kind": "cell"})
        unique: dict[str, dict[str, str]] = {}
        for link in links:
            unique.setdefault(link["url"], link)
        return list(unique.values())

    @property
    def headed_text(self) -> str:
        """Its section's heading and its text: what the passage itself says ("Guidance. Sets out ..."), without the
        metadata the corpus adds to it."""
        return f"{self.section}. {self.text}"

    @property
    def sentence_texts(self) -> list[str]:
        return [self.text[start:end] for start, end in self.sentences]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        study = data.get("study")
        return cls(
            id=data["id"],
            text=data["text"],
            kind=data["kind"],
            cell=CellRef(**data["cell"]),
            section=data["section"],
            position=data["position"],
            study=StudyRef.from_dict(study) if study else None,
            refers_to=tuple(StudyRef.from_dict(s) for s in data["refers_to"]),
            sentences=tuple(tuple(span) for span in data["sentences"]),  # type: ignore[misc]
            text_links=tuple(Link(**link) for link in data.get("text_links", ())),
            supplementary=data.get("supplementary", False),
            unquotable=tuple(data.get("unquotable", ())),
            leans=tuple(data.get("leans", ())),
        )

    def quotable(self, offset: int) -> bool:
        return offset not in self.unquotable

    def points_back(self, offset: int) -> StudyRef | None:
        """The listed study a commentary sentence points back at ("this freely available review listed above"): the
        one study the passage refers to, when the sentence holds the words that point; None otherwise."""
        if len(self.refers_to) != 1 or not _REFERENCE_CUE.search(self.sentence_texts[offset]):
            return None
        return self.refers_to[0]

    def follows(self, other: Passage) -> bool:
        """Whether this passage comes right after another on the page, in the same section."""
        return (self.cell, self.section, self.position) == (other.cell, other.section, other.position + 1)

    def with_context(self, offset: int, reach: int = MAX_CONTEXT) -> list[int]:
        """A sentence and the sentences before it that it leans on, back to the nearest that stands alone (at most
        `reach` of them, all quotable); none at all when no such sentence is within reach in the passage."""
        chain = self._leaning_back(offset, reach)
        return chain if chain and chain[0] not in self.leans else []

    def stands_alone(self) -> bool:
        """Whether some sentence may be quoted from this passage alone (with the sentences before it it leans on)."""
        return any(self.with_context(offset) for offset in range(len(self.sentences)))

    def from_opening(self, offset: int, reach: int = MAX_CONTEXT) -> list[int]:
        """A sentence and those before it, when they lean back to the passage's first sentence and it leans on the
        close of the passage before it on the page (so all are quoted after that close, or none is); else none."""
        chain = self._leaning_back(offset, reach)
        return chain if chain and chain[0] == 0 and 0 in self.leans else []

    def _leaning_back(self, offset: int, reach: int) -> list[int]:
        """A sentence and the sentences before it that it leans on, back to one that stands alone or to the first."""
        if not self.quotable(offset):
            return []
        start = offset
        while start in self.leans and start > 0:
            if offset - start >= reach or not self.quotable(start - 1):
                return []
            start -= 1
        return list(range(start, offset + 1))


def chunk_cell(cell: Cell) -> list[Passage]:
    """Every passage of a cell, in page order."""
    ref = CellRef.of(cell)
    pieces: list[tuple[str, Paragraph, Study | None, tuple[StudyRef, ...]]] = []
    if cell.summary:
        pieces.append((SUMMARY_SECTION, Paragraph(cell.summary), None, ()))
    for study in cell.studies:
        pieces.append((study.type.plural, Paragraph(study.text, study.links, cut_off=study.cut_off), study, ()))
    for section in cell.sections:
        for paragraph in section.paragraphs:
            refers = _referred_studies(paragraph.text, section.heading, cell)
            for piece in _split_paragraph(paragraph):
                pieces.append((section.label, piece, None, refers))
    if cell.credits:
        pieces.append((CREDITS_SECTION, Paragraph(cell.credits), None, ()))

    passages = []
    for position, (section, piece, study, refers) in enumerate(pieces):
        piece = without_reference_numbers(piece)
        text = piece.text
        spans = tuple(sentence_spans(text))
        study_ref = _study_ref(study, cell) if study else None
        digest = hashlib.sha1(f"{cell.key}\0{section}\0{position}\0{text}".encode()).hexdigest()[:10]
        passages.append(
            Passage(
                id=f"{cell.key}-{digest}",
                text=text,
                kind="study" if study else "commentary",
                cell=ref,
                section=section,
                position=position,
                study=study_ref,
                refers_to=refers,
                sentences=spans,
                unquotable=tuple(
                    i
                    for i, (start, end) in enumerate(spans)
                    # A sentence the page's end cut short says only part of what it meant.
                    if unquotable(text[start:end]) or (piece.cut_off and i == len(spans) - 1)
                ),
                text_links=_with_cell_links(piece.links, text, cell),
                supplementary=piece.supplementary,
                leans=tuple(i for i, (start, end) in enumerate(spans) if leans_back(text[start:end])),
            )
        )
    return passages


def _with_cell_links(links: tuple[Link, ...], text: str, cell: Cell) -> tuple[Link, ...]:
    """The page's links in a passage, and links to the cells its words point to where the page gave none."""
    pointed = [c for c in cell_links(text, cell) if not any(c.start < o.end and o.start < c.end for o in links)]
    return tuple(sorted([*links, *pointed], key=lambda link: link.start))


def _split_paragraph(paragraph: Paragraph) -> list[Paragraph]:
    """split_long, with each part keeping the links that fall inside it."""
    parts: list[Paragraph] = []
    cursor = 0
    texts = split_long(paragraph.text)
    for n, text in enumerate(texts, 1):
        # Only the last part ends where the paragraph ends, so only it can be cut off.
        part = replace(paragraph, text=text, links=(), cut_off=paragraph.cut_off and n == len(texts))
        start = paragraph.text.find(text, cursor)
        if start < 0:  # split_long rejoined the sentences with other spacing: no place to carry links to
            parts.append(part)
            continue
        end = start + len(text)
        links = tuple(
            Link(link.text, link.url, link.start - start, link.end - start)
            for link in paragraph.links
            if link.start >= start and link.end <= end
        )
        parts.append(replace(part, links=links))
        cursor = end
    return parts


def without_reference_numbers(paragraph: Paragraph) -> Paragraph:
    """The paragraph without the bare numbers its page's numbered links left in a text copy ("(1 2 3 4)"),
    its links moved to where their anchors now stand. Numbers that still carry their links (a page saved
    as HTML) are kept: they are links, not bare numbers."""
    kept: list[str] = []
    links: list[Link] = []
    cursor = 0
    removed = [
        m
        for m in _REFERENCE_RUN.finditer(paragraph.text)
        if not any(m.start() <= link.start < m.end() for link in paragraph.links)
    ]
    if not removed:
        return paragraph
    for match in removed:
        kept.append(paragraph.text[cursor : match.start()])
        cursor = match.end()
    kept.append(paragraph.text[cursor:])
    for link in paragraph.links:
        cut = sum(m.end() - m.start() for m in removed if m.end() <= link.start)
        links.append(Link(link.text, link.url, link.start - cut, link.end - cut))
    return replace(paragraph, text="".join(kept), links=tuple(links))


def unquotable(sentence: str) -> bool:
    """Whether a sentence only steers the reader about the page ("Related study below."), or has no words."""
    return bool(NAVIGATION.search(sentence.strip())) or not _A_WORD.search(sentence)


def _study_ref(study: Study, cell: Cell) -> StudyRef:
    # An entry whose own address is not known links to its cell page, never to a guessed address.
    # A StudyRef is the part of a Study that travels with its passages: each of its fields is the Study's.
    shared = {field.name: getattr(study, field.name) for field in fields(StudyRef)}
    return StudyRef(**{**shared, "url": study.url or cell.url})


def split_long(paragraph: str, max_words: int = MAX_WORDS) -> list[str]:
    """Keep a paragraph whole unless it is too long to embed, then cut it into even runs of sentences."""
    total = len(paragraph.split())
    if total <= max_words:
        return [paragraph]
    target = total / -(-total // max_words)  # even parts, so no scrap of a sentence stands alone
    parts: list[str] = []
    current: list[str] = []
    for start, end in sentence_spans(paragraph):
        sentence = paragraph[start:end]
        if current and len(" ".join(current).split()) + len(sentence.split()) / 2 > target:
            parts.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        parts.append(" ".join(current))
    return parts


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a text, so each sentence can be quoted verbatim."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in _segmenter().segment(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence, cursor)
        if start < 0:  # the segmenter altered the text; fall back to the rest as one sentence
            spans.append((cursor, len(text)))
            break
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z'’-]{3,}", text.lower()) if w not in ENTRY_MATCH_STOPWORDS}


def _referred_studies(paragraph: str, heading: str, cell: Cell) -> tuple[StudyRef, ...]:
    """Studies a commentary paragraph points back to, where its words make that clear.

    The page links such phrases ("a seminal study listed above") to an entry; the copied text keeps
    only the words, so the entry is told by the kind of document named and by shared content words,
    and nothing is linked when two entries fit equally well.
    """
    cues = list(_REFERENCE_CUE.finditer(paragraph))
    if not cues:
        return ()
    words = _content_words(paragraph)
    found: list[StudyRef] = []
    for cue in cues:
        before = paragraph[max(0, cue.start() - 40) : cue.start()].lower()
        kinds = [kind for kind in StudyType if kind.cue in before]
        candidates = [s for s in cell.studies if not kinds or s.type in kinds]
        if "freely available" in before:
            candidates = [s for s in candidates if s.free_source] or candidates
        scored = sorted(((len(words & _content_words(s.text)), i) for i, s in enumerate(candidates)), reverse=True)
        if not scored or scored[0][0] < (2 if kinds else 4):
            continue
        margin = scored[0][0] - (scored[1][0] if len(scored) > 1 else 0)
        if len(candidates) == 1 or margin >= (1 if kinds else 3):
            ref = _study_ref(candidates[scored[0][1]], cell)
            if ref not in found:
                found.append(ref)
    return tuple(found)
