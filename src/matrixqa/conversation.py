"""Resolve a follow-up question against the conversation so far."""

from __future__ import annotations

import re

# Openings that lean on what was said before ("and what about urine tests?", "which study showed that?").
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|and what about|what of|which (?:study|studies|review|one)|"
    r"who|why is that|why|is that|was that|does that|did that|how so|tell me more|more on|what else)\b",
    re.I,
)
_BACK_REFERENCE = re.compile(r"\b(?:that|this|it|they|them|those|these|the same)\b", re.I)
_CONTENT = re.compile(r"[a-z]{4,}")
_FUNCTION = frozenset("what about which study studies showed show that this does with from they them those these there".split())


def is_follow_up(question: str) -> bool:
    """A short question that opens with a connective or points back at something unnamed."""
    content = [w for w in _CONTENT.findall(question.lower()) if w not in _FUNCTION]
    if _FOLLOW_UP.match(question.strip()):
        return len(content) <= 4
    return len(content) <= 1 and bool(_BACK_REFERENCE.search(question))


def contextual_question(question: str, history: list[dict[str, str]]) -> str:
    """The question to search with: a follow-up carries the previous question along, else it stands alone."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1].get("question", "").strip()
    return f"{question} ({previous})" if previous else question
