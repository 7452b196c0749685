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

from matrixqa.index.analysis import Term
from matrixqa.search.reading import Query
from matrixqa.search.retrieve import Retriever

_NUMBER_WORD = (
    r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a (?:few|couple of|dozen)|several|a dozen|dozens of|half)"
)
COMMON = 0.5  # share of passages a word may be in and still name what a question asks about
STUDY = "a study"
NEAR = 8  # words either side of the form that gives the thing, where the subject must be named
SUBJECT_SHARE = 0.4  # of the question's subject (by how distinctive its words are) a giving clause must name
_TIME_UNIT = r"(?:minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?)"


@dataclass(frozen=True)
class Kind:
    """A kind of thing a practitioner asks for: the question forms that ask for it, the text forms that give it."""

    name: str  # as the API names it: "a frequency"
    absent: str  # as the lead says it is not there: "no frequency"
    asked: re.Pattern[str]
    given: re.Pattern[str]
    # Whether the giving form must stand by the question's subject; a yes or no is any statement on the best
    # passage's subject, which retrieval has already judged.
    beside_subject: bool = True

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
            r"\b(?:indefinitely|lifelong|for life)\b",
        ),
    ),
    Kind(
        "a dose",
        "no dose",
        _forms(
            r"\b(?:what|which|how much|how high|how low|right|correct|starting|usual|typical|best|optimal|"
            r"recommended)\s+(?:[\w'-]+\s+){0,2}(?:dose|doses|dosage|dosing)\b",
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
            rf"\b(?:after|within|for|until|before) (?:at least |the first )?{_NUMBER_WORD} {_TIME_UNIT}\b",
            r"\buntil\b",
        ),
    ),
    Kind(
        "a person or body",
        "no person or body",
        _forms(
            r"^\W*who\b",
            r"^\W*(?:which|what) (?:organisations?|organizations?|bod(?:y|ies)|people|persons?|professionals?|"
            r"researchers?|authors?|experts?|staff|clinicians?|doctors?|workers?)\b",
        ),
        _forms(
            r"(?-i:\b[A-Z][a-z]+(?: (?:of|for|and|the)?\s?[A-Z][a-z]+)+\b)",  # a name: capitals count
            r"\b(?:doctors?|physicians?|GPs?|psychiatrists?|clinicians?|counsell?ors?|keyworkers?|staff|nurses?|"
            r"pharmacists?|prescribers?|therapists?|practitioners?|patients?|reviewers?|authors?|researchers?|"
            r"workers?|specialists?|generalists?|professionals?|associations?|colleges?|charit(?:y|ies)|"
            r"bod(?:y|ies)|users?|managers?|commentators?)\b",
        ),
    ),
    Kind(
        STUDY,
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
            r"\bhow should\b",
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
        _forms(r"\w"),  # any statement says yes, no or how far
        beside_subject=False,
    ),
)


@dataclass(frozen=True)
class Asked:
    """What a question asks for, and the words of the question's subject, each as the tokens lexical search reads
    it as with how distinctive it is in the corpus: the giving text must name the subject in the same clause."""

    kind: Kind
    subject: tuple[tuple[frozenset[str], float], ...]

    def given_by(self, sentence: str, tokens: Callable[[str], Collection[str]], entry: str = "") -> bool:
        """Whether a sentence gives the thing asked for beside the question's subject: within NEAR words of the
        form that gives it stand words holding SUBJECT_SHARE of the subject's distinctiveness. `tokens` analyses
        text as the subject was analysed. A sentence of a study's entry (`entry`: the entry's title) has its
        subject named by the entry, and names a study itself."""
        if not self.kind.beside_subject:
            return bool(self.kind.given.search(sentence))
        named_by_entry = set(tokens(entry)) if entry else set()
        total = sum(weight for _, weight in self.subject)
        spans = [m.span() for m in self.kind.given.finditer(sentence)]
        if entry and self.kind.name == STUDY:
            spans.append((0, len(sentence)))
        for start, end in spans:
            present = set(tokens(_around(sentence, start, end))) | named_by_entry
            named = sum(weight for word, weight in self.subject if word & present)
            if not total or named >= SUBJECT_SHARE * total:
                return True
        return False


def read_asked(query: Query, retriever: Retriever) -> Asked | None:
    """What the question (as read) asks for, with its subject's words as lexical search reads them."""
    kind = asked_for(query.text)
    if kind is None:
        return None
    lexical = retriever.lexical

    def passages_using(term: Term) -> int:
        return min(lexical.document_frequency.get(token, 0) for token in term.tokens)

    # A word no passage uses cannot be named; one most passages use ("patients") names no subject.
    terms = retriever.analyzer.analyse(subject_words(query.text, kind)).terms
    subject = [t for t in terms if 0 < passages_using(t) <= COMMON * lexical.size]
    return Asked(kind, tuple((term.tokens, lexical.weight(term)) for term in subject))


def asked_for(question: str) -> Kind | None:
    """The kind of thing a question asks for, or None when it asks in no form of KINDS."""
    return next((kind for kind in KINDS if kind.asked_in(question)), None)


def subject_words(question: str, kind: Kind) -> str:
    """The question without the words that ask for the kind ("how often should I test urine?" -> "should I test
    urine?"): what the giving clause must name."""
    return kind.asked.sub(" ", question)


def _around(sentence: str, start: int, end: int) -> str:
    """The words of a sentence within NEAR words of a span of it, the span included."""
    before = sentence[:start].split()[-NEAR:]
    after = sentence[end:].split()[:NEAR]
    return " ".join([*before, sentence[start:end], *after])
