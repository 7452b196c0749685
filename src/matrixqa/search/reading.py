"""Read a question in the corpus's words, once: what it reads as is what both sides of retrieval search.

0. A chat idiom of several words or with punctuation is read as the word it stands for ("tl;dr" as "summary").
1. A misspelt word is corrected against the corpus vocabulary: a word the corpus does not hold as
   written is replaced by the closest word (optimal string alignment distance, rapidfuzz: one edit,
   two in a long word English does not know) of the corpus, the field's vocabulary or general English
   (wordfreq), a corpus word winning a tie, when the written word is unknown in English or at least
   SPELLING_MARGIN (Zipf scale) rarer than the correction. A real word is not "corrected" into
   another ("woody" stays), a capitalised word only into a corpus word, and a typo of a word the
   corpus does not use ("smokng") becomes that word, which is then judged as that word.
2. A word the corpus knows only through the field's vocabulary is read as the name of its synonym
   group, when the corpus uses that name ("gear" as heroin, "script" as prescription), so that the
   dense side, which knows no vocabulary, reads the question in the corpus's words too. A word of the
   vocabulary that general English hardly uses and that abbreviates a term of its own group ("MMT":
   methadone maintenance treatment, "bupe": buprenorphine) is read as that term whatever the corpus
   holds: the group's name is often broader ("opioid substitution"), and which cells use it must not
   change how a question is read.
3. An acronym the corpus does not hold is spelt out when it abbreviates a phrase the corpus uses:
   each capital opens a word of the phrase, and any small letters after it go on with that word
   (RCGP: Royal College of General Practitioners; RCPsych: Royal College of Psychiatrists). A
   capitalised phrase is preferred; an acronym of three letters or more may also spell out a phrase
   in small letters ("DTU": drug treatment units).

The reading also notes what the later stages need of the question: the words BM25 can score, the words no passage
uses (matched by meaning), the field's topics it names (not those named only in giving the asker's role: "Commissioner
here - does contingency management work?" asks nothing of commissioning), how distinctive each word is, and whether
it only names the corpus and asks what it covers, whole or in a clause of its own amid the asker's words ("drug B2 -
what's it about?"), and which sections of the pages it asks for (sections.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import top_n_list, zipf_frequency

from matrixqa.index.analysis import Analysis, Term
from matrixqa.index.lexical import LexicalIndex
from matrixqa.index.passagetext import searchable_texts
from matrixqa.index.vocabulary import abbreviated
from matrixqa.index.words import abbreviates, corpus_words, fold, spelt_out_beside
from matrixqa.ingest.chunk import Passage
from matrixqa.ingest.identity import matrix_codes
from matrixqa.search.asker import asking_clauses, asks_nothing, clauses_of, of_the_asker
from matrixqa.search.cells import CellKey, CellNames, NamedCells
from matrixqa.search.comparisons import Comparison, comparisons
from matrixqa.search.parts import parts_of
from matrixqa.search.scope import ALL_CELLS, CORPUS_NAMES, REQUEST_WORDS, SCOPE_WORDS, asks_scope
from matrixqa.search.sections import SectionNames
from matrixqa.search.topics import Topic, named_topics
from matrixqa.textrules import CHAT_IDIOMS, STOPWORDS, with_reading

SPELLING_MARGIN = 2.0  # a correction must be this much commoner in English (Zipf: 2 is a hundred times)
ENGLISH_WORDS = 30_000  # the commonest English words a misspelling may be of
MIN_CORRECTED = 4  # shorter words have too many neighbours to correct with confidence
LONG_WORD = 8  # from this length a misspelling may be two edits away ("relatinship"), below it one
CORRECTIONS = 50_000  # question words whose correction is remembered
_STANDS_FOR_IT = frozenset({"it", "this", "that"})  # "drug B3 - what's it about?": the cell named before
_WORD = re.compile(r"[A-Za-z]+")
_PHRASE = re.compile(r"\b[A-Z][a-z]+(?:(?:\s+(?:of|for|the|on))*\s+[A-Z][a-z]+)+")
# Capitals only (RCGP), or capitals each followed by small letters, at least two of them (RCPsych).
_ACRONYM = re.compile(r"[A-Z]{2,6}|(?=(?:[a-z]*[A-Z]){2})(?:[A-Z][a-z]{0,6}){2,6}")
MIN_LOWER_ACRONYM = 3  # an acronym spelt out by a phrase in small letters has at least this many capitals


@dataclass(frozen=True)
class Query:
    """A question as read: the text both sides search, and what the later stages need to know of it."""

    question: str  # as asked
    text: str  # as read: misspellings corrected, acronyms spelt out, slang named in the corpus's words
    analysis: Analysis = field(repr=False)  # of the text as read
    corrected: tuple[str, ...] = ()  # "methadne → methadone"
    expanded: tuple[str, ...] = ()  # "RCGP = Royal College of General Practitioners", "gear ≈ heroin"
    glossed: tuple[tuple[str, str], ...] = ()  # the words read with the corpus's word beside them: ("bupe", ...)
    scoring: tuple[Term, ...] = ()  # the words some passage holds: BM25 scores them
    unknown: tuple[Term, ...] = ()  # words no passage uses, naming neither the corpus nor a topic: matched by meaning
    topics: tuple[Topic, ...] = ()  # the field's topics the question names, each once
    weights: tuple[float, ...] = ()  # how distinctive each term of the analysis is (inverse document frequency)
    about_the_corpus: bool = False  # it only names the corpus and asks what it covers
    asks_scope: bool = False  # it asks what something covers ("summarise", "overview", "what's ... about?")
    cells: tuple[CellKey, ...] = ()  # the cells it names: it is answered from them (cells.py)
    not_held: tuple[CellKey, ...] = ()  # the cells it names that the corpus does not hold (none held: declined)
    sections: tuple[str, ...] = ()  # the sections of those cells it names ("key studies in cell A3"): they lead
    matrices: tuple[str, ...] = ()  # the matrices whose subject it names, when more than one ("drink or drugs")
    # The one matrix whose subject it names by its substances, and the word ("heroin"), unless a topic it asks about
    # is that word: that matrix's cells answer it.
    subject: tuple[str, str] | None = None
    compared: tuple[Comparison, ...] = ()  # terms of the field it sets against each other
    parts: tuple[str, ...] = ()  # the questions it joins in one, each searched too (parts.py)

    @property
    def as_worded(self) -> str:
        """The text as read without the readings set beside the asker's words ("what bupe dose", not "what bupe
        (buprenorphine) dose"): the form of the asking is the asker's."""
        text = self.text
        for word, reading in self.glossed:
            text = text.replace(with_reading(word, reading), word)
        return text

    def with_readings(self, words: str) -> str:
        """Words of the asker's (of `as_worded`) with the readings set beside them again."""
        for word, reading in self.glossed:
            words = _replace(words, word, with_reading(word, reading))
        return words

    @property
    def only_not_held(self) -> tuple[CellKey, ...]:
        """The cells it names when the corpus holds none of them: then it is declined, naming them."""
        return () if self.cells else self.not_held

    def coverage(self, present: Collection[str]) -> float:
        """Share of the question's distinctive weight whose words (or spelling variants, or synonyms) are present."""
        total = sum(self.weights)
        if not total:
            return 0.0
        return sum(w for t, w in zip(self.analysis.terms, self.weights, strict=True) if t.tokens & present) / total


class QuestionReader:
    """Knows the corpus's words, so as to read a question in them."""

    def __init__(self, passages: list[Passage], lexical: LexicalIndex):
        self.passages = passages
        self.lexical = lexical
        self.analyzer = lexical.analyzer
        self.cells = CellNames(passages)
        self.names = CORPUS_NAMES | {code.lower() for _, code in matrix_codes()}  # a code names a cell, held or not
        self.names |= {w.lower() for cell in self.cells.titles for w in _WORD.findall(cell.matrix)}
        self.sections = SectionNames(passages, self.analyzer, self.names)
        self._corrections = lru_cache(maxsize=CORRECTIONS)(self._correct)  # a word's correction is found once

    def read(self, asked: str) -> Query:
        """The question read in the corpus's words, with what the later stages need of it."""
        question, idioms = asked, []
        for idiom, word in CHAT_IDIOMS.items():
            idioms += [f"{found} → {word}" for found in dict.fromkeys(idiom.findall(question))]
            question = idiom.sub(word, question)
        first = self.analyzer.analyse(question)
        lacking = (w.lower() for w in first.words if w.lower() not in self.words)  # a scope word misspelt ("overveiw")
        beside = self.sections.asked_beside_scope(question)  # "what is B3 about and where do I start?"
        scope = asks_scope(first, question) or bool(beside) or any(self.correction(w) in SCOPE_WORDS for w in lacking)
        cells = self.cells.named(question, asks_scope=scope, names_only=self._names_only(first))
        text, corrected, expanded, glossed = self._rewrite(question, first, cells.title_words)
        analysis = self.analyzer.analyse(text) if text != question else first
        sections = self.sections.asked(text, analysis, cells)
        topics = self._asked_topics(text, analysis, cells.matrix_words)
        return Query(
            question=asked,
            text=text,
            analysis=analysis,
            corrected=(*idioms, *corrected),
            expanded=expanded,
            glossed=glossed,
            scoring=tuple(t for t in analysis.terms if self.lexical.in_corpus(t)),
            unknown=tuple(t for t in analysis.terms if not self.known(t) and not any(g.topic for g in t.concepts)),
            topics=topics,
            weights=tuple(self._weight(t, naming=bool(cells.keys)) for t in analysis.terms),
            about_the_corpus=self.asks_what_it_covers(analysis, cells, beside)
            or self._a_clause_asks_what_it_covers(question, cells),
            asks_scope=scope,
            cells=cells.keys,
            not_held=cells.not_held,
            sections=sections,
            matrices=self.cells.subjects_named(question),
            subject=self._matrix_subject(question, topics),
            compared=comparisons(analysis),
            parts=parts_of(question, self.analyzer),
        )

    # Read from the passages' searchable text at the first question, so that loading an index stays quick.
    @cached_property
    def _texts(self) -> list[str]:
        return searchable_texts(self.passages)

    @cached_property
    def words(self) -> Counter[str]:
        """Every word of the corpus as written (lower case), with how often it occurs."""
        return corpus_words(self._texts)

    @cached_property
    def phrases(self) -> list[str]:
        """The corpus's capitalised phrases ("Royal College of Psychiatrists"), commonest first."""
        return _phrases(self._texts)

    @cached_property
    def _spellings(self) -> dict[int, list[str]]:
        """The words a misspelling may be of, by length: general English, the field's vocabulary, the corpus's own."""
        field_words = sorted(self.analyzer.vocabulary.terms - set(self.words))
        by_length: dict[int, list[str]] = {}
        for spelling in _english_words() + field_words + list(self.words):
            by_length.setdefault(len(spelling), []).append(spelling)
        return by_length

    @cached_property
    def _folded_texts(self) -> list[str]:
        return [fold(text) for text in self._texts]

    def _rewrite(
        self, question: str, analysis: Analysis, names: frozenset[str]
    ) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The question with each word the corpus does not hold corrected or spelt out, where it can be (not an
        acronym the asker spells out beside it); `names` are further words that name the corpus (the titles of the
        cells the question names)."""
        corrected, expanded, glossed = [], [], []
        text = question
        for term in analysis.terms:
            word = term.word
            if word.lower() in self.names | names or (_ACRONYM.fullmatch(word) and spelt_out_beside(word, question)):
                continue
            # Whether or not the corpus holds the word: adding cells changes no reading.
            full = abbreviated(term.word, term.stem, term.concepts)
            if full:
                text = _replace(text, word, with_reading(word, full))
                expanded.append(f"{word} = {full}")
                glossed.append((word, full))
                continue
            if word.lower() in self.words:
                continue
            # A word known only by its stem is still corrected: the dense side reads words as written.
            known = self.lexical.in_corpus(term)
            topic = any(group.topic for group in term.concepts)  # "NSP" names a topic: not a phrase to find
            phrase = self.spell_out(word) if not known and not topic and _ACRONYM.fullmatch(word) else None
            if phrase:
                text = _replace(text, word, phrase)
                expanded.append(f"{word} = {phrase}")
                continue
            synonym = self.corpus_synonym(term) if known else None
            if synonym:
                text = _replace(text, word, with_reading(word, synonym))
                expanded.append(f"{word} ≈ {synonym}")
                glossed.append((word, synonym))
                continue
            if topic:  # a name of the field's vocabulary is no misspelling
                continue
            correction = self.correction(word)
            # A word the corpus holds by its stem is corrected only to a spelling of that stem ("counseling"),
            # never into another word ("keywork", as in keyworkers, is not "keyword").
            if correction and known and [t.stem for t in self.analyzer.analyse(correction).terms] != [term.stem]:
                correction = None
            if correction:
                text = _replace(text, word, correction)
                corrected.append(f"{word} → {correction}")
        return text, tuple(corrected), tuple(expanded), tuple(glossed)

    def spell_out(self, acronym: str) -> str | None:
        """The commonest capitalised phrase of the corpus that the acronym abbreviates; failing that, for
        an acronym of capitals only (three or more), the first run of content words in small letters whose
        initials it is ("DTU": drug treatment units). None when the corpus has neither."""
        for phrase in self.phrases:
            if abbreviates(acronym, phrase):
                return phrase
        if not (acronym.isupper() and len(acronym) >= MIN_LOWER_ACRONYM):
            return None
        words = r"\s+".join(rf"{re.escape(letter)}[a-z]+" for letter in acronym.lower())
        for text in self._folded_texts:
            for found in re.finditer(rf"\b{words}\b", text):
                if not set(found.group().split()) & STOPWORDS:
                    return found.group()
        return None

    def corpus_synonym(self, term: Term) -> str | None:
        """The field's word for a question word the corpus knows only through the vocabulary ("gear" is
        heroin, "script" a prescription): the name of its synonym group, when the corpus uses that name."""
        if self.lexical.document_frequency.get(term.stem, 0):
            return None
        for group in term.concepts:
            one_word = any(phrase.stems == (term.stem,) for phrase in group.phrases)
            if one_word and all(w in self.words for w in _WORD.findall(group.name.lower())):
                return group.name
        return None

    def asks_what_it_covers(self, analysis: Analysis, cells: NamedCells, beside: frozenset[str] = frozenset()) -> bool:
        """Whether a question only names the corpus and asks what it covers ("What is cell B3 about?"), or names
        cells and nothing else ("drug E3?", "what is the B2 cell for?": a cell named alone asks what it holds);
        `beside`: the words of another request it makes beside ("what is A2 about, and what's its key study?")."""
        words = [w.lower() for w in analysis.words]
        asked = {w for w in words if w in SCOPE_WORDS | ALL_CELLS}
        only_names = self._names_only(analysis, cells.naming | beside)
        return only_names and (bool(cells.keys) or bool(asked))

    def _a_clause_asks_what_it_covers(self, question: str, cells: NamedCells) -> bool:
        """Whether a question naming cells has a clause of its own asking what the cell covers, in words naming the
        corpus (or standing for the cell) and nothing else: what comes before sets the scene ("I keep seeing drug B2
        - what is that cell about?"), the clauses after it that are the asker's own, ask nothing or say whom the answer
        is for set out the asker's circumstances ("... I work with probation.", "... Prepping a training session")."""
        clauses = clauses_of(question)
        if not cells.keys or len(clauses) < 2:
            return False
        at = len(clauses) - 1
        while at > 0 and (of_the_asker(clauses[at]) or asks_nothing(clauses[at])):
            at -= 1
        asking = self.analyzer.analyse(clauses[at])
        # A pronoun stands for the cell when the clause before ends naming it ("... read drug B3 - what's it about?"),
        # or is the asker's own and names it ("I keep seeing drug B3 referenced in training. What's it about?").
        naming = self.names | cells.title_words
        before = [w.lower() for w in re.findall(r"\w+", clauses[at - 1])] if at else []
        stands = bool(before) and (
            before[-1] in naming or (of_the_asker(clauses[at - 1]) and bool(naming & set(before)))
        )
        pronoun = _STANDS_FOR_IT if stands else frozenset()
        names = any(w.lower() in self.names | cells.title_words | pronoun for w in asking.words)
        return names and asks_scope(asking, clauses[at]) and self._names_only(asking, cells.naming)

    def _asked_topics(self, text: str, analysis: Analysis, naming: frozenset[str]) -> tuple[Topic, ...]:
        """The topics a question names, but those named only in the clauses saying who asks ("Commissioner here - is
        CM worth paying for?", "I'm a midwife. Does supervised dosing harm relationships?"): a commissioner's question
        on what works is not one on commissioning. A question of nothing but such clauses keeps them all."""
        topics = named_topics(analysis, naming)
        if not topics:
            return topics
        asking = asking_clauses(text)
        if asking is None:
            return topics
        named = {t.token for t in named_topics(self.analyzer.analyse(" ".join(asking)), naming)}
        return tuple(t for t in topics if t.token in named)

    def _matrix_subject(self, question: str, topics: tuple[Topic, ...]) -> tuple[str, str] | None:
        """The one matrix whose subject the question names by its substances, and the word naming it; none when that
        word names a topic of the field it asks about ("drinkers": alcohol), which the topics' rule judges."""
        subject = self.cells.subject_named(question)
        if subject and set(self.analyzer.tokens(subject[1])) & {t.token for t in topics}:
            return None
        return subject

    def _names_only(self, analysis: Analysis, title_words: frozenset[str] = frozenset()) -> bool:
        """Whether every word of the question that search weighs names the corpus (by itself or its stem), asks what
        it covers or makes the request: the question has no subject of its own ("what about B1?", "what's B4 for?")."""
        plain = self.names | title_words | SCOPE_WORDS | REQUEST_WORDS
        return all(t.word.lower() in plain or t.stem in plain for t in analysis.terms)

    def _weight(self, term: Term, naming: bool) -> float:
        """How much a word counts in coverage: its distinctiveness, and nothing for a word naming the cells asked
        about ("In cell B1 of the alcohol matrix, ..."): the answer comes from those cells, so they are no subject."""
        return 0.0 if naming and term.word.lower() in self.names else self.lexical.weight(term)

    def known(self, term: Term) -> bool:
        """Whether the corpus holds a question word, or the word names the corpus itself."""
        return self.lexical.in_corpus(term) or term.word.lower() in self.names

    def correction(self, word: str) -> str | None:
        """The word a misspelling stands for, or None when the word is not misspelt or nothing is close."""
        return self._corrections(word)

    def _correct(self, word: str) -> str | None:
        lower = word.lower()
        if len(lower) < MIN_CORRECTED or not lower.isalpha():
            return None
        written = zipf_frequency(lower, "en")
        # Two edits only for a long word English does not know at all: "grassing" (slang) is not "passing".
        limit = 2 if len(lower) >= LONG_WORD and written == 0 else 1
        # Only a word within `limit` letters of the written length can be within `limit` edits of it.
        candidates = [
            found
            for length in range(len(lower) - limit, len(lower) + limit + 1)
            for found in process.extract(
                lower, self._spellings.get(length, ()), scorer=OSA.distance, score_cutoff=limit, limit=None
            )
        ]
        if not candidates:
            return None
        best, _, _ = min(
            candidates, key=lambda c: (c[1], c[0] not in self.words, -zipf_frequency(c[0], "en"), -self.words[c[0]])
        )
        if best == lower or (written > 0 and zipf_frequency(best, "en") - written < SPELLING_MARGIN):
            return None
        if word[0].isupper() and best not in self.words:
            return None  # a name the corpus lacks is not some other English name ("Guichard" is not "Richard")
        return best.capitalize() if word[0].isupper() else best


@lru_cache(maxsize=1)
def _english_words() -> list[str]:
    return [w for w in top_n_list("en", ENGLISH_WORDS) if w.isalpha()]


def _phrases(texts: list[str]) -> list[str]:
    found: Counter[str] = Counter()
    for text in texts:
        for match in _PHRASE.finditer(fold(text)):
            found[" ".join(match.group().split())] += 1
    return [phrase for phrase, _ in found.most_common()]


def _replace(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", replacement, text)
