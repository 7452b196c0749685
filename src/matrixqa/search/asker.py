"""The clauses of a question, and those that say who asks rather than what ("I'm a midwife.", "Commissioner here -",
"GP q -"): reading.py weighs no topic named only in them, and looks past the asker's own clauses for one asking what a
cell covers."""

from __future__ import annotations

import re

from matrixqa.textrules import ASKERS, READING, REQUEST_VERBS

# Whom an answer is for ("..., for a new keyworker who has never prescribed?"): the asker, or those they ask for.
_AUDIENCE = rf"for (?:a|an|the|my|our|some) (?:[\w'-]+ ){{0,2}}?(?:{ASKERS})\b"
_FOR_AUDIENCE = re.compile(rf"^\W*{_AUDIENCE}", re.IGNORECASE)
# Where a question's clauses part: a sentence's end, a spaced dash, a semicolon, a comma before a question word,
# before whom the answer is for, or before the asker speaking of themselves ("summarise drug C3 for me pls, I've just
# started as a service manager").
_CLAUSES = re.compile(
    rf"(?<=[.!?;])\s+|\s+[-\u2013\u2014]+\s+|;\s*|,\s+(?=(?:whats?|which|who|how|where|when|why)\b|{_AUDIENCE}"
    r"|(?:i|i'm|im|i've|ive|we|we're|we've)\s)",
    re.IGNORECASE,
)
# A colon ends a clause saying who asks ("Commissioner question: ..."); elsewhere what precedes it is the subject of
# what follows ("counsellors in D4: what is that about?").
_ROLE_CLAUSES = re.compile(rf"{_CLAUSES.pattern}|(?<=:)\s+", re.IGNORECASE)
# A clause opened by its asker ("I work with probation.", "Our team is reviewing ...") says who asks, not what.
_OF_THE_ASKER = re.compile(r"^\W*(?:i|i'm|im|i've|ive|we|we're|we've|my|our)\b(?!.*\?\s*$)", re.IGNORECASE)
# A clause that asks: a question mark ends it, or a question word, an auxiliary or a request opens it.
_ASKS = re.compile(
    r"\?\W*$|^\W*(?:what|whats|what's|which|who|whom|whose|how|where|when|why|whether|is|are|was|were|do|does|did|can|"
    rf"could|should|would|will|has|have|had|any|tell|compare|{REQUEST_VERBS})\b",
    re.IGNORECASE,
)
# A clause giving the asker's role, and not itself asking ("I'm a commissioner.", "I work with probation", "Commissioner
# here -", "GP q -", "Commissioner question:"). Narrower than a clause of the asker's: "We discharge people after missed
# appointments." sets out what is asked about, and so does the place the asker works in ("I work in prison healthcare
# - ... starting people on a script inside ...?"): where they work is where the question applies. "X here" says the
# asker is X ("new to commissioning here"); "X q" is a role only when X is a person: "pregnancy q - is methadone
# safe?" asks about pregnancy. The clause is read as the question is, so a word may carry its reading in the corpus's
# words ("commissioner (commissioning) q:" where a cell names commissioning, textrules.READING): the role is the same
# beside any cells.
_WHO_ASKS = re.compile(
    r"^\W*(?:(?:i'?m|i am)\s+(?:an?|the)\s|(?:i|we)\s+work\s+(?:as|with|for)\s)(?!.*\?\s*$)"
    rf"|^\W*(?:[\w' ]|\([^()]*\)){{1,40}}?\s+here[^\w?]*$"  # up to 40 letters and spaces, and any readings
    rf"|^\W*(?:[\w'-]+{READING}\s+){{0,3}}(?:{ASKERS}){READING}\s+(?:q|question)[^\w?]*$",
    re.IGNORECASE,
)


def clauses_of(text: str) -> list[str]:
    """A question's clauses, as _CLAUSES parts them."""
    return [c for c in _CLAUSES.split(text.strip()) if c.strip()]


def of_the_asker(clause: str) -> bool:
    """Whether a clause is opened by its asker and does not itself ask."""
    return bool(_OF_THE_ASKER.match(clause))


def asks_nothing(clause: str) -> bool:
    """Whether a clause neither asks nor requests, or says whom the answer is for: the asker's circumstances
    ("Prepping a training session.", "for a new keyworker")."""
    return not _ASKS.search(clause) or bool(_FOR_AUDIENCE.match(clause))


def asking_clauses(text: str) -> list[str] | None:
    """The clauses of a question that do not say who asks, when some do and some do not; None otherwise (a question
    of nothing but such clauses keeps them all: it is all the question says)."""
    parts = [c for c in _ROLE_CLAUSES.split(text.strip()) if c.strip()]
    asking = [c for c in parts if not _WHO_ASKS.match(c)]
    return asking if asking and len(asking) < len(parts) else None
