"""What kind of thing a question asks for (a frequency, a dose, a duration, a number, a person, a study, a time,
what to do, yes or no), and whether a sentence gives it.

Each kind pairs the forms of question that ask for it with the forms of text that give it: "how often"
asks for a frequency, and "daily", "every N weeks", "twice a day" give one. A sentence gives the thing
asked for only when the form stands in a clause that also names the question's subject ("regular urine
tests" gives no frequency for urine testing, and "nearly every day ... methadone" gives none either, when
the two are in different clauses), so that a figure about something else is not taken for the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

_NUMBER_WORD = (
    r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a (?:few|couple of|dozen)|several|a dozen|dozens of|half)"
)
_TIME_UNIT = r"(?:minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?)"
# Clauses: a subject word and the form giving the thing must stand between the same marks.
_CLAUSE = re.compile(r"[,;:()–—]|\s-\s|\band\b|\bbut\b|\bwhile\b|\bwhereas\b", re.I)


@dataclass(frozen=True)
class Kind:
    """A kind of thing a practitioner asks for: the question forms that ask for it, the text forms that give it."""

    name: str  # as the API names it: "a frequency"
    absent: str  # as the lead says it is not there: "no frequency"
    asked: re.Pattern[str]
    given: re.Pattern[str]

    def asked_in(self, question: str) -> bool:
        return bool(self.asked.search(question))


def _forms(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.I)


# In the order a question is matched against them: the most specific first ("how many times" asks for a
# frequency, "how many months" for a duration, "how many" for a number).
KINDS = (
    Kind(
        "a frequency",
        "no frequency",
        _forms(r"\bhow (?:often|frequently|regularly)\b", r"\bhow many times\b", r"\bfrequency\b", r"\bhow soon\b"),
        _forms(
            r"\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|quarterly|yearly|annually|near-daily)\b",
            rf"\bevery (?:{_NUMBER_WORD} |other |single )?(?:{_TIME_UNIT}|visit|appointment|dose|time)\b",
            rf"\b(?:once|twice|{_NUMBER_WORD} times?) (?:a|an|per|each|every) \w+",
            rf"\b(?:each|per|a) (?:{_TIME_UNIT})\b(?! (?:of|before|after|later))",
        ),
    ),
    Kind(
        "a duration",
        "no duration",
        _forms(r"\bhow long\b", rf"\b(?:how|for) many {_TIME_UNIT}\b", r"\bduration\b", r"\bfor what period\b"),
        _forms(
            rf"\b{_NUMBER_WORD}(?:[- ]| or more )(?:{_TIME_UNIT})(?:’|')?",
            rf"\b(?:a|an|one) (?:{_TIME_UNIT})\b",
            r"\b(?:indefinitely|long-term|short-term|lifelong|life-long)\b",
        ),
    ),
    Kind(
        "a dose",
        "no dose",
        _forms(
            r"\b(?:what|which|how much|how high|how low|right|correct|starting|usual|typical|best|optimal|"
            r"recommended)\b[^?.]*\b(?:dose|doses|dosage|dosing)\b",
            r"\bhow (?:much|many) (?:mg|milligrams?|ml|millilitres?)\b",
        ),
        _forms(r"\b\d+(?:[.,]\d+)?\s?(?:mg|milligrams?|ml|millilitres?|mcg|micrograms?|µg)\b"),
    ),
    Kind(
        "a number",
        "no figure",
        _forms(
            r"\bhow many\b",
            r"\bwhat (?:number|proportion|percentage|share|fraction|rate)\b",
            r"\bwhat per ?cent\b",
            r"\bhow big\b",
        ),
        _forms(
            rf"\b{_NUMBER_WORD}\b(?! (?:{_TIME_UNIT}))",
            r"\b\d+(?:\.\d+)?\s?(?:%|per ?cent)",
            r"\b(?:a|one|two) (?:third|quarter|fifth)s?\b",
        ),
    ),
    Kind(
        "a time",
        "no time",
        _forms(r"^\W*when\b", r"\b(?:what|which) year\b", r"\bat what (?:point|stage)\b", r"\bhow recent\b"),
        _forms(
            r"\b(?:19|20)\d\d\b",
            r"\b(?:at|from) the (?:start|beginning|end|outset)\b",
            r"\b(?:before|after|until|during|once|when|whenever)\b",
            rf"\b(?:after|within|for) (?:at least )?{_NUMBER_WORD} {_TIME_UNIT}\b",
        ),
    ),
    Kind(
        "a person or body",
        "no person or body",
        _forms(
            r"^\W*who\b",
            r"\bwhich (?:organisations?|organizations?|bod(?:y|ies)|people|persons?|professionals?|"
            r"researchers?|authors?|experts?|staff|clinicians?|doctors?|workers?)\b",
        ),
        _forms(
            r"\b[A-Z][a-z]+(?: (?:of|for|and|the)?\s?[A-Z][a-z]+)+\b",
            r"\b(?:doctors?|physicians?|GPs?|psychiatrists?|clinicians?|counsell?ors?|keyworkers?|staff|nurses?|"
            r"pharmacists?|prescribers?|therapists?|practitioners?|patients?|reviewers?|authors?|researchers?|"
            r"workers?|specialists?|generalists?|professionals?|associations?|colleges?|charit(?:y|ies)|"
            r"bod(?:y|ies)|users?|managers?|commentators?)\b",
        ),
    ),
    Kind(
        "a study",
        "no study",
        _forms(
            r"\b(?:which|what|any|a|one) (?:stud(?:y|ies)|trials?|reviews?|papers?|articles?|research|experiments?)"
            r"\b[^?]*\b(?:show|shows|showed|shown|found|find|finds|test|tested|looked|prove|proved|"
            r"compar\w*|examin\w*|assess\w*|suggest\w*|support\w*)\b",
            r"\b(?:is there|are there|what) (?:any )?(?:evidence|research|studies|trials)\b",
            r"\bwho (?:studied|researched|found|showed|tested)\b",
        ),
        _forms(
            r"\b(?:stud(?:y|ies)|trials?|reviews?|interviews?|analys[ie]s|research|researchers|investigators?|"
            r"surveys?|evaluations?|experiments?|evidence|records|case-notes|sample)\b",
            r"\((?:19|20)\d\d\b",
        ),
    ),
    Kind(
        "what to do",
        "no advice on what to do",
        _forms(
            r"\bwhat (?:should|must|can|could|do|would) (?:i|we|you|they|doctors?|gps?|clinicians?|staff|"
            r"keyworkers?|workers?|prescribers?|services?|counsell?ors?)\b[^?]*\bdo\b",
            r"\bhow (?:should|can|could|do|would) (?:i|we|you|one)\b",
            r"\b(?:should|must) (?:i|we|you)\b",
            r"\bwhat (?:is|are) (?:the )?(?:best|good|right|recommended) (?:way|practice|approach)\b",
            r"\b(?:any )?(?:tips|advice)\b",
            r"\bwhat to do\b",
        ),
        _forms(
            r"\b(?:should|must|ought|need(?:s|ed)? to|has to|have to|try to|aim to)\b",
            r"\b(?:recommend\w*|advis\w*|advice|guidance|guidelines?|standards?|competencies|expected|requires?|"
            r"depend on|appropriate|select|evaluat\w*|discuss\w*|anticipat\w*|consider|avoid|minimum|exception)\b",
            r"^\W*(?:select|evaluate|consider|avoid|use|make|ask|tell|keep|try|give|build)\b",
        ),
    ),
    Kind(
        "a yes or no",
        "no clear yes or no",
        _forms(r"^\W*(?:does|do|did|is|are|was|were|can|could|should|will|would|has|have|had|must|may|might)\b"),
        _forms(r"\w"),  # any statement on the subject says yes, no or how far
    ),
)


@dataclass(frozen=True)
class Asked:
    """What a question asks for, and the question's own subject words (analysed), which the giving text must
    name in the same clause."""

    kind: Kind
    subject: frozenset[str]

    def given_by(self, sentence: str, tokens: Callable[[str], Collection[str]]) -> bool:
        """Whether a sentence gives the thing asked for, in a clause naming the question's subject; `tokens`
        analyses text as the question's subject was analysed."""
        for clause in _clauses(sentence):
            if self.kind.given.search(clause) and (not self.subject or self.subject & set(tokens(clause))):
                return True
        return False


def asked_for(question: str) -> Kind | None:
    """The kind of thing a question asks for, or None when it asks in no form of KINDS."""
    return next((kind for kind in KINDS if kind.asked_in(question)), None)


def subject_words(question: str, kind: Kind) -> str:
    """The question without the words that ask for the kind ("how often should I test urine?" -> "should I test
    urine?"): what the giving clause must name."""
    return kind.asked.sub(" ", question)


def _clauses(sentence: str) -> list[str]:
    return [part for part in _CLAUSE.split(sentence) if part.strip()]
