"""The kinds of thing a practitioner asks for (a frequency, a dose, a duration, a number, a person or body, a
study, a time, what to do, yes or no): the forms of question that ask for each and the forms of text that give it,
declared once. answer/asks.py decides whether a sentence gives what a question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from matrixqa.textrules import PRACTITIONERS, REQUEST_VERBS

_NUMBER_WORD = (
    r"(?:(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|a (?:few|couple of|dozen)|several|a dozen|dozens of|half|pair|trio)"
)
# "How many different kinds of relationship ...?" asks for a count of relationships: the words naming a sort of thing
# are the asking's, not the subject's.
HOW_MANY = (
    r"\bhow many\b(?:\s+(?:different|distinct|main|separate)\b)?(?:\s+(?:kinds?|types?|sorts?|forms?|categories|"
    r"classes|varieties|groups?|patterns?|styles?)\s+of\b)?"
)
STUDY = "a study"
NUMBER = "a number"
YES_OR_NO = "a yes or no"
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
# Who made a study or a document: "who were the authors of the review?" asks for their names.
_MAKERS = r"(?:authors?|researchers?|investigators?|writers?|funders?|publishers?|lead (?:author|researcher)s?)"
# "What was the name of the researcher who ...?" asks for a name, as "who led ...?" does.
_NAME_OF = (
    r"\bnames? of (?:the |that |this |its )?(?:[\w-]+ ){0,3}?(?:researchers?|authors?|investigators?|scientists?|"
    rf"people|persons?|doctors?|experts?|{_BODIES})\b"
)
# Up to two words describing what a question asks for ("which randomised trial"), not the verbs and determiners of a
# question about it ("what did the study find?" asks for findings, not a study).
_NOT_MODIFIERS = r"did|do|does|is|are|was|were|has|have|had|the|a|an|this|that|these|those|in|of|on|for"
_MODIFIERS = rf"(?:(?!(?:{_NOT_MODIFIERS})\b)[\w-]+ ){{0,2}}"
# The names a question gives the study it asks for ("which evaluation of supervised consumption ...?"): those the
# giving forms count as a study's, less the words of evidence in general.
_STUDIES = r"(?:stud(?:y|ies)|trials?|reviews?|papers?|articles?|evaluations?|surveys?)"
# A polite request opening a question: what follows it is what is asked.
_REQUEST = (
    r"(?:can|could|would|will) (?:you|u) (?:please |just |quickly |briefly )?"
    rf"(?:tell (?:me|us)|{REQUEST_VERBS})\b\s*"
)
_TIME_OF_DAY = r"\b(?:morning|afternoon|evening|night-?time|midday|noon|\d{1,2}(?:[.:]\d\d)?\s?(?:am|pm))\b"


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
    # A clause opening with a verb in the imperative gives advice whatever the verb, the question's own too ("how
    # should services select clinicians?": "Select and evaluate clinicians based on their track record").
    instructs: re.Pattern[str] | None = None

    def asks_narrower(self, question: str) -> bool:
        return bool(self.narrower and self.narrower[0].search(question))


def forms(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.I)


# In the order a question is matched against them: the most specific first ("how many times" asks for a
# frequency, "how many months" for a duration, "how many" for a number).
KINDS = (
    Kind(
        "a frequency",
        "no frequency",
        forms(
            r"\bhow (?:often|frequently|regularly)\b",
            r"\bhow many times\b",
            r"\bfrequency\b",
            r"\bhow soon\b",
            # "how many tests a month": a rate, not a count
            rf"\bhow many (?!{_TIME_UNIT})[^?.]*?\b(?:a|an|per|each|every) {_TIME_UNIT}\b",
        ),
        forms(
            r"\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|quarterly|yearly|annually|near-daily)\b",
            rf"\bevery (?:{_NUMBER_WORD} |other |single )?(?:{_TIME_UNIT}|visit|appointment|dose|time)\b",
            rf"\b(?:once|twice|{_NUMBER_WORD} times?) (?:a|an|per|each|every) \w+",
            rf"\b(?:each|per|a) (?:{_TIME_UNIT})\b(?! (?:of|before|after|later))",
        ),
    ),
    Kind(
        "a duration",
        "no duration",
        forms(
            r"\bhow long\b(?! (?:into|in to|after)\b)",
            rf"\b(?:how|for) many {_TIME_UNIT}\b",
            r"\bduration\b",
            r"\b(?:for|over|during|in) what (?:period|length of time|time ?span|time ?frame|timescale|"
            r"(?:time )?window)\b",
            r"\bwhat length\b",
            r"\bhow much (?:more |less |extra )?time\b",  # "how much time does a doctor get?": an amount of time
        ),
        forms(
            rf"\b{_NUMBER_WORD}(?:[- ]| or more )(?:{_TIME_UNIT})(?:’|')?(?!\w| {_POINT_AFTER})",
            rf"\b(?:a|an|one) (?:{_TIME_UNIT})\b",
            r"\b(?:indefinitely|lifelong|for life)\b",
        ),
    ),
    Kind(
        "a dose",
        "no dose",
        forms(
            r"\b(?:what|which|how much|how high|how low|right|correct|starting|usual|typical|best|optimal|"
            r"recommended|sufficient|adequate|maximum|minimum|safe|average|mean|median)\s+(?:[\w'-]+\s+){0,2}"
            r"(?:dose|doses|dosage|dosing)\b",
            r"\bhow (?:much|many) (?:mg|milligrams?|ml|millilitres?)\b",
            # "how much higher were the methadone doses": by how much a dose differs is an amount of it
            r"\bhow much (?:higher|lower|larger|smaller|bigger|more|less)\b(?:\s+[\w'-]+){0,4}?\s+(?:doses?|dosage)\b",
            r"\b(?:in|how many) (?:mg|milligrams?|ml|millilitres?)\b",
        ),
        forms(r"\b\d+(?:[.,]\d+)?\s?(?:mg|milligrams?|ml|millilitres?|mcg|micrograms?|µg)\b"),
    ),
    Kind(
        NUMBER,
        "no figure",
        forms(
            HOW_MANY,
            r"\bwhat (?:number|proportion|percentage|share|fraction|rate)\b",
            r"\bwhat per ?cent\b",
            r"\bhow big\b",
        ),
        forms(
            rf"\b(?!one\b){_NUMBER_WORD}\b(?! (?:{_TIME_UNIT}))",
            r"\b\d+(?:\.\d+)?\s?(?:%|per ?cent)",
            r"\b(?:a|one|two) (?:third|quarter|fifth)s?\b",
        ),
    ),
    Kind(
        "a time",
        "no time",
        forms(
            r"^\W*when\b",
            r"\b(?:what|which) year\b",
            r"\bat what (?:point|stage)\b",
            r"\bwhat time\b",
            r"\bhow recent\b",
            r"\bhow long (?:into|in to|after)\b",  # "how long into treatment": a point in it
        ),
        forms(*_POINTS, r"\b(?:after|before|following|during|since|until|once)\b"),
        # When something happened is given by a point in time, not by a word placing it beside another event.
        # What time of day is given by one, not by a word placing it beside an event either.
        narrower=(
            forms(
                r"^\W*when (?:did|was|were|had)\b",
                r"\b(?:what|which) year\b",
                r"\bwhat time\b",
                # "when was the guidance published?": when a document or study appeared, which its entry's year gives
                r"\b(?:published|written|issued|released|produced|conducted|carried out|done|c[ao]me out)\W*$",
            ),
            forms(*_POINTS, _TIME_OF_DAY),
        ),
    ),
    Kind(
        "a person or body",
        "no person or body",
        forms(
            r"^\W*who\b",
            _NAME_OF,
            # "which two royal colleges ...?": bodies counted are still asked for
            rf"^\W*(?:which|what) (?:{_NUMBER_WORD} (?:[\w-]+ )?)?(?:people|persons?|professionals?|researchers?|"
            rf"authors?|experts?|staff|clinicians?|doctors?|workers?|clinics?|services?|teams?|{_BODIES})\b",
        ),
        forms(
            _NAME,
            rf"\b(?:{PRACTITIONERS}|patients?|reviewers?|authors?|researchers?|users?|commentators?)\b",
            _BODY,
        ),
        narrower=(
            forms(
                r"^\W*who (?:(?:first|actually|originally|really) )?(?:led|leads|ran|runs|wrote|writes|produced|"
                r"produces|published|publishes|issued|issues|commented|comments|conducted|carried out|put together|"
                r"drew up|developed|authored|compiled|funded|funds|commissioned|designed|is behind|was behind|"
                r"are behind|were behind|said|says|stated|claimed|argued|coined)\b",
                r"^\W*who (?:is|was) quoted\b",  # who said it: whoever is quoted, by name
                rf"^\W*(?:which|what) (?:researchers?|authors?|clinics?|services?|{_BODIES})\b",
                rf"^\W*who (?:is|are|was|were) (?:the|its|their) (?:[\w-]+ ){{0,2}}?{_MAKERS}\b",  # "the US researcher"
                _NAME_OF,
            ),
            forms(_NAME, _BODY),
        ),
    ),
    Kind(
        STUDY,
        "no study",
        forms(
            # "a study" itself is the asker's scene ("I was reading about a French study where they looked at ..."),
            # unless asked whether there is one (below)
            rf"\b(?:which|what|any) {_MODIFIERS}"
            rf"(?:{_STUDIES}|research|experiments?)"
            r"\b[^?]*\b(?:show|shows|showed|shown|showing|found|find|finds|finding|test|tested|testing|looked|prove|proved|"
            r"compar\w*|examin\w*|assess\w*|suggest\w*|support\w*|link\w*|associat\w*|connect\w*|demonstrat\w*|"
            r"report\w*|establish\w*|measur\w*|investigat\w*|back\w*|justif\w*|confirm\w*|underpin\w*)\b",
            rf"^\W*(?:which|what) {_MODIFIERS}{_STUDIES}\b",
            # "which are the three studies on ...?" asks which ones ("what were the trials about?" does not)
            rf"^\W*which (?:are|were|is|was) (?:the |these |those )?{_MODIFIERS}{_STUDIES}\b",
            # "what are the three studies on ...?": counted, they are asked for by name ("what were they about?" is not)
            rf"^\W*what (?:are|were) (?:the |these |those )?{_NUMBER_WORD} {_MODIFIERS}{_STUDIES}\b"
            r"(?![^?]*\b(?:about|find|found|show|showed|say|said|conclude|concluded)\W*$)",
            r"\b(?:reference|citation)s? (?:for|of)\b",
            r"\b(?:is there|are there|what) (?:any )?(?:evidence|research|studies|trials)\b",
            rf"\b(?:is there|are there) (?:a|an|any) {_MODIFIERS}{_STUDIES}\b",
            r"\b(?:piece|pieces|bit) of research\b",
            # "which review should I read first on ...?", "the best study to start with": reading it, and first, is
            # the asking (a reading list's order), not the subject a giving sentence must name
            r"\b(?:should|would|could|must|do) (?:i|we|you|one|they) (?:first )?read(?: first)?\b",
            r"\bread(?:ing)? first\b",
            r"\b(?:to )?start (?:reading )?with\b",
            rf"\bwhat(?:'s|’s| is) the (?:best|first|main|key) {_STUDIES}\b",
            r"\bwho (?:studied|researched|found|showed|tested)\b",
        ),
        forms(
            r"\b(?:stud(?:y|ies)|trials?|reviews?|interviews?|analys[ie]s|research|researchers|investigators?|"
            r"surveys?|evaluations?|experiments?|evidence|records|case-notes|sample)\b",
            r"\((?:19|20)\d\d\b",
        ),
    ),
    Kind(
        "what to do",
        "no advice on what to do",
        forms(
            r"\bwhat (?:[\w'-]+ )?(?:should|must|can|could|do|would) (?:(?:a|an|the|my|our) )?"
            rf"(?:i|we|you|they|{PRACTITIONERS}|services?|pharmacies|teams?|clinics?)\b[^?]*\bdo\b",
            r"\bhow (?:should|can|could|do|would) (?:i|we|you|one)\b",
            # "what should a new keyworker do?": whoever should, what they should do (or say) is advice
            r"\bwhat (?:[\w'-]+ )?(?:should|must|ought to) [^?]*?\b(?:do|say)\b",
            # guidance is advice on what to do: "what do the UK guidelines say about observed urine samples?"
            r"\bwhat (?:do|does|did) (?:[\w'-]+ ){0,3}(?:guidelines?|guidance|standards?|recommendations?) "
            r"(?:say|state|recommend|advise|suggest|require|expect)\b",
            # "how exactly should keyworkers defuse ...?" ("how quickly should ...?" asks how soon)
            r"\bhow (?:exactly |precisely |best |else )?should\b",
            r"\bwhat (?:do|does|did) (?:[\w'-]+ ){1,3}(?:advise|recommend)\b",
            r"\bhow (?:do|does|did) (?:the )?(?:[\w'-]+ ){1,3}(?:say|think|recommend|suggest|advise)\b[^?]*\bshould\b",
            r"\b(?:should|must) (?:i|we|you)\b",
            r"\bwhat(?:'?s| is| are) (?:the )?(?:best|good|right|recommended) (?:way|practice|approach)\b",
            r"\b(?:any )?(?:tips|advice)\b",
            r"\bwhat to do\b",
            r"\bsays? to do\b",
            r"\b(?:i|we|you|they) (?:should|must|ought to) do\b",
            r"\bwhat (?:practical )?(?:steps?|measures|actions?)\b",
        ),
        forms(
            r"\b(?:should|must|ought|need(?:s|ed)? to|has to|have to|try to|aim to)\b",
            r"\b(?:recommend\w*|advis\w*|advice|guidance|guidelines?|standards?|competencies|expected|requires?|"
            r"depend on|appropriate|select|evaluat(?:e|ing)\b|discuss\w*|anticipat\w*|consider|avoid|minimum|"
            r"exception)\b",
        ),
        instructs=forms(r"^\W*(?:select|evaluate|consider|avoid|use|make|ask|tell|keep|try|give|build)\b"),
    ),
    Kind(
        YES_OR_NO,
        "no clear yes or no",
        # "Can you explain what B3 is about?" asks for an explanation, not whether one can be given; "can you tell me
        # whether ...?" asks whether.
        forms(
            rf"^\W*(?!{_REQUEST})(?:does|do|did|is|are|was|were|can|could|should|will|would|has|have|had|must|may|"
            r"might)\b",
            rf"^\W*{_REQUEST}(?:if|whether)\b",
        ),
        forms(r"\w+"),  # any statement on the subject says yes, no or how far
        claim=True,
    ),
)


def asked_for(question: str) -> Kind | None:
    """The kind of thing a question asks for, or None when it asks in no form of KINDS: the kind whose form comes
    first in the question ("what should doctors do when deciding how long ...?" asks what to do), the more
    specific on a tie; a yes or no only when it asks for nothing else ("does the guidance say how often ...?")."""
    starts = {kind.name: match.start() for kind in KINDS if (match := kind.asked.search(question))}
    found = [kind for kind in KINDS if kind.name in starts and kind.name != YES_OR_NO]
    if found:
        return min(found, key=lambda kind: starts[kind.name])
    return next((kind for kind in KINDS if kind.name in starts), None)
