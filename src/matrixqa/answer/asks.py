"""Whether a sentence gives what a question asks for (a frequency, a dose, a duration, a number, a person, a study,
a time, what to do, yes or no: the kinds and their forms are answer/kinds.py's), and the subject it must name.

Each kind pairs the forms of question that ask for it with the forms of text that give it: "how often" asks for a
frequency, and "daily", "every N weeks", "twice a day" give one. A sentence gives the thing asked for only when the
form stands in a clause that also names the question's subject, so that a figure about something else is not taken
for the answer: in "nearly every day to swallow their methadone in front of staff, and regular urine tests to spot
drug use" the frequency is the swallowing's, not the testing's. The subject is named by its words, their spelling
variants and synonyms (the vocabulary), and the corpus words nearest them in meaning ("French" by "France"). A form
that is the question's own word ("who ran the survey of clinicians?": "clinicians") answers nothing, and a clause
that says the matter is untested or unknown gives no answer on it (but "no" to a question asking whether it is
known: "has anyone tested ...?"), nor one placing its figure in a former time ("previously recommended") unless the
question asks of a former time. A yes or no is a claim about what the question embeds after "why", "how", "whether"
or "what": the words of that matter count less, as a sentence may name it in other words ("the findings"), and so do
those of the study the claim is set in ("... in the Philadelphia study?"), which the sentence's passage need not
name again. Some questions ask for something narrower than their kind: who made a study or a document, or said what
is quoted, is given by a name or a body, never by a role ("patients", "doctors"), nor where the maker is described
without a name ("led by an eminent US researcher"). A request to be pointed into the reading ("which review is
recommended as the place to start on X?") names its subject by X alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from matrixqa.answer.kinds import HOW_MANY, NUMBER, STUDY, Kind, asked_for, forms
from matrixqa.index.analysis import Analysis
from matrixqa.index.vocabulary import CONCEPT
from matrixqa.search.evidence import term_weights
from matrixqa.search.reading import Query
from matrixqa.search.retrieve import Retriever
from matrixqa.search.scope import words_of_where_to_start
from matrixqa.textrules import CLAUSE_POINTS_BACK, READING

COMMON = 0.5  # share of passages a word may be in and still name what a question asks about
SUBJECT_SHARE = 0.4  # of the question's subject (by how distinctive its words are) a giving clause must name
CONTEXT_SHARE = 0.5  # what a subject word named only elsewhere in the clause's passage counts for
# A yes or no asked of a matter the question embeds ("do qualifications explain why some get better results?") is
# answered by a sentence naming the claim's own subject, which may name the embedded matter in other words ("the
# qualifications of the counsellors did not account for the findings"): its words count EMBEDDED_SHARE.
EMBEDDED_SHARE = 0.5
# Embedded after a word, not opening a question of its own after a joining word or mark ("..., and how do ...?").
_EMBEDDED = re.compile(r"(?<=\w)(?<!\band)(?<!\bor)(?<!\bbut)\s+(?:why|how|whether|what)\b", re.I)
# "how many patients ...?" names what is counted: a figure gives the number only when it counts that ("Four
# relationship patterns" answers nothing on how many patients), named within COUNT_REACH words after it. "How
# many kinds of relationship?" counts relationships: the words naming a sort of thing are skipped. A word read in the
# corpus's words keeps its reading beside it ("Scottish (Scotland) clinicians"): the two are one word of the count.
_READ_WORD = rf"[\w'-]+{READING}"
_COUNTED = re.compile(rf"{HOW_MANY}\s+({_READ_WORD}(?:\s+{_READ_WORD})?)", re.I)
COUNT_REACH = 4


# A clause ends at a semicolon, colon, dash or bracket, and where a comma opens a coordinate or subordinate
# clause or phrase ("..., and regular urine tests", "..., possibly because ...", "..., including patients ...").
_CLAUSE_BREAK = re.compile(
    r"\s*[;:()\[\]–—]\s*|\s+-\s+|,\s+(?=(?:and|but|while|whereas|which|where|who|so|or|yet|although|though|"
    r"because|possibly|since|including|such as|especially|particularly)\b)",
    re.I,
)
# A clause that says the matter is not known answers nothing on it ("whether ... can be therapeutic is untested").
_NOT_KNOWN = forms(
    r"\b(?:untested|unknown|unclear|uncertain|unproven|unresolved|undetermined)\b",
    r"\bno (?:evidence|data|research)\b",
    r"\bcannot (?:easily |yet )?be (?:proved|proven|definitive|known|tested|determined)\b",
    r"\b(?:not|never) (?:yet )?(?:been )?(?:tested|studied|known|established|proved|proven)\b",
    r"\bremains? to be (?:seen|tested|shown|established)\b",
)
# A question asking whether the matter is known ("has anyone tested whether ...?", "is there any evidence behind
# ...?") is answered by a clause saying it is not: "no".
_ASKS_IF_KNOWN = forms(
    r"\b(?:is|are|was|were) there (?:any |much |some |good |real )?(?:evidence|research|stud(?:y|ies)|data|proof)\b",
    r"\b(?:has|have) (?:anyone|anybody|research|researchers|any(?:one)? stud(?:y|ies)|studies|it|this|that) "
    r"(?:ever |actually |really |yet )?(?:been )?(?:tested|studied|shown|proved|proven|researched|established|"
    r"examined|investigated|looked at)\b",
    r"\b(?:is|was) (?:it|this|that) (?:known|proven|established)\b",
)

# A clause placing what it says in a former time ("the three months' supervision previously recommended") gives
# no answer to a question about the present; a question asking of a former time says so ("the earlier
# recommendation", "the old rule").
_FORMER = forms(r"\b(?:previously|formerly|until recently|in the past|no longer(?! than))\b")
_ASKS_OF_FORMER = forms(
    r"\b(?:previous(?:ly)?|former(?:ly)?|earlier|old(?:er)?|original(?:ly)?|used to|in the past|no longer|"
    r"at the time|back then|once|before)\b",
    r"\bdid(?:n't| not)?\b[^?]*\buse to\b",  # "what did the guidance use to recommend?": "used to" asked
)

# A clause whose maker is described, not named ("led by an eminent US researcher later to become an adviser to
# Public Health England"), names nobody as the maker, whatever names it holds besides: to a question asking who
# made something, not to one asking which body (that body may be named beside the maker).
_ASKS_WHO = forms(r"^\W*who\b", r"\bnames? of\b")
_UNNAMED_MAKER = forms(
    r"\bby (?:an?|one|some|two|three|several) (?:[\w-]+ ){0,3}?(?:researchers?|scientists?|academics?|teams?|"
    r"groups?|experts?|investigators?|authors?|specialists?|professors?|psychiatrists?|doctors?|clinicians?)\b"
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
    former: bool = False  # the question asks of a former time ("under the earlier recommendation")
    who: bool = False  # the question asks who, or a name, not which body
    if_known: bool = False  # the question asks whether the matter is known: "it is untested" answers it

    def given_by(
        self,
        sentence: str,
        tokens: Callable[[str], Collection[str]],
        entry: str = "",
        context: str = "",
        leaned_on: str = "",
    ) -> bool:
        """Whether a clause of a sentence gives the thing asked for: it holds a giving form that is not the
        question's own word, does not say the matter is unknown, and names SUBJECT_SHARE of the subject's
        distinctiveness. `tokens` analyses text as the subject was analysed. A sentence of a study's entry
        (`entry`: the entry's title) has its subject named by the entry, and names a study itself. A subject word
        named only elsewhere in the sentence's passage (`context`: its heading, "Guidance", or another sentence) counts
        CONTEXT_SHARE of its weight ("Four relationship patterns were identified" in a passage on French interviews);
        a yes or no is a claim the sentence itself must make. A sentence leaning on the one before it (`leaned_on`:
        "Their caseloads were reassigned ...") is quoted with it, and gives a figure on the subject its words name; so
        does a clause pointing back at the clauses before it ("...; in Scotland, 20 out of 32 clinicians said they did
        this")."""
        if self.kind.claim and _NOT_KNOWN.search(sentence) and not self.if_known:
            return False
        named_by_entry = set(tokens(entry)) if entry else set()
        named_by_entry |= set(tokens(leaned_on)) if leaned_on and not self.kind.claim else set()
        around = set(tokens(context)) if context and not self.kind.claim else set()
        entry_names_study = bool(entry) and self.kind.name == STUDY
        parts = clauses(sentence)
        said = [set(tokens(clause)) for clause in parts]
        pointed = [set() if self.kind.claim else _pointed_at(said, i, clause) for i, clause in enumerate(parts)]
        return any(
            (entry_names_study or self._gives_form(clause, tokens) or (self.if_known and _NOT_KNOWN.search(clause)))
            and (self.if_known or not _NOT_KNOWN.search(clause))
            and (self.former or not _FORMER.search(clause))
            and not (self.narrower and self.who and _UNNAMED_MAKER.search(clause))
            and self._names_subject(said[i] | named_by_entry | pointed[i], around - _named_only_after(said, i))
            for i, clause in enumerate(parts)
        )

    def _gives_form(self, clause: str, tokens: Callable[[str], Collection[str]]) -> bool:
        """Whether a clause holds a giving form some word of which the question does not already say (and, for a
        count, that counts what the question counts), or is an instruction."""
        if self.kind.instructs and self.kind.instructs.search(clause):
            return True
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
    kind = asked_for(query.as_worded)
    # A question a page asks itself under a heading ("Where should I start?"), in its words or as a request for what to
    # read first, is answered by what the heading heads, not by a kind of thing: not advice on what to do, nor a study.
    headings = (*query.sections, *retriever.reader.sections.named(query.analysis))
    if kind is None or any(name.endswith("?") for name in headings):
        return None
    lexical, analyzer, meanings = retriever.lexical, retriever.analyzer, retriever.gatherer.meanings

    def passages_using(tokens: frozenset[str]) -> int:
        """Passages holding the word in its rarest form (as lexical search weighs it)."""
        return min((c for token in tokens if (c := lexical.document_frequency.get(token, 0))), default=0)

    terms = analyzer.analyse(query.with_readings(subject_words(query.as_worded, kind))).terms
    # "which review is recommended as the place to start reading on X?": the words of the request name no subject
    asking = words_of_where_to_start(terms, query.text) if kind.name == STUDY else frozenset()
    naming = retriever.reader.names if query.cells else frozenset()  # "in drug C3": where to look, not a subject
    named: list[tuple[str, frozenset[str], int]] = []
    for term in (t for t in terms if t.word.lower() not in naming | asking):
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
    if_known = bool(_ASKS_IF_KNOWN.search(query.text))  # then the matter asked of is what it embeds
    embedded = frozenset() if if_known else embedded_words(query.text, kind, analyzer.analyse)
    embedded |= scene_words(query.text, kind, analyzer.analyse)
    subject = tuple(
        (tokens, lexical.idf(count) * float(near) * (EMBEDDED_SHARE if word in embedded else 1.0))
        for (word, tokens, count), near in zip(named, closeness, strict=True)
    )
    own = frozenset(token for term in terms for token in term.tokens)
    counted = counted_tokens(query.text, analyzer.tokens) if kind.name == NUMBER else frozenset()
    former, who = bool(_ASKS_OF_FORMER.search(query.text)), bool(_ASKS_WHO.search(query.text))
    return Asked(kind, subject, own, counted, kind.asks_narrower(query.text), former, who, if_known)


def embedded_words(question: str, kind: Kind, analyse: Callable[[str], Analysis]) -> frozenset[str]:
    """The words of the matter a yes-or-no question embeds after "why", "how", "whether" or "what" that its claim
    does not also name."""
    found = _EMBEDDED.search(question) if kind.claim else None
    return _not_the_claims(question[found.end() :], question[: found.start()], analyse) if found else frozenset()


_SCENE = re.compile(
    r"\b(?:in|from|of|by) (?:the|that|this|a|an) (?:[\w'-]+ ){0,4}?(?:study|trial|survey|review|research|project)\b",
    re.I,
)


def scene_words(question: str, kind: Kind, analyse: Callable[[str], Analysis]) -> frozenset[str]:
    """The words of the study a yes-or-no question sets its claim in ("... in the Philadelphia study?"), that the claim
    does not also name."""
    found = _SCENE.search(question) if kind.claim else None
    claim = f"{question[: found.start()]} {question[found.end() :]}" if found else ""
    return _not_the_claims(found.group(), claim, analyse) if found else frozenset()


def _not_the_claims(part: str, claim: str, analyse: Callable[[str], Analysis]) -> frozenset[str]:
    """The words of a part of a question (lower case) whose stems the rest of it, its claim, does not name."""
    named = {term.stem for term in analyse(claim).terms}
    return frozenset(term.word.lower() for term in analyse(part).terms if term.stem not in named)


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


def subject_words(question: str, kind: Kind) -> str:
    """The question without the words that ask for the kind ("how often should I test urine?" -> "should I test
    urine?"; "who wrote the guidance?" -> "the guidance?"): what the giving clause must name."""
    if kind.narrower:
        question = kind.narrower[0].sub(" ", question)
    return kind.asked.sub(" ", question)


def _pointed_at(said: list[set[str]], i: int, clause: str) -> set[str]:
    """The words (`said`: each clause's of a sentence) of the clauses before clause i, when it points back at them
    ("...; in Scotland, 20 out of 32 clinicians said they did this"): what they name, it names."""
    return set().union(*said[:i]) if i and CLAUSE_POINTS_BACK.search(clause) else set()


def _named_only_after(said: list[set[str]], i: int) -> set[str]:
    """The words (`said`: each clause's of a sentence) only the clauses after clause i name: a later clause names its
    own subject ("... nearly every day to swallow their methadone, and regular urine tests": the testing has no
    frequency), where an earlier one is what a clause may refer back to ("...; in Scotland, 20 out of 32 clinicians
    said they did this")."""
    return set().union(*said[i + 1 :]) - set().union(*said[: i + 1])


def clauses(sentence: str) -> list[str]:
    """A sentence's clauses, cut where _CLAUSE_BREAK says one ends."""
    return [part for part in _CLAUSE_BREAK.split(sentence) if part.strip()]
