"""What a parsed cell page is: the cell, its listed documents, its commentary, and the links inside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SUBSECTION = " › "  # between a section's heading and its part's, in a section's label


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


STUDY_LETTERS = frozenset(kind.value for kind in StudyType)  # the letters an entry line opens with


@dataclass(frozen=True)
class Link:
    """A link on the page: its anchor text, its address, and where the anchor stands in the text that holds it."""

    text: str
    url: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A line of page text with the links inside it; supplementary text is hidden until a reader unfolds it.

    cut_off: the copy of the page ends inside this text, so its last sentence is incomplete.
    """

    text: str
    links: tuple[Link, ...] = ()
    supplementary: bool = False
    cut_off: bool = False


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
    cut_off: bool = False  # the copy of the page ends inside this entry: its last sentence is incomplete


@dataclass(frozen=True)
class Section:
    """A run of commentary paragraphs under one heading (parent set for question-headed parts)."""

    heading: str
    paragraphs: tuple[Paragraph, ...]
    parent: str | None = None

    @property
    def label(self) -> str:
        return f"{self.parent}{SUBSECTION}{self.heading}" if self.parent else self.heading


@dataclass(frozen=True)
class Cell:
    """A matrix cell: its identity, listed documents and commentary sections.

    unplaced: lines of the page's content that no part of the cell took (a second paragraph between the
    title and the list of documents, a line in the list that is not an entry), for `build` to report.
    """

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
    unplaced: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A cell code is unique only within its matrix, so keys carry both."""
        return f"{self.matrix.split()[0].lower()}-{self.code}"
