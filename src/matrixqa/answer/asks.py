"""What kind of thing a question asks for (a frequency, a dose, a duration, a number, a person, a study, a time,
what to do, yes or no), and whether a sentence gives it.

Each kind pairs the forms of question that ask for it with the forms of text that give it: "how often"
asks for a frequency, and "daily", "every N weeks", "twice a day" give one. A sentence gives the thing
asked for only when the form stands in a clause that also names the question's subject, so that a figure
about something else is not taken for the answer: in "nearly every day to swallow their methadone in front
of staff, and regular urine tests to spot drug use" the frequency is the swallowing's, not the testing's.
The subject is named by its words, their spelling variants and synonyms (the vocabulary), and the corpus
words nearest them in meaning ("French" by "France"). A form that is the question's own word ("who ran the
survey of clinicians?": "clinicians") answers nothing, and a clause that says the matter is untested or
unknown gives no answer on it. Some questions ask for something narrower than their kind: who made a study or
a document is given by a name or a body, never by a role ("patients", "doctors").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from matrixqa.index.vocabulary import CONCEPT
from matrixqa.search.evidence import term_weights
from matrixqa.search.reading import Query
from matrixqa.search.retrieve import Retriever

_NUMBER_WORD = (
    r"(?:(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a (?:few|couple of|dozen)|several|a dozen|dozens of|half|pair|trio)"
)
COMMON = 0.5  # share of passages a word may be in and still name what a question asks about
STUDY = "a study"
NUMBER = "a number"
YES_OR_NO = "a yes or no"
SUBJECT_SHARE = 0.4  # of the question's subject (by how distinctive its words are) a giving clause must name
CONTEXT_SHARE = 0.5  # what a subject word named only elsewhere in the clause's passage counts for
# "how many patients ...?" names what is counted: a figure gives the number only when it counts that ("Four
# relationship patterns" answers nothing on how many patients), named within COUNT_REACH words after it. "How
# many kinds of relationship?" counts relationships: the words naming a sort of thing are skipped.
_COUNTED = re.compile(
    r"\bhow many\s+(?:(?:different|distinct|main|separate)\s+)?(?:(?:kinds?|types?|sorts?|forms?|categories|"
    r"classes|varieties|groups?|patterns?|styles?)\s+of\s+)?([\w'-]+(?:\s+[\w'-]+)?)",
    re.I,
)
COUNT_REACH = 4
_TIME_UNIT = r"(?:minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?)"
# "six months in to treatment", "two years later": a point in time, not how long something lasts.
_POINT_AFTER = r"(?:in(?:to| to)?|on|later|ago)\b"
_POINTS = (
    r"\b(?:19|20)\d\d\b",
    r"\b(?:at|from) the (?:start|beginning|end|outset)\b",
    rf"\b(?:within|for) (?:at least |the first )?{_NUMBER_WORD} {_TIME_UNIT}\b",
    rf"\b{_NUMBER_WORD} {_TIME_UNIT} {_POINT_AFTER}",
)
_NAME = r"(?-i:\b[A-Z][a-z]+(?: (?:of|for|and|the)?\s?[A-Z][a-z]+)+\b)"  # a name: capitals count
_BODIES = (
    r"associations?|colleges?|charit(?:y|ies)|bod(?:y|ies)|societ(?:y|ies)|universit(?:y|ies)|institutes?|"
    r"departments?|governments?|agenc(?:y|ies)|councils?|foundations?|organi[sz]ations?|commissions?"
)
_BODY = rf"\b(?:{_BODIES})\b"


@dataclass(frozen=True)
class Kind:
    """A kind of thing a practitioner asks for: the question forms that ask for it, the text forms that give it."""

    name: str  # as the API names it: "a frequency"
    absent: str  # as the lead says it is not there: "no frequency"
    asked: re.Pattern[str]
    given: re.Pattern[str]
    # A yes or no is a claim: what a whole sentence says (one that says anywhere that the matter is unknown gives
    # none), and the most relevant statement's, so a sentence that gives it does not take the answer's lead. A
    # figure is given or not clause by clause, and the sentence that gives it opens the answer.
    claim: bool = False
    # Questions asking for something narrower than the kind, and the only forms that give it: "who led the study?"
    # asks for whoever made a study or a document, a name or a body, which "patients" or "doctors" never give.
    narrower: tuple[re.Pattern[str], re.Pattern[str]] | None = None

    def asks_narrower(self, question: str) -> bool:
        return bool(self.narrower and self.narrower[0].search(question))


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
        _forms(
            r"\bhow long\b(?! (?:into|in to|after)\b)",
            rf"\b(?:how|for) many {_TIME_UNIT}\b",
            r"\bduration\b",
            r"\b(?:for|over|during|in) what (?:period|length of time|time ?span|timescale)\b",
        ),
        _forms(
            rf"\b{_NUMBER_WORD}(?:[- ]| or more )(?:{_TIME_UNIT})(?:’|')?(?!\w| {_POINT_AFTER})",
            rf"\b(?:a|an|one) (?:{_TIME_UNIT})\b",
            r"\b(?:indefinitely|lifelong|for life)\b",
        ),
    ),
    Kind(
        "a dose",
        "no dose",
        _forms(
            r"\b(?:what|which|how much|how high|how low|right|correct|starting|usual|typical|best|optimal|"
            r"recommended|sufficient|adequate|maximum|minimum|safe)\s+(?:[\w'-]+\s+){0,2}(?:dose|doses|dosage|dosing)\b",
            r"\bhow (?:much|many) (?:mg|milligrams?|ml|millilitres?)\b",
            r"\b(?:in|how many) (?:mg|milligrams?|ml|millilitres?)\b",
        ),
        _forms(r"\b\d+(?:[.,]\d+)?\s?(?:mg|milligrams?|ml|millilitres?|mcg|micrograms?|µg)\b"),
    ),
    Kind(
        NUMBER,
        "no figure",
        _forms(
            r"\bhow many\b",
            r"\bwhat (?:number|proportion|percentage|share|fraction|rate)\b",
            r"\bwhat per ?cent\b",
            r"\bhow big\b",
        ),
        _forms(
            rf"\b(?!one\b){_NUMBER_WORD}\b(?! (?:{_TIME_UNIT}))",
            r"\b\d+(?:\.\d+)?\s?(?:%|per ?cent)",
            r"\b(?:a|one|two) (?:third|quarter|fifth)s?\b",
        ),
    ),
    Kind(
        "a time",
        "no time",
        _forms(
            r"^\W*when\b",
            r"\b(?:what|which) year\b",
            r"\bat what (?:point|stage)\b",
            r"\bhow recent\b",
            r"\bhow long (?:into|in to|after)\b",  # "how long into treatment": a point in it
        ),
        _forms(*_POINTS, r"\b(?:after|before|following|during|since|until|once)\b"),
        # When something happened is given by a point in time, not by a word placing it beside another event.
        narrower=(_forms(r"^\W*when (?:did|was|were|had)\b", r"\b(?:what|which) year\b"), _forms(*_POINTS)),
    ),
    Kind(
        "a person or body",
        "no person or body",
        _forms(
            r"^\W*who\b",
            r"^\W*(?:which|what) (?:people|persons?|professionals?|researchers?|authors?|experts?|staff|clinicians?|"
            rf"doctors?|workers?|clinics?|services?|teams?|{_BODIES})\b",
        ),
        _forms(
            _NAME,
            r"\b(?:doctors?|physicians?|GPs?|psychiatrists?|clinicians?|counsell?ors?|keyworkers?|staff|nurses?|"
            r"pharmacists?|prescribers?|therapists?|practitioners?|patients?|reviewers?|authors?|researchers?|"
            r"workers?|specialists?|generalists?|professionals?|users?|managers?|commentators?)\b",
            _BODY,
        ),
        narrower=(
            _forms(
                r"^\W*who (?:(?:first|actually|originally|really) )?(?:led|leads|ran|runs|wrote|writes|produced|"
                r"produces|published|publishes|issued|issues|commented|comments|conducted|carried out|put together|"
                r"drew up|developed|authored|compiled|funded|funds|commissioned|designed|is behind|was behind|"
                r"are behind|were behind)\b",
                rf"^\W*(?:which|what) (?:researchers?|authors?|clinics?|services?|{_BODIES})\b",
            ),
            _forms(_NAME, _BODY),
        ),
    ),
    Kind(
        STUDY,
        "no study",
        _forms(
            r"\b(?:which|what|any|a|one) (?:stud(?:y|ies)|trials?|reviews?|papers?|articles?|research|experiments?)"
            r"\b[^?]*\b(?:show|shows|showed|shown|showing|found|find|finds|finding|test|tested|testing|looked|prove|proved|"
            r"compar\w*|examin\w*|assess\w*|suggest\w*|support\w*|link\w*|associat\w*|connect\w*|demonstrat\w*|"
            r"report\w*|establish\w*|measur\w*|investigat\w*|back\w*|justif\w*|confirm\w*|underpin\w*)\b",
            r"^\W*(?:which|what) (?:stud(?:y|ies)|trials?|reviews?|papers?|articles?)\b",
            r"\b(?:is there|are there|what) (?:any )?(?:evidence|research|studies|trials)\b",
            r"\b(?:piece|pieces|bit) of research\b",
            r"\bwhat(?:'s|’s| is) the (?:best|first|main|key) (?:stud(?:y|ies)|trials?|reviews?|papers?|articles?)\b",
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
            r"\bwhat (?:[\w'-]+ )?(?:should|must|can|could|do|would) (?:(?:a|an|the|my|our) )?"
            r"(?:i|we|you|they|doctors?|gps?|clinicians?|staff|"
            r"keyworkers?|workers?|prescribers?|services?|counsell?ors?)\b[^?]*\bdo\b",
            r"\bhow (?:should|can|could|do|would) (?:i|we|you|one)\b",
            r"\bhow should\b",
            r"\bhow (?:do|does|did) (?:the )?(?:[\w'-]+ ){1,3}(?:say|think|recommend|suggest|advise)\b[^?]*\bshould\b",
            r"\b(?:should|must) (?:i|we|you)\b",
            r"\bwhat (?:is|are) (?:the )?(?:best|good|right|recommended) (?:way|practice|approach)\b",
            r"\b(?:any )?(?:tips|advice)\b",
            r"\bwhat to do\b",
            r"\b(?:i|we|you|they) (?:should|must|ought to) do\b",
            r"\bwhat (?:practical )?(?:steps|measures|actions)\b",
        ),
        _forms(
            r"\b(?:should|must|ought|need(?:s|ed)? to|has to|have to|try to|aim to)\b",
            r"\b(?:recommend\w*|advis\w*|advice|guidance|guidelines?|standards?|competencies|expected|requires?|"
            r"depend on|appropriate|select|evaluat\w*|discuss\w*|anticipat\w*|consider|avoid|minimum|exception)\b",
            r"^\W*(?:select|evaluate|consider|avoid|use|make|ask|tell|keep|try|give|build)\b",
        ),
    ),
    Kind(
        YES_OR_NO,
        "no clear yes or no",
        _forms(r"^\W*(?:does|do|did|is|are|was|were|can|could|should|will|would|has|have|had|must|may|might)\b"),
        _forms(r"\w+"),  # any statement on the subject says yes, no or how far
        claim=True,
    ),
)


# A clause ends at a semicolon, colon, dash or bracket, and where a comma opens a coordinate or subordinate
# clause or phrase ("..., and regular urine tests", "..., possibly because ...", "..., including patients ...").
_CLAUSE_BREAK = re.compile(
    r"\s*[;:()\[\]–—]\s*|\s+-\s+|,\s+(?=(?:and|but|while|whereas|which|where|who|so|or|yet|although|though|"
    r"because|possibly|since|including|such as|especially|particularly)\b)",
    re.I,
)
# A clause that says the matter is not known answers nothing on it ("whether ... can be therapeutic is untested").
_NOT_KNOWN = _forms(
    r"\b(?:untested|unknown|unclear|uncertain|unproven|unresolved|undetermined)\b",
    r"\bno (?:evidence|data|research)\b",
    r"\bcannot (?:easily |yet )?be (?:proved|proven|definitive|known|tested|determined)\b",
    r"\b(?:not|never) (?:yet )?(?:been )?(?:tested|studied|known|established|proved|proven)\b",
    r"\bremains? to be (?:seen|tested|shown|established)\b",
)


@dataclass(frozen=True)
class Asked:
    """What a question asks for, and the words of the question's subject, each as the tokens a text may name it
    by (lexical search's, and those of the corpus words nearest it in meaning) with how distinctive it is in the
    corpus: the giving text must name the subject in the same clause. `own` are the tokens of every word of the
    question: a form made only of them is the question's, not an answer."""

    kind: Kind
    subject: tuple[tuple[frozenset[str], float], ...]
    own: frozenset[str] = frozenset()
    counted: frozenset[str] = frozenset()  # the tokens of what a "how many" question counts
    narrower: bool = False  # the question asks for the kind's narrower thing ("who led the study?": a name)

    def given_by(
        self, sentence: str, tokens: Callable[[str], Collection[str]], entry: str = "", context: str = ""
    ) -> bool:
        """Whether a clause of a sentence gives the thing asked for: it holds a giving form that is not the
        question's own word, does not say the matter is unknown, and names SUBJECT_SHARE of the subject's
        distinctiveness. `tokens` analyses text as the subject was analysed. A sentence of a study's entry
        (`entry`: the entry's title) has its subject named by the entry, and names a study itself. A subject word
        named only elsewhere in the sentence's passage (`context`) counts CONTEXT_SHARE of its weight ("Four
        relationship patterns were identified" in a passage on French interviews); a yes or no is a claim the
        sentence itself must make."""
        if self.kind.claim and _NOT_KNOWN.search(sentence):
            return False
        named_by_entry = set(tokens(entry)) if entry else set()
        around = set(tokens(context)) if context and not self.kind.claim else set()
        entry_names_study = bool(entry) and self.kind.name == STUDY
        return any(
            (entry_names_study or self._gives_form(clause, tokens))
            and not _NOT_KNOWN.search(clause)
            and self._names_subject(set(tokens(clause)) | named_by_entry, around)
            for clause in clauses(sentence)
        )

    def _gives_form(self, clause: str, tokens: Callable[[str], Collection[str]]) -> bool:
        """Whether a clause holds a giving form some word of which the question does not already say (and, for a
        count, that counts what the question counts)."""
        return any(
            not all(set(tokens(word)) & self.own for word in re.findall(r"\w+", match.group()))
            and self._counts_asked(clause[match.end() :], tokens)
            for match in self._giving_forms.finditer(clause)
        )

    @property
    def _giving_forms(self) -> re.Pattern[str]:
        return self.kind.narrower[1] if self.narrower and self.kind.narrower else self.kind.given

    def _counts_asked(self, after: str, tokens: Callable[[str], Collection[str]]) -> bool:
        if not self.counted:
            return True
        return bool(set(tokens(" ".join(re.findall(r"[\w'-]+", after)[:COUNT_REACH]))) & self.counted)

    def _names_subject(self, present: set[str], around: set[str] = frozenset()) -> bool:
        total = sum(weight for _, weight in self.subject)
        named = sum(
            weight * (1.0 if words & present else CONTEXT_SHARE if words & around else 0.0)
            for words, weight in self.subject
        )
        return not total or named >= SUBJECT_SHARE * total


def read_asked(query: Query, retriever: Retriever, question: np.ndarray) -> Asked | None:
    """What the question (as read) asks for, with its subject's words as a text may name them, each weighed by
    how distinctive it is in the corpus and how near it is to the question's meaning (as search weighs it: the
    words a question is about count more than those that frame it, "get", "results"); `question` is the vector
    search read the question as."""
    kind = asked_for(query.text)
    if kind is None:
        return None
    lexical, analyzer, meanings = retriever.lexical, retriever.analyzer, retriever.gatherer.meanings

    def passages_using(tokens: frozenset[str]) -> int:
        """Passages holding the word in its rarest form (as lexical search weighs it)."""
        return min((c for token in tokens if (c := lexical.document_frequency.get(token, 0))), default=0)

    terms = analyzer.analyse(subject_words(query.text, kind)).terms
    naming = retriever.reader.names if query.cells else frozenset()  # "in drug C3": where to look, not a subject
    named: list[tuple[str, frozenset[str], int]] = []
    for term in (t for t in terms if t.word.lower() not in naming):
        tokens, count = term.tokens, passages_using(term.tokens)
        if not count:  # a word no passage uses is named by the corpus word nearest it in meaning, as search reads it
            tokens = tokens | frozenset(analyzer.tokens(meanings.closest(term.word.lower()) or ""))
            count = passages_using(tokens)
        # A word no passage uses by any word of its meaning is asked about and named by no sentence; one most
        # passages use ("patients") names no subject.
        if count <= COMMON * lexical.size:
            named.append((term.word.lower(), tokens, max(count, 1)))
    named = _one_per_concept(named)
    closeness = term_weights(question, meanings.vectors_of([word for word, _, _ in named]))
    subject = tuple(
        (tokens, lexical.idf(count) * float(near)) for (_, tokens, count), near in zip(named, closeness, strict=True)
    )
    own = frozenset(token for term in terms for token in term.tokens)
    counted = counted_tokens(query.text, analyzer.tokens) if kind.name == NUMBER else frozenset()
    return Asked(kind, subject, own, counted, kind.asks_narrower(query.text))


def counted_tokens(question: str, tokens: Callable[[str], Collection[str]]) -> frozenset[str]:
    """The tokens of what "how many ..." counts: the words after it, up to two, until a word search ignores."""
    found = _COUNTED.search(question)
    counted: set[str] = set()
    for word in found.group(1).split() if found else ():
        if not (analysed := set(tokens(word))):
            break
        counted |= analysed
    return frozenset(counted)


def _one_per_concept(named: list[tuple[str, frozenset[str], int]]) -> list[tuple[str, frozenset[str], int]]:
    """The subject's words (word, tokens, passages using it), those of one phrase of the vocabulary ("supervised
    dosing") made one, so that the subject counts a notion once however many words it is written in."""
    merged: list[tuple[str, frozenset[str], int]] = []
    for word, tokens, count in named:
        concepts = {t for t in tokens if t.startswith(CONCEPT)}
        same = next((i for i, (_, held, _) in enumerate(merged) if concepts & held), None)
        if same is None:
            merged.append((word, tokens, count))
        else:
            first, held, held_count = merged[same]
            merged[same] = (first, held | tokens, min(held_count, count))
    return merged


def asked_for(question: str) -> Kind | None:
    """The kind of thing a question asks for, or None when it asks in no form of KINDS: the kind whose form comes
    first in the question ("what should doctors do when deciding how long ...?" asks what to do), the more
    specific on a tie; a yes or no only when it asks for nothing else ("does the guidance say how often ...?")."""
    starts = {kind.name: match.start() for kind in KINDS if (match := kind.asked.search(question))}
    found = [kind for kind in KINDS if kind.name in starts and kind.name != YES_OR_NO]
    if found:
        return min(found, key=lambda kind: starts[kind.name])
    return next((kind for kind in KINDS if kind.name in starts), None)


def subject_words(question: str, kind: Kind) -> str:
    """The question without the words that ask for the kind ("how often should I test urine?" -> "should I test
    urine?"; "who wrote the guidance?" -> "the guidance?"): what the giving clause must name."""
    if kind.narrower:
        question = kind.narrower[0].sub(" ", question)
    return kind.asked.sub(" ", question)


def clauses(sentence: str) -> list[str]:
    """A sentence's clauses, cut where _CLAUSE_BREAK says one ends."""
    return [part for part in _CLAUSE_BREAK.split(sentence) if part.strip()]
