"""A question in parts: two asks joined in one, each of which a different cell may answer.

"What difference does methadone dose make - to injecting risk and to how long clinics keep patients?" asks of
two things, put in parallel after one preposition each ("to ... and to ..."); "why does retention on methadone
matter, and what clinic policies keep people in treatment?" joins two questions with ", and" before a question word.
A parallel part is the question with the other left out, so that it keeps what the two share ("what difference does
methadone dose make - to injecting risk?"); a joined clause is a part only when it names enough of its own.

The whole question is still what search ranks and the decision weighs. Each part is searched too, and when the corpus
would answer it alone, the cell of its best passage is among the hits (in place of the last hit whose cell has
another, retrieve.py) and among the answer's sources, and that cell's best sentence is quoted (answer/sources.py,
answer/choose.py): an answer whose evidence is split between cells quotes each. A corpus of one cell answers as if
the question were one ask.
"""

from __future__ import annotations

import re

from matrixqa.index.analysis import Analyzer

# The same preposition repeated after "and" or "or": "for drinkers and for drug users", "to X, and to Y".
_PARALLEL = re.compile(
    r"\b(?P<at>for|to|in|with|on|among|amongst|about|from|between|by)\s+(?P<one>[^?.!;]+?),?\s+(?:and|or)\s+"
    r"(?:also\s+)?(?P=at)\s+(?P<other>[^?.!;]+)",
    re.IGNORECASE,
)
# Two questions joined by ", and" or "; and" before a question word or an auxiliary that opens a question.
_JOINED = re.compile(
    r"\s*[,;]\s*and\s+(?=(?:what|how|why|which|who|whom|whose|when|where|whether|does|do|did|is|are|was|were|can|"
    r"could|should|would|will|has|have)\b)",
    re.IGNORECASE,
)
# A clause of fewer content words of its own than this asks of what the other names ("and does the effect last?",
# "and what helps?"): it is no part of its own, and searched alone it would find some other subject's cell.
MIN_PART_WORDS = 3


def parts_of(question: str, analyzer: Analyzer) -> tuple[str, ...]:
    """The parts of a question that asks two things at once, each as a question of its own; () for one ask. The
    analyzer tells a clause's content words, as search reads them."""
    found = _PARALLEL.search(question)
    if found:
        before, after = question[: found.start()], question[found.end() :]
        at = found.group("at")
        asked = (f"{before}{at} {found.group('one')}{after}", f"{before}{at} {found.group('other')}{after}")
        return tuple(" ".join(part.split()) for part in asked)
    joined = _JOINED.split(question, maxsplit=1)
    if len(joined) == 2 and all(len(analyzer.analyse(part).terms) >= MIN_PART_WORDS for part in joined):
        return tuple(part.strip() for part in joined)
    return ()
