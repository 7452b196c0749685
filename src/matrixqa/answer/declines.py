"""Why a question is not answered, and what the asker can do next, in words a practitioner reads at a glance.

A decline says which of two things happened. Either the filters left the evidence out (the same question
without them is answered): the message names the filters, how many passages they admit, and how many
passages the answer without them cites, and the page offers to clear them. Or the corpus holds nothing
relevant: the message names the topics the nearest passages do not treat, the cells of the corpus that do
treat them (by their column and row names, linked to the site), and what the corpus covers. A question
naming only cells the corpus does not hold is told so, with each cell's page on the site. Words no passage
uses are not repeated to the asker: the inspector shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from matrixqa.ingest.chunk import CellRef
from matrixqa.ingest.corpus import cell_url
from matrixqa.ingest.identity import matrix_codes, plain_name
from matrixqa.search.cells import CellKey
from matrixqa.search.filters import Filters

NEAREST_CELLS = 3  # cells a decline names as the nearest; a corpus of no more is listed whole
# The site's overview of both matrices (../shared/guides/EFFECTIVENESS_BANK.md): where every cell is found.
MATRICES_PAGE = "https://www.findings.org.uk/matrices.php"
NOT_COVERED = "The evidence in this corpus does not cover that question, so there is no answer to give from it."
NOTHING_MORE = "The corpus says nothing more on this than the answers above: ask about another side of it, or ask anew."


@dataclass(frozen=True)
class FilteredOut:
    """The filters, not the corpus, kept the question from being answered."""

    admitted: int  # passages the filters admit
    total: int  # passages in the corpus
    cited_without: int  # passages the answer without the filters cites


@dataclass(frozen=True)
class Elsewhere:
    """A cell of the corpus that treats a topic the passages nearest the question do not."""

    topic: str
    cell: CellRef

    @property
    def name(self) -> str:
        return plain_name(self.cell.matrix, self.cell.code)


@dataclass(frozen=True)
class Decline:
    """Why a question was not answered, for the message and for the page's offers (clear filters, links)."""

    filtered: FilteredOut | None = None
    elsewhere: tuple[Elsewhere, ...] = ()
    not_held: tuple[CellKey, ...] = ()  # the cells the question names, none of which the corpus holds


def describe_filters(filters: Filters) -> str:
    """The filters in a reader's words: "guidance; studies from 2015 to 2020"."""
    names = {"S": "seminal studies", "K": "key studies", "R": "reviews", "G": "guidance", "commentary": "commentary"}
    parts = []
    if filters.types:
        parts.append(" and ".join(names.get(t, t) for t in sorted(filters.types)))
    if filters.cells:
        cells = ", ".join(sorted(filters.cells))
        parts.append(f"cell {cells} of the {filters.matrix}" if filters.matrix else f"cell {cells}")
    elif filters.matrix:
        parts.append(f"the {filters.matrix}")
    if filters.year_from or filters.year_to:
        parts.append(f"studies from {filters.year_from or 'any year'} to {filters.year_to or 'now'}")
    return "; ".join(parts)


def decline_message(
    decline: Decline, filters: Filters, missing: tuple[str, ...], corpus: list[CellRef], nearest: list[CellRef]
) -> str:
    """The message of a decline: what kept the question from an answer, and where to turn. `corpus` is every
    cell of the corpus, `nearest` the cells of the passages nearest the question, nearest first."""
    if decline.filtered:
        f = decline.filtered
        return (
            f"Your filters ({describe_filters(filters)}) leave out the evidence on this: they admit {f.admitted} of "
            f"the corpus's {f.total} passages, and none of those answers it. Without the filters the corpus "
            f"answers it, citing {f.cited_without} passage{'' if f.cited_without == 1 else 's'}: clear the filters "
            "to see that answer."
        )
    if decline.not_held:
        return f"{not_held(decline.not_held)}, so there is no answer to give from it. {_covered(corpus, nearest)}"
    parts = [NOT_COVERED]
    if missing:
        parts.append(f"The passages nearest the question do not treat {_listed(missing)}.")
    for topic in missing:
        treating = tuple(e.name for e in decline.elsewhere if e.topic == topic)
        if treating:
            parts.append(f"In this corpus, ‘{topic}’ is treated in the cell on {_listed(treating, quoted=False)}.")
        else:
            parts.append(
                f"No cell of this corpus treats ‘{topic}’: it holds {len(corpus)} of "
                f"the Effectiveness Bank's {len(matrix_codes())} matrix cells ({MATRICES_PAGE})."
            )
    parts.append(_covered(corpus, nearest))
    return " ".join(parts)


def not_held(cells: tuple[CellKey, ...]) -> str:
    """That the corpus does not hold the cells a question names: each by its name and address, or a whole matrix
    named by its name alone (a clause: a decline goes on to say there is no answer, an answer ends it)."""
    size = {m: sum(1 for matrix, _ in matrix_codes() if matrix == m) for m in {key.matrix for key in cells}}
    whole = sorted(m for m, n in size.items() if sum(1 for key in cells if key.matrix == m) == n)
    named = [f"the cell on {plain_name(k.matrix, k.code)} at {cell_url(k.matrix, k.code)}" for k in cells]
    held = [f"no cell of the {m} ({MATRICES_PAGE})" for m in whole]
    listed = [name for key, name in zip(cells, named, strict=True) if key.matrix not in whole]
    parts = [f"holds {_listed(tuple(held), 'or', quoted=False)}"] if held else []
    parts += [f"does not hold {_listed(tuple(listed), 'or', quoted=False)}"] if listed else []
    return f"This corpus {' and '.join(parts)}"


def _covered(corpus: list[CellRef], nearest: list[CellRef]) -> str:
    """What the corpus covers, short however many cells it holds: every cell when there are few, else their
    number and the cells nearest the question."""
    if len(corpus) <= NEAREST_CELLS:
        return f"The corpus covers {_listed(tuple(_plain(c) for c in corpus), quoted=False)}."
    shown = [_plain(c) for c in list(dict.fromkeys(nearest))[:NEAREST_CELLS]]
    if not shown:
        return f"The corpus covers {len(corpus)} cells."
    return f"The corpus covers {len(corpus)} cells; the nearest to this question: {'; '.join(shown)}."


def _plain(cell: CellRef) -> str:
    return f"the cell on {plain_name(cell.matrix, cell.code)}"


def _listed(words: tuple[str, ...], last: str = "and", quoted: bool = True) -> str:
    shown = [f"‘{word}’" if quoted else word for word in words]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {last} {shown[-1]}"
