"""Which sections of the corpus's pages a question asks for.

A question naming cells and a heading of their pages asks for that section ("alcohol C4: what's the highlighted
study?"), and one asking only what to read first asks for the "Where should I start?" section every cell page has
("best thing to read first", "B3: where do I begin?"). A question asking what its cells are about and, after that,
only for sections of theirs, joined to it ("what is A2 about, and what's its key study?", "summary of B3 and its key
studies"), asks for both: the cells' summaries first, then those sections. Not where a section is what it asks about
("what is B3's highlighted study about?", "a quick summary of B3's key studies").
"""

from __future__ import annotations

import re
from functools import cached_property

from matrixqa.index.analysis import Analysis, Analyzer
from matrixqa.ingest.chunk import SUMMARY_SECTION, Passage, top_section
from matrixqa.ingest.commentary import WHERE_TO_START
from matrixqa.search.cells import NamedCells
from matrixqa.search.scope import REQUEST_WORDS, SCOPE_WORDS, START_WORDS, asks_scope, asks_where_to_start
from matrixqa.textrules import STOPWORDS

# Where a question joins one ask to another: "and", "also", "plus", a comma, a semicolon or a dash between spaces.
_JOINED = re.compile(r"\s*(?:[,;]|\s[-\u2013\u2014]+\s|\b(?:and|also|plus)\b)\s*", re.IGNORECASE)


class SectionNames:
    """The top-level sections of the corpus's pages by their headings' words, read at the first question."""

    def __init__(self, passages: list[Passage], analyzer: Analyzer, names: frozenset[str]):
        self.passages = passages
        self.analyzer = analyzer
        self.names = names  # the words naming the corpus and its cells

    @cached_property
    def headings(self) -> dict[str, frozenset[str]]:
        """The top-level sections ("Key studies", "Where should I start?") by their words (the content words by
        stem, the small words as written), leaving out the summary and any whose words only name the corpus ("What
        is this cell about?")."""
        naming = {t.stem for t in self.analyzer.analyse(" ".join(self.names | SCOPE_WORDS)).terms}
        sections = {}
        for name in dict.fromkeys(top_section(p.section) for p in self.passages):
            analysis = self.analyzer.analyse(name)
            stems = {t.stem for t in analysis.terms}
            if name != SUMMARY_SECTION and stems - naming:
                sections[name] = frozenset(stems | {w.lower() for w in analysis.words if w.lower() in STOPWORDS})
        return sections

    def asked(self, text: str, analysis: Analysis, cells: NamedCells) -> tuple[str, ...]:
        """The sections a question asks for: those it names with the cells it names, and the one saying what to read
        first when that is all it asks (of the cells it names, or of any)."""
        named = self.named(analysis) if cells.keys else ()
        asks_start = asks_where_to_start(analysis, text, cells.naming | {key.code.lower() for key in cells.keys})
        start = (WHERE_TO_START,) if WHERE_TO_START in self.headings and asks_start else ()
        return tuple(dict.fromkeys((*named, *start)))

    def asked_beside_scope(self, question: str) -> frozenset[str]:
        """The words of the sections a question asks for after asking what its cells cover, when nothing else follows
        (see the module's docstring): the part after its last joining word or mark asks only for sections, the part
        before it what something covers. None otherwise."""
        for found in reversed(list(_JOINED.finditer(question))):
            before, after = question[: found.start()], question[found.end() :]
            rest = self.analyzer.analyse(after)
            asked = (*self.named(rest), *((WHERE_TO_START,) if asks_where_to_start(rest, after) else ()))
            words = self.words_asking_for(asked) | REQUEST_WORDS
            if asked and all(t.word.lower() in words or t.stem in words for t in rest.terms):
                return words if asks_scope(self.analyzer.analyse(before), before) else frozenset()
        return frozenset()

    def words_asking_for(self, sections: tuple[str, ...]) -> frozenset[str]:
        """The words a request for these sections is made of: their headings' (by stem), and for the one saying what to
        read first, the words such a request takes ("where's a good place to begin?")."""
        headings = frozenset().union(*(self.headings.get(name, frozenset()) for name in sections))
        return headings | START_WORDS if WHERE_TO_START in sections else headings

    def named(self, analysis: Analysis) -> tuple[str, ...]:
        """The sections whose every word the question holds ("alcohol C4: what's the highlighted study?"): a
        heading's small words too, so "Not just an addiction" is not named by "addiction" alone."""
        words = {t.stem for t in analysis.terms} | {w.lower() for w in analysis.words}
        return tuple(name for name, held in self.headings.items() if held <= words)
