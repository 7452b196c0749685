"""What a question compares: two terms of the field it sets against each other ("bupe vs methadone", "is methadone
better than buprenorphine?", "methadone or buprenorphine: which keeps more people in treatment?").

Such a question asks how the two compare, which only a passage naming both can say. Two terms of one synonym group
count by their own words, not by the group that makes them one (methadone and buprenorphine are both opioid
substitution in the vocabulary, so that "OST" finds either); terms of other groups by their synonyms too (a
"keyworker" is named by "counsellor"). The decision (relevance.py) declines a comparison that none of the
passages that would answer the question names both sides of, however close its other words are.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from matrixqa.index.analysis import Analysis, Term

# Two terms of the field set against each other ("bupe vs methadone", "is methadone better than buprenorphine?", "is
# bupe as good as methadone?"). "Other than" excludes and "as well as" adds; "or" compares only beside a word that
# does ("X or Y, which ...", "is X or Y safer?", "which ... X or Y?"): "a counsellor or therapist" is one role.
_SET_AGAINST = re.compile(
    r"(?:vs|versus|(?:(?!other\b)\w+ )?than|compared (?:with|to)|as (?!well\b)\w+ as)(?: the| a| an)?", re.IGNORECASE
)
_COMPARING = frozenset({"which", "better", "worse", "best", "worst", "more", "less", "safer", "superior", "preferable"})


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the question's words for it, and the ways a passage names it (any one of its words,
    "keyworker" or "chat", or one the reading adds to name it in the corpus's words, "bupe (buprenorphine)")."""

    words: str
    names: tuple[frozenset[str], ...]
    groups: frozenset[str] = frozenset()  # the tokens of its synonym groups

    def any(self) -> Side:
        """The side named by its synonyms too: against a term of other groups, "keyworker" is named by "counsellor"."""
        return replace(self, names=self.names + tuple(frozenset([g]) for g in sorted(self.groups)))

    def named_by(self, present: Collection[str]) -> bool:
        return any(name <= present for name in self.names)


@dataclass(frozen=True)
class Comparison:
    """Two terms of the field a question sets against each other: it asks how they compare, which only a passage
    naming both can say. Terms of one synonym group count by their own words: the group that makes them one
    ("methadone", "buprenorphine": opioid substitution) cannot compare them."""

    one: Side
    other: Side

    @property
    def shown(self) -> str:
        return f"{self.one.words} compared with {self.other.words}"

    def named_by(self, present: Collection[str]) -> bool:
        """Whether a passage holding these tokens names both sides."""
        return self.one.named_by(present) and self.other.named_by(present)


def comparisons(analysis: Analysis) -> tuple[Comparison, ...]:
    """The terms of the field (each in a synonym group or topic of the vocabulary) that a question sets against
    each other, in the question's order. A side is a run of such terms ("keyworker chat", "supervised dosing"),
    shown without the words the reading adds to name one of them in the corpus's words ("bupe (buprenorphine)")."""
    words = [w.lower() for w in analysis.words]
    by_word = {t.word.lower(): t for t in analysis.terms if t.concepts}
    mentions: list[tuple[int, int, Side]] = []  # (first word, past its last word, the side it names)
    at = 0
    while at < len(words):
        if words[at] not in by_word:
            at += 1
            continue
        end = at + 1
        while end < len(words) and words[end] in by_word:
            end += 1
        run = [by_word[w] for w in words[at:end]]
        shown = [analysis.words[i] for i in range(at, end) if not any(_names(words[i], t) for t in run[: i - at])]
        groups = frozenset(g.token for t in run for g in t.concepts)
        mentions.append((at, end, Side(" ".join(shown), tuple(frozenset([t.stem]) for t in run), groups)))
        at = end
    found = []
    for n, (one_start, one_end, one) in enumerate(mentions):
        for other_start, other_end, other in mentions[n + 1 :]:
            between = " ".join(words[one_end:other_start])
            after = next((w for w in words[other_end:] if w != "the"), "")
            # "Which ... X or Y?" asks which; "which clinician or counsellor ..." asks which person of either.
            asks_which = "which" in words[: max(one_start - 1, 0)] or after in _COMPARING
            if _SET_AGAINST.fullmatch(between) or (between == "or" and asks_which):
                apart = not one.groups & other.groups  # terms of other groups are named by their synonyms too
                found.append(Comparison(one.any(), other.any()) if apart else Comparison(one, other))
    return tuple(found)


def _names(word: str, term: Term) -> bool:
    """Whether a word is one of the names of the term's synonym groups."""
    return any(phrase.words == (word,) for group in term.concepts for phrase in group.phrases)
