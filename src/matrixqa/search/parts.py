"""A question in parts: two asks joined in one, each of which a different cell may answer.

"What difference does methadone dose make - to injecting risk and to how long clinics keep patients?" asks of
two things, put in parallel after one preposition each ("to ... and to ..."); "does training change what staff do -
for GPs screening drinkers, needle exchange workers and prison nurses?" asks it of each of a list of three or more
short items that closes the question; "why does retention on methadone matter, and what clinic policies keep people
in treatment?" joins two questions with ", and" before a question word. A parallel part, or a list's, is the question
with the others left out, so that it keeps what they share ("what difference does methadone dose make - to injecting
risk?"); a part is one only when it names enough of its own.

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
# A question word or an auxiliary that opens a question.
_OPENS_A_QUESTION = (
    r"(?:what|how|why|which|who|whom|whose|when|where|does|do|did|is|are|was|were|can|could|should|would|will|has|"
    r"have)\b"
)
# A list's item: one to six words. A comma's segment that opens a question is the question's own clause, no item
# ("whether" opens an item: "..., whether in motivational interviewing, screening ...").
MAX_ITEM_WORDS = 6
_CLAUSE = re.compile(rf"\s*{_OPENS_A_QUESTION}", re.IGNORECASE)
_SENTENCE = re.compile(r"[^?.!;:]+")
_CLOSING = re.compile(r"\s*(?P<head>.*?)\s*\b(?:and|or)\s+(?P<last>\w.*?)\s*", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"\w\S*")
# Two questions joined by ", and" or "; and" before a word that opens a question, or "whether".
_JOINED = re.compile(rf"\s*[,;]\s*and\s+(?=whether\b|{_OPENS_A_QUESTION})", re.IGNORECASE)
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
    for asked in (_in_a_list(question), _JOINED.split(question, maxsplit=1)):
        if len(asked) >= 2 and all(len(analyzer.analyse(part).terms) >= MIN_PART_WORDS for part in asked):
            return tuple(" ".join(part.split()) for part in asked)
    return ()


def _in_a_list(question: str) -> list[str]:
    """The question once for each item of a list of three or more that closes a sentence ("..., for GPs, needle
    exchange workers and prison nurses?"), the other items left out; [] when it has none. Walking left from the
    last item, each comma's segment of at most MAX_ITEM_WORDS words is an item; a longer one holds the first item
    in as many of its last words as the longest other item has (items are written alike), and one opening as a
    question ("is it worth it, for ...") is none."""
    for sentence in _SENTENCE.finditer(question):
        segments = [(sentence.start() + m.start(), m.group()) for m in re.finditer(r"[^,]+", sentence.group())]
        closing = _CLOSING.fullmatch(segments[-1][1]) if len(segments) >= 2 else None
        if not closing:
            continue
        at = segments[-1][0]
        items = [
            (at + closing.start(name), closing.group(name))
            for name in ("head", "last")
            if _WORD.search(closing.group(name))
        ]
        if any(len(_WORD.findall(item)) > MAX_ITEM_WORDS for _, item in items):
            continue
        for at, segment in reversed(segments[:-1]):
            words = list(_WORD.finditer(segment))
            if len(words) > MAX_ITEM_WORDS:
                first = words[-max(len(_WORD.findall(item)) for _, item in items)]
                items.insert(0, (at + first.start(), segment[first.start() :]))
                break
            if not words or _CLAUSE.match(segment):
                break
            items.insert(0, (at + words[0].start(), segment[words[0].start() :]))
        if len(items) >= 3:
            before, after = question[: items[0][0]], question[sentence.end() :]
            return [f"{before}{item.strip()}{after}" for _, item in items]
    return []
