"""What a passage reads as: to the embedding model, and to lexical search. Both add the structure the
passage sits in (its study's kind and year, or its section), as its text alone does not say it."""

from __future__ import annotations

import re

from matrixqa.ingest.chunk import Passage
from matrixqa.textrules import ENTRY_NOTES, passage_points_back


def embedding_text(passage: Passage) -> str:
    """What the model reads for a passage: its text with the structure it sits in."""
    if passage.study:
        year = f" ({passage.study.year})" if passage.study.year else ""
        return f"{passage.study.type.label}{year}: {passage.text}"
    return f"{passage.section}: {passage.text}"


def searchable_texts(passages: list[Passage]) -> list[str]:
    """What lexical search reads for each passage: its words with the structure they sit in.

    A study entry adds its kind and year ("Key study 1999"), its authors, and the title and journal of its
    original publication, when the cell's metadata records them. A commentary passage adds its section
    heading and, when it is not the section's first passage, the section's opening sentence, which
    names what the section is about (the Highlighted study's place and design, for example). A
    passage that opens by pointing back ("these requirements", "this study") also adds the sentence
    before it, where what it points to is named. Where the passage refers to a listed study, its
    authors are added.
    """
    texts = []
    opening: dict[tuple[str, str, str], str] = {}
    for position, passage in enumerate(passages):
        if passage.study:
            year = f" {passage.study.year}" if passage.study.year else ""
            study = passage.study
            facts = [author_names(study.authors), study.publication_title, study.journal]
            about = "".join(f" {fact.rstrip('.')}." for fact in facts if fact)
            texts.append(f"{study.type.label}{year}. {ENTRY_NOTES.sub('', passage.text)}{about}")
            continue
        key = (passage.cell.matrix, passage.cell.code, passage.section)
        lead = opening.get(key)
        if lead is None:
            opening[key] = passage.sentence_texts[0] if passage.sentences else ""
        before = passages[position - 1] if position else None
        pointed_to = ""
        if lead is not None and before and not before.study and before.sentences and _points_back(passage):
            pointed_to = before.sentence_texts[-1]
        # The authors of a study the passage describes, so a question naming them finds the discussion too.
        authors = " ".join(author_names(s.authors) + "." for s in passage.refers_to if s.authors)
        texts.append(
            " ".join(part for part in (passage.section + ".", lead, pointed_to, passage.text, authors) if part)
        )
    return texts


def _points_back(passage: Passage) -> bool:
    return passage_points_back(passage.sentence_texts[0] if passage.sentences else passage.text)


def author_names(authors: str) -> str:
    """The names a question would use: "McLellan AT, Woody GE" gives "McLellan Woody"; bodies stay whole.

    Initials and "et al." are left out: they are no word of a question, and they only lengthen the text.
    """
    return " ".join(name for name, _ in _authors(authors))


def surnames(authors: str) -> list[str]:
    """The people's surnames among a study's authors ("McLellan", "Woody"), bodies left out."""
    return [name for name, person in _authors(authors) if person]


def _authors(authors: str) -> list[tuple[str, bool]]:
    """Each author as a question would name them, and whether it is a person (a surname and initials)."""
    names = []
    for part in authors.split(","):
        part = re.sub(r"\bet al\.?", "", part).strip()
        person = re.fullmatch(r"(.+?) [A-Z]{1,3}", part)
        if part:
            names.append((person[1], True) if person else (part, False))
    return names
