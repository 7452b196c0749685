"""Resolve a follow-up question against the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from matrixqa.textrules import FOLLOW_UP_WORDS, QUESTION_POINTS_BACK

# Openings that lean on what was said before ("and what about urine tests?", "is that true for GPs?").
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|what of|is that|was that|does that|did that|"
    r"how so|why is that|why so|tell me more|more on|what else)\b",
    re.I,
)
# Asking where the previous answer came from ("which study showed that?", "what's the source?").
_SOURCE = re.compile(
    r"\b(?:which|what) (?:study|studies|research|paper|papers|trial|review|evidence|source|sources)\b"
    r"|\bwho (?:found|showed|said|wrote)\b|\bwhere (?:does|did|is) (?:that|this|it)\b|\bsource\b",
    re.I,
)
_MARKER = re.compile(r"\s*\[\d+\]\s*")


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class Resolved:
    """How to search for a question given the conversation.

    `mode` is "standalone" (search the question as it is), "follow_up" (a new topic in the frame of the
    previous question: search it alone, then with the previous question), or "source" (the user asks
    which study lies behind the previous answer).
    """

    mode: Literal["standalone", "follow_up", "source"]
    question: str
    previous: Turn | None = None

    @property
    def with_context(self) -> str:
        return f"{self.question} {self.previous.question}" if self.previous else self.question


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if w not in FOLLOW_UP_WORDS and len(w) > 2]


def resolve(question: str, history: list[Turn]) -> Resolved:
    """Decide whether a question stands alone or leans on the previous turn."""
    previous = history[-1] if history else None
    if previous is None:
        return Resolved("standalone", question)
    words = content_words(question)
    if _SOURCE.search(question) and len(words) <= 1:
        return Resolved("source", question, previous)
    if _FOLLOW_UP.match(question.strip()) and len(words) <= 4:
        return Resolved("follow_up", question, previous)
    if not words and QUESTION_POINTS_BACK.search(question):
        return Resolved("follow_up", question, previous)
    return Resolved("standalone", question)


def answer_sentences(answer: str) -> list[str]:
    """The corpus sentences of an earlier answer, without their citation markers."""
    return [part.strip() for part in _MARKER.split(answer) if part.strip()]
