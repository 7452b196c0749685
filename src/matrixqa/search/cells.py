"""Which cells of the corpus a question names: by code, with or without its matrix, or by title.

A3, B3 and B4 (and every other code) exist in both matrices with the same titles, so a cell is its matrix and its
code together. A code names a cell when the question also speaks of cells or matrices ("what is cell b3 about?", "in
the alcohol matrix, what does B4 say?"), a matrix's name stands before it ("alcohol B4", or its initials in
capitals: "DTM B3"), or the question asks what something covers ("what topics does A4 deal with?": reading.py knows
the words that ask it), or the question is
nothing but codes ("B4?") or opens with one, capitalised, before a colon, dash or comma ("B3 - where should I
start?"), or its other words name nothing but the corpus or make the request ("what about b1?"): a
capital letter and a digit among other words ("vitamin B1") are not taken for a cell. A title names its cell when a
word of its column and a word of its row are in the question beside the word cell or matrix, as people shorten
titles ("the practitioners psychosocial cell" for "Practitioners; Psychosocial therapies"); the words every title
shares ("treatment", "issues") name none, and of several titles so named, those whose words the question holds most
are meant. A question naming a matrix gets that matrix's cell (a matrix named right before a code is that code's:
"drug B3 and alcohol B4"); naming none, the cell of that code in each matrix the corpus holds (the others are not
named, so not reported missing, unless the corpus holds none); naming a matrix and no cell of it ("what does the
alcohol matrix cover?"), every cell of that matrix. Cells are named as the two matrices lay them out, so a
question may name cells the corpus does not hold ("what is cell E5 about?" of a corpus without E5): those are told
apart (`not_held`), for a decline or an answer to name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matrixqa.index.words import stem
from matrixqa.ingest.chunk import CellRef, Passage
from matrixqa.ingest.identity import cell_title, matrix_codes

_SPEAKS_OF_CELLS = re.compile(r"\b(?:cells?|matri(?:x|ces))\b", re.IGNORECASE)
_A_CELL = re.compile(r"\bcells?\b", re.IGNORECASE)
# What is left of "in the alcohol matrix cell B1," once the name is taken out.
_A_NAME = re.compile(r"(?:'s)?\s*\b(?:cells?|matri(?:x|ces))\b(?:'s)?", re.IGNORECASE)
_LEFT_OF_A_NAME = re.compile(r"\b(?:(?:in|of|from|on)\s+)?(?:the|this|that)\s*(?=[,;:?.!]|$)", re.IGNORECASE)
# A question that is nothing but codes ("B4", "a3 and b3?") can only mean cells.
# A code with its capital that opens the question before a colon, dash or comma addresses that cell ("B3 - where
# should I start?", "C4: key studies"), as a heading would.
_ADDRESSED = re.compile(r"\W*[A-E][1-5]\s*[:,–—-]")
# A code the question reads from names a cell, in any case, as a vitamin (B1, D3) never is: "In D3, ...",
# "according to a1", "what does d3 say about ...", "which review is listed in A4", "D3's key studies"; "the
# evidence in B4 on ..." only with its capital ("deficiency in b1 on ...").
_A_CODE = r"[a-e][1-5]"  # any case: the patterns using it are compiled IGNORECASE
_AS_SOURCE = re.compile(
    rf"^\W*in\s+{_A_CODE}\s*[:,–—-]|\baccording\s+to\s+{_A_CODE}\b"
    rf"|\b{_A_CODE}\s+(?:says?|said|covers?|mentions?|lists?|recommends?|concludes?|suggests?|tells?)\b"
    rf"|\b(?:listed|covered|mentioned|said|discussed|cited|described)\s+in\s+{_A_CODE}\b"
    rf"|\b(?:(?:key|seminal|highlighted)\s+stud(?:y|ies)|reviews?|guidance|commentary)\s+(?:in|of|from)\s+{_A_CODE}\b"
    rf"|\b{_A_CODE}'s\s+(?:key|seminal|highlighted|reviews?|guidance|commentary)\b"
    r"|\b(?-i:in\s+[A-E][1-5])\s+(?:on|about)\b",
    re.IGNORECASE,
)
_ONLY_CODES = re.compile(r"\W*[A-E][1-5](?:\W+(?:and\W+|or\W+)?[A-E][1-5])*\W*", re.IGNORECASE)
_CODE = re.compile(r"\b([A-E][1-5])\b|\bcells?\s+([a-e][1-5])\b", re.IGNORECASE)
# A matrix by its name's initials, in capitals ("DTM cell B3"), a name in itself ("atm" is chat for "at the moment").
_INITIALS = {"".join(w[0] for w in matrix.split()).lower(): matrix for matrix, _ in matrix_codes()}
# "alcohol B4", "the drug matrix", "the drug and alcohol B3 cells", "on the alcohol side": the matrices named.
_NAMED_MATRIX = re.compile(
    r"(?:\b(drugs?|alcohol)(?:\s+(?:and|or|&|vs\.?|versus)\s+(drugs?|alcohol))?"
    r"\s+(?:(?:treatment\s+)?matri(?:x|ces)|sides?\b(?!\s*-?\s*effects?)|(?:cells?\s+)?(?=[A-Ea-e][1-5]\b))"
    rf"|(?-i:\b({'|'.join(_INITIALS).upper()})\b))",
    re.IGNORECASE,
)

_CODE_AFTER = re.compile(rf"\s*(?:cells?\s+)?({_A_CODE})\b", re.IGNORECASE)  # a code right after a matrix's name
# A matrix's name with the code after it, in any case ("alcohol b4"), as `unnamed` takes it out.
_NAMED_WITH_CODE = re.compile(f"{_NAMED_MATRIX.pattern}(?:{_CODE_AFTER.pattern})?", re.IGNORECASE)

# The substances and medicines of one matrix alone, by the first word of the matrix's name ("methadone or Antabuse"
# asks of both); naltrexone treats both dependences.
_SUBSTANCES_OF_MATRIX = {
    "drug": re.compile(
        r"\b(?:methadone|buprenorphine|subutex|suboxone|bupe|heroin|opioids?|opiates?|cocaine|crack|cannabis|"
        r"amphetamines?|stimulants?|benzodiazepines?|benzos?)\b",
        re.IGNORECASE,
    ),
    "alcohol": re.compile(
        r"\b(?:alcohol\w*|drinking|drinkers?|booze|disulfiram|antabuse|acamprosate|campral|nalmefene)\b", re.IGNORECASE
    ),
}
# How a question names each matrix's subject: its substances and its own words ("patients with drug or alcohol
# problems", "coming off drink or drugs"); "drink" alone is too often something else ("drink coffee").
_SUBJECT_OF_MATRIX = {
    "drug": re.compile(rf"\bdrugs?\b|{_SUBSTANCES_OF_MATRIX['drug'].pattern}", re.IGNORECASE),
    "alcohol": re.compile(
        rf"{_SUBSTANCES_OF_MATRIX['alcohol'].pattern}|\bdrink\s*(?:or|and|&|/)\s*drugs?\b|\bdrugs?\s*(?:or|and|&|/)\s*drink\b",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True, order=True)
class CellKey:
    """A cell, named by its matrix and code together."""

    matrix: str  # "Drug Treatment Matrix"
    code: str  # "B3"

    @classmethod
    def of(cls, cell: CellRef) -> CellKey:
        return cls(cell.matrix, cell.code)

    def __str__(self) -> str:
        return f"{self.matrix} {self.code}"


# Every cell of both matrices, by its title: a question may name a cell the corpus does not hold.
_LAYOUT = {CellKey(matrix, code): cell_title(matrix, code) for matrix, code in matrix_codes()}
_MATRICES = {key.matrix.split()[0].lower(): key.matrix for key in _LAYOUT} | _INITIALS  # "drug", "dtm": its matrix


@dataclass(frozen=True)
class NamedCells:
    """The cells a question names, and the words of their titles (words that name the corpus, not a subject)."""

    keys: tuple[CellKey, ...] = ()
    title_words: frozenset[str] = frozenset()
    not_held: tuple[CellKey, ...] = ()  # cells of the matrices it names that the corpus does not hold
    matrix_words: frozenset[str] = frozenset()  # the words naming a matrix ("alcohol", "side" in "the alcohol side")

    @property
    def naming(self) -> frozenset[str]:
        """Every word by which the question names its cells or their matrices: no subject of its own."""
        return self.title_words | self.matrix_words


class CellNames:
    """The cells of a corpus, and how a question may name them."""

    def __init__(self, passages: list[Passage]):
        self.titles = {CellKey.of(p.cell): p.cell.title for p in passages}
        self.matrices = {key.matrix.split()[0].lower(): key.matrix for key in self.titles}  # "drug": its matrix

    def named(self, question: str, asks_scope: bool = False, names_only: bool = False) -> NamedCells:
        """The corpus's cells the question names, in matrix and code order, with the words of their titles;
        asks_scope: the question asks what something covers, so a code alone names its cell; names_only: its
        words name nothing but the corpus ("what about B1?"), so a code in it, in any case, can only be a cell."""
        named, said = self._keys(question, asks_scope, names_only)
        keys = tuple(key for key in named if key in self.titles)
        words = {w for key in keys for w in re.findall(r"[a-z]+", self.titles[key].lower())}
        stems = {w for key in keys for w in _title_words(self.titles[key])}
        words |= {w for w in re.findall(r"[a-z]+", question.lower()) if stem(w) in stems}  # "practitioner"
        return NamedCells(keys, frozenset(words), tuple(key for key in named if key not in self.titles), said)

    def names_any(self, question: str) -> bool:
        """Whether a question names any cell or matrix, held or not."""
        named = self.named(question)
        return bool(named.keys or named.not_held)

    def unnamed(self, question: str) -> str:
        """The question without the words naming cells and matrices ("what does alcohol B4 say about empathy?":
        "what does say about empathy?"), to ask the same of other cells; as it is when it names none."""
        if not self.names_any(question):
            return question
        text = re.sub(r"\s+'s\b", " ", _NAMED_WITH_CODE.sub(" ", question))  # "the drug matrix's"
        read_from = _read_from(question)
        text = _CODE.sub(lambda m: " " if _is_code(m) or m.group().upper() in read_from else m.group(), text)
        text = _LEFT_OF_A_NAME.sub(" ", _A_NAME.sub(" ", text))  # "In the , why ...": "why ..."
        return " ".join(text.split()).lstrip(",;: ")

    def subjects_named(self, question: str) -> tuple[str, ...]:
        """The corpus's matrices whose subject the question names, when it names more than one ("does seeing the
        same GP help people coming off drink or drugs?" asks of both); otherwise none."""
        named = self._subject_words(question)
        return tuple(named) if len(named) > 1 else ()

    def subject_named(self, question: str) -> tuple[str, str] | None:
        """The one matrix of the corpus whose subject the question names, when it names one alone and by a substance
        or medicine of that matrix, with the word naming it ("heroin"): the bare word "drug" is as often a medicine
        ("which drug helps drinkers?") or a kind of worker ("drug keyworkers") as the drug matrix's subject."""
        named = self._subject_words(question)
        if len(named) != 1:
            return None
        matrix = next(iter(named))
        found = _SUBSTANCES_OF_MATRIX[matrix.split()[0].lower()].search(question)
        return (matrix, found.group()) if found else None

    def _subject_words(self, question: str) -> dict[str, str]:
        found = {
            matrix: _SUBJECT_OF_MATRIX[word].search(question)
            for word, matrix in sorted(self.matrices.items())
            if word in _SUBJECT_OF_MATRIX
        }
        return {matrix: named.group() for matrix, named in found.items() if named}

    def _keys(self, question: str, asks_scope: bool, names_only: bool) -> tuple[tuple[CellKey, ...], frozenset[str]]:
        """The cells of both matrices' layout the question names, and the words by which it names matrices."""
        only_codes = names_only or bool(_ONLY_CODES.fullmatch(question) or _ADDRESSED.match(question))
        read_from = _read_from(question)
        if not (
            asks_scope
            or only_codes
            or read_from
            or _SPEAKS_OF_CELLS.search(question)
            or _NAMED_MATRIX.search(question)
            or _writes_a_title(question)
        ):
            return (), frozenset()
        matrices: set[str] = set()
        words: set[str] = set()
        bound: dict[str, set[str]] = {}  # a code and the matrices named right before it ("drug B3 and alcohol B4")
        for m in _NAMED_MATRIX.finditer(question):
            names = [name.lower() for name in m.groups() if name]
            words.update(re.findall(r"[a-z]+", m.group().lower()))  # "side" in "the alcohol side" names it too
            these = {_MATRICES[name.removesuffix("s")] for name in names}
            matrices |= these
            if code := _CODE_AFTER.match(question, m.end()):
                bound.setdefault(code.group(1).upper(), set()).update(these)
        if names_only:  # "what about the alcohol one?": a matrix's name alone names it
            matrices |= {self.matrices[w] for w in re.findall(r"[a-z]+", question.lower()) if w in self.matrices}
        codes = {(m.group(1) or m.group(2)).upper() for m in _CODE.finditer(question) if only_codes or _is_code(m)}
        codes |= set(bound) | read_from  # in any case after a matrix's name ("alcohol b4") or read from
        # Cells are named as the matrices lay them out; which of them the corpus holds is told apart after.
        found = {key for key in _LAYOUT if key.code in codes and key.matrix in bound.get(key.code, {key.matrix})}
        said = _title_words(question)
        # A shortened title names a cell beside the word cell; a matrix alone is too loose a frame ("does
        # supervised dosing harm relationships in the alcohol matrix?" is not about its supervision/harm cell).
        whole = not _A_CELL.search(question)
        by_title = {key: _names_title(said, title, whole) for key, title in _LAYOUT.items()}
        most = max(by_title.values(), default=0)
        found |= {key for key, named in by_title.items() if named and named == most}
        if matrices and not (codes or most):  # a matrix and no cell of it: every cell of the matrix
            found = set(_LAYOUT)
        if matrices:
            found = {key for key in found if key.matrix in matrices}
        else:  # with no matrix named, a code names the corpus's cell of it, in either matrix, when it holds one
            held = {key.code for key in found if key in self.titles}
            found = {key for key in found if key in self.titles or key.code not in held}
        return tuple(sorted(found)), frozenset(words) if found else frozenset()


def _writes_a_title(question: str) -> bool:
    """Whether the question writes a cell's whole title, as the page heads it ("Management/supervision; Generic and
    cross-cutting issues - what's in that one?"): that names the cell as the word cell would."""
    said = _as_titled(question)
    return any(title in said for title in _TITLES_AS_HEADED)


def _as_titled(text: str) -> str:
    return re.sub(r"\s*[;:]\s*", "; ", " ".join(text.lower().split()))


_TITLES_AS_HEADED = tuple(_as_titled(title) for title in _LAYOUT.values())


def _read_from(question: str) -> set[str]:
    """The codes the question reads from (`_AS_SOURCE`), in capitals."""
    return {
        (c.group(1) or c.group(2)).upper() for m in _AS_SOURCE.finditer(question) for c in _CODE.finditer(m.group())
    }


def _is_code(match: re.Match[str]) -> bool:
    """A code on its own must be written with its capital ("B3"); after "cell" any case will do."""
    return bool(match.group(2)) or match.group(1)[0].isupper()


def _names_title(said: frozenset[str], title: str, whole: bool = False) -> int:
    """How many of the question's words name the title, when one names its column and another its row (whole:
    when they name all of it); else 0 ("interventions" alone is in both of "Interventions; Screening and brief
    intervention")."""
    column, _, row = (_title_words(part) for part in title.partition(";"))
    in_column, in_row = column & said, row & said
    named = in_column | in_row
    if whole and named != column | row:
        return 0
    return len(named) if in_column and in_row and len(named) > 1 else 0


# Words too common in the matrices' titles to name one ("Medical treatment", "Treatment systems").
_SHARED_TITLE_WORDS = frozenset(stem(w) for w in ("and", "treatment", "issues", "the", "for", "of"))


def _title_words(text: str) -> frozenset[str]:
    """Text's words as titles are compared: stemmed as search stems them, split at hyphens and slashes."""
    words = (stem(w) for w in re.findall(r"[a-z]+", text.lower()))
    return frozenset(w for w in words if w not in _SHARED_TITLE_WORDS)
