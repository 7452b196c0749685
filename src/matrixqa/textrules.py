"""The field's text rules, shared by every stage: words that name no subject, words that point back at
something said before, and the notes a cell page adds for its reader rather than as evidence."""

from __future__ import annotations

import re

# Words that name no subject, in three tiers, each the one before and more. A heading run into its paragraph
# ("Highlighted study Methadone patients ...") never ends on a function word.
FUNCTION_WORDS = frozenset(
    "a an and are as at be by for from in into is of on or than that the to was were which who with".split()
)
# The commonest words: telling which listed entry a commentary paragraph describes counts the words the two
# share beyond these (the shorter list that matching was tuned with).
COMMON_WORDS = FUNCTION_WORDS | frozenset(
    """about above after all also any because been before being between both but can could did do does doing had
    has have he her his how if it its may more most not one other our out over she should so some such their them
    then there these they this those through too under up very we what when where whether while why will would
    you""".split()
)
# Function words as people type them in a chat on a phone ("shud", "wud", "pls"): they name no subject either,
# and are never to be "corrected" into a word of the corpus ("shud" into "shut").
CHAT_WORDS = frozenset(
    """shud shld wud wld cud cld ur wat wot wht whts wats whn wen hw y abt pls plz thx thnx im ive dont doesnt
    didnt cant wont isnt arent wasnt werent shouldnt wouldnt couldnt hv""".split()
)
# The field's practitioners, who give advice and may be asked what to do ("what should a pharmacist do?").
PRACTITIONERS = (
    r"doctors?|physicians?|GPs?|psychiatrists?|clinicians?|counsell?ors?|keyworkers?|staff|nurses?|pharmacists?|"
    r"prescribers?|therapists?|practitioners?|workers?|specialists?|generalists?|professionals?|managers?|commissioners?"
)
# Who may ask: the field's practitioners and the other people a question comes from ("Midwife q - ...", "GP question:").
ASKERS = (
    rf"{PRACTITIONERS}|docs?|medics?|midwi(?:fe|ves)|officers?|consultants?|registrars?|psychologists?|paramedics?|"
    r"students?|trainees?|leads?|coordinators?|advis[eo]rs?|mentors?|volunteers?|carers?|parents?"
)
# Verbs by which a question requests rather than asks ("explain what B3 covers", "can you summarise ..."): what
# follows them is what is asked.
REQUEST_VERBS = r"explain|describe|summari[sz]e|sum|give|list|outline|show|clarify|walk|go through"
# A question's word read in the corpus's words carries its reading beside it ("bupe (buprenorphine)", "commissioner
# (commissioning)"): search/reading.py writes it so, and a pattern matched on the text as read allows for it after a
# word.
READING = r"(?:\s+\([^()]*\))?"


def with_reading(word: str, reading: str) -> str:
    return f"{word} ({reading})"


# Chat idioms written in several words or with punctuation, read as the one word they stand for ("tl;dr of B2?").
CHAT_IDIOMS = {re.compile(r"\btl\s*[;:,.]?\s*dr\b", re.IGNORECASE): "summary"}
# What lexical search leaves out of passages and questions alike.
STOPWORDS = (
    COMMON_WORDS
    | CHAT_WORDS
    | frozenset(
        """again against al am below down during each eg either et etc few further having here hers herself him
        himself i ie itself just least less ll many me might much must my myself neither no nor now off once only
        ought ours ourselves own per rather re same shall theirs themselves thus until upon us ve whatever whom
        whose within without yet your yours yourself yourselves""".split()  # "ve", "re", "ll": from "we've", "we're"
    )
)
# Every study entry says these, so sharing them says nothing about which entry a paragraph describes.
ENTRY_MATCH_STOPWORDS = COMMON_WORDS | frozenset("study studies found finds patients patient treatment".split())
# Words by which a follow-up question leans on the previous turn or asks for its source: what is left names
# its new topic.
FOLLOW_UP_WORDS = frozenset(
    """and but also so then what about how of is was does did that this it they them those these there the a an
    which who where when why study studies research paper papers trial review evidence source sources show showed
    shows found find say said wrote tell more else same true for with from any do have has""".split()
)


def _any_of(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


# Words that point at something named before; each use below adds the ones that point in its kind of text.
_POINTERS = ("this", "these", "those", "it", "they", "them")
_OWNERS = ("their", "its", "such")
# A passage whose opening words hold one leans on the passage before ("These requirements ...").
PASSAGE_POINTS_BACK = _any_of(*_POINTERS, *_OWNERS)
_PASSAGE_OPENING_WORDS = 12
# Within a passage a sentence may also point at people and pairs ("She found ...", "The latter ...").
SENTENCE_POINTS_BACK = _any_of(*_POINTERS, *_OWNERS, "he", "she", "his", "her", "both", "latter", "former", "here")
# Within a sentence a clause may point at what the clauses before it say ("...; in Scotland, 20 of 32 did this").
CLAUSE_POINTS_BACK = _any_of("this", "these", "those", "such")
# A question that addresses the reader, or points at earlier text, does not stand on its own.
NOT_STANDALONE = _any_of(*_POINTERS, "such", "he", "she", "you", "your", "we", "our")

# Words by which a sentence answers or points at its neighbour, so that alone it says nothing: a study named
# before, a comparison whose other side was said before ("are as important, then", "the other way too", "...
# important too."), a count of things listed before ("The first three were ...").
_LEANS_BACK = re.compile(
    r"\bit would seem so\b|\bdescribed above\b|\bthe stud(?:y|ies) (?:below|above)\b|"
    r"\b(?:this|these|that|those|the same) (?:stud(?:y|ies)|trials?|reviews?|findings?|research|sample)\b|"
    r"\b(?:is|are|was|were|be|been)\s+(?:\w+ )?as \w+\s*(?:[,;.]|then\b)|\bthe other way\b|\btoo\s*(?:[.:;]|$)|"
    r"^\W*the (?:first|last|(?:two|three|four|five|six|seven|eight|nine|ten))\b(?: \w+)? (?:are|is|was|were)\b|"
    r"^\W*the (?:authors?|reviewers?|researchers?|investigators?)\b",
    re.I,
)
# An opening clause whose subject points back: "Even when they seem ...", "If these consequences are real, ...".
_POINTING_CLAUSE = re.compile(
    r"^\W*(?:\w+ )?(?:when|if|although|though|while|because|since|once|unless)\s+"
    r"(?:they|it|this|these|those|he|she|such)\b",
    re.I,
)
# Openings that continue the sentence before: "One which ...", "Another study ...", "In contrast, ...".
_CONTINUES = re.compile(
    r"^\W*(?:one (?:which|that|of (?:them|these|those|the))|another\b|the (?:other|rest|latter|former)\b|"
    r"neither\b|instead\b|in (?:contrast|addition|turn)\b|conversely\b|similarly\b|likewise\b|also\b|"
    r"moreover\b|furthermore\b|hence\b|thus\b|therefore\b|so much for\b)",
    re.I,
)
# A short opening phrase ("Without stipulating this, they ..."): a pointing word in it points at a neighbour.
_OPENING_PHRASE = re.compile(r"^\W*((?:[\w'’-]+\W+){0,4}?[\w'’-]+)\s*[,;:]")

# Notes a page adds to a study entry or under it, saying where to read it rather than what it found.
FREE_SOURCE = r"free source at (?:the )?time of writing"
RELATED_STUDY = r"related stud(?:y|ies) (?:above|below)"
ENTRY_NOTES = re.compile(rf";?\s*\b{FREE_SOURCE}\.?|\s*\b{RELATED_STUDY}\.", re.IGNORECASE)
# Sentences that steer a reader about the page (widgets, links, where else to look) rather than say
# anything about the evidence: kept in the passage for its context, never quoted in an answer.
NAVIGATION = re.compile(
    r"click here|click and scroll|scroll down|\bunfold\b|\bhover over\b|^see (?:also|the rest)\b|"
    rf"^{RELATED_STUDY}|^one of (?:the )?(?:three|two)\b.*\b(?:above|below)\.?$|"
    rf"^more on .* in cell [A-E]\d\.?$|^{FREE_SOURCE}|^search for\b|see study \d+ in linked",
    re.IGNORECASE,
)


def passage_points_back(opening: str) -> bool:
    """Whether a passage's opening sentence points back at the passage before, within its first words."""
    return bool(PASSAGE_POINTS_BACK.search(" ".join(opening.split()[:_PASSAGE_OPENING_WORDS])))


def leans_back(sentence: str) -> bool:
    """Whether a sentence only makes sense beside the one before it ("..., it would seem so", "They recommend
    ...", "Without stipulating this, they ...", "One which ...", "Another study found ...").

    A cross-reference in brackets ("(study listed above)") marks a link on the page, not a neighbour: the
    sentence around it still stands alone."""
    if _LEANS_BACK.search(sentence) or _CONTINUES.match(sentence) or _POINTING_CLAUSE.match(sentence):
        return True
    words = sentence.split(maxsplit=1)
    if words and SENTENCE_POINTS_BACK.fullmatch(words[0].strip("\"'‘“(")):
        return True
    opening = _OPENING_PHRASE.match(sentence)
    return bool(opening and SENTENCE_POINTS_BACK.search(opening.group(1)))
