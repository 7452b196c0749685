"""Resolve a follow-up question against the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from matrixqa.textrules import FOLLOW_UP_WORDS

# Openings that lean on what was said before ("and what about urine tests?", "is that true for GPs?").
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|what of|is that|was that|does that|did that|"
    r"how so|why is that|why so|tell me more|more on|what else|is (?:that |it |this )?the same|"
    r"(?:and )?(?:the )?same (?:for|with|in))\b",
    re.I,
)
# Asking where the previous answer came from ("which study showed that?", "what's the source?").
_SOURCE = re.compile(
    r"\b(?:which|what) (?:study|studies|research|paper|papers|trial|review|evidence|source|sources)\b"
    r"|\bwho (?:found|showed|said|wrote)\b|\bwhere (?:does|did|is) (?:that|this|it)\b|\bsource\b",
    re.I,
)
# A quoted sentence's citation marker, "[1]", with the spaces around it.
CITATION_MARKER = re.compile(r"\s*\[\d+\]\s*")
# Asking what "it", "this cell" or "they" say lean on the conversation as well, however many words follow ("what
# does it say about empathy?" after "what is alcohol cell B4 about?" asks of that cell).
_OF_IT = re.compile(
    r"\b(?:th(?:is|at|ese|ose) (?:cells?|ones?)|(?:does|did|do) (?:it|they|this|that) (?:say|cover|mention|discuss|"
    r"include|have))\b",
    re.I,
)
# Asking for more than the previous answer said ("tell me more", "what else?"): answered from what it did not quote.
_MORE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)?(?:tell me more|say more|more on (?:that|this|it)|more please|go on|"
    r"(?:what|anything|something) else)\b",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class Resolved:
    """How to search for a question given the conversation.

    `mode` is "standalone" (search the question as it is), "follow_up" (a short question in the frame of the
    conversation's subject: searched together with it), or "source" (the user asks which study lies behind the
    previous answer).
    """

    mode: Literal["standalone", "follow_up", "source"]
    question: str
    previous: Turn | None = None
    subject: str = ""  # the conversation's subject: the last question that stood alone
    # When it asks for more ("tell me more"): the sentences the answers on its subject have quoted, not to repeat.
    quoted: tuple[str, ...] = ()

    @property
    def with_context(self) -> str:
        if not self.subject:
            return self.question
        # "tell me more" adds no words to search; "tell me more about GPs" adds its own.
        own = _MORE.sub("", self.question).strip(" ?!.,;:") if self.quoted else self.question
        return f"{own} {self.subject}" if own else self.subject


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if w not in FOLLOW_UP_WORDS and len(w) > 2]


def resolve(question: str, history: list[Turn]) -> Resolved:
    """Decide whether a question stands alone or leans on the conversation so far."""
    previous = history[-1] if history else None
    if previous is None:
        return Resolved("standalone", question)
    mode = _mode(question)
    if mode == "standalone":
        return Resolved("standalone", question)
    start = _subject_at(history)
    more = mode == "follow_up" and _MORE.match(question)
    quoted = tuple(s for turn in history[start:] for s in answer_sentences(turn.answer)) if more else ()
    return Resolved(mode, question, previous, history[start].question, quoted)


def _mode(question: str) -> Literal["standalone", "follow_up", "source"]:
    """How a question that has a conversation before it reads: on its own, or leaning on what came before."""
    words = content_words(question)
    if _SOURCE.search(question) and len(words) <= 1:
        return "source"
    if _FOLLOW_UP.match(question.strip()) and len(words) <= 4 or _OF_IT.search(question) or _MORE.match(question):
        return "follow_up"
    if not words:  # "why?", "is that true?": nothing but words that lean on what was said
        return "follow_up"
    return "standalone"


def _subject_at(history: list[Turn]) -> int:
    """Where the question the conversation is about stands: the last that stood alone (a follow-up of a follow-up
    keeps the subject they both lean on; "tell me more" does not repeat what was quoted since it); the first
    question when none did."""
    return max(n for n, turn in enumerate(history) if n == 0 or _mode(turn.question) == "standalone")


def answer_sentences(answer: str) -> list[str]:
    """The corpus sentences of an earlier answer, without their citation markers."""
    return [part.strip() for part in CITATION_MARKER.split(answer) if part.strip()]
