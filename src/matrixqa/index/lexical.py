"""Lexical search: BM25 over passages, with the field's spellings and synonyms applied to both sides.

Text is cut into words, each spelling variant is made one, words are stemmed, and every phrase of a
synonym group adds the group's concept token (`@name`), so a question saying "observed dosing"
meets a passage saying "supervision". The same analysis runs on passages and questions.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from matrixqa.errors import VocabularyError
from matrixqa.ingest.cell import STUDY_TYPE_NAMES
from matrixqa.ingest.chunk import Passage
from matrixqa.textrules import ENTRY_NOTES, STOPWORDS, passage_points_back

DEFAULT_VOCABULARY = "vocabulary.txt"
# Bump when the analysis or searchable_texts change: a lexical index stored by an earlier build is then rebuilt.
LEXICAL_FORMAT = 3  # 2: "ve", "re", "ll", "et", "al" are stop words; 3: a study's publication and journal
TermScores = list[tuple[int, np.ndarray]]  # (a term's number in the analysis, its score of every passage)
_BM25, _OFFSETS, _IDS, _TREATED = "bm25", "token-offsets.npy", "token-ids.npy", "treated-topics.json"
# Word endings a spelling variant may carry and keep ("counselors" -> "counsellors").
_ENDINGS = ("", "s", "es", "ed", "ing", "al", "ally", "able", "ist", "ists")
_MIN_ROOT = 3  # "size" and "prize" are not -ize words
_WORD = re.compile(r"[A-Za-z0-9]+")
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")  # "GPs" is the plural of "GP"; a stemmer would not know
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_FOLD = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "‐": "-", "‑": "-"}
_FOLDED = re.compile("[" + "".join(_FOLD) + "]")  # a regular expression finds them faster than str.translate
WORD_CACHE = 1 << 18  # distinct written words whose reading is kept
TOKEN_SETS = 4096  # passages whose token sets are kept made
_PREFIXES = ("dis", "mis", "non", "un", "in", "im", "over", "under", "re", "pre", "self")


def fold(text: str) -> str:
    """Unicode compatibility forms, curly quotes and dashes made plain ASCII."""
    return _FOLDED.sub(lambda found: _FOLD[found.group()], unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Phrase:
    """One term of a synonym group, as the stems it must match in order."""

    stems: tuple[str, ...]
    acronym: str | None  # a one-word term in capitals matches only in capitals


@dataclass(frozen=True)
class SynonymGroup:
    name: str
    token: str
    phrases: tuple[Phrase, ...]
    topic: bool = False  # a topic of the field (the vocabulary's [topics]): absent from a corpus that never names it


@dataclass(frozen=True)
class Vocabulary:
    """The field's spelling variants, synonym groups and topics, read from a vocabulary file."""

    words: dict[str, str]  # variant spelling -> canonical spelling
    endings: tuple[tuple[str, str], ...]  # (variant ending, canonical ending), longest first
    groups: tuple[SynonymGroup, ...]
    source: str = ""
    fingerprint: str = ""  # of the file's text: a stored lexical index is used only with the same vocabulary
    terms: frozenset[str] = frozenset()  # every word the file names, lower case: what a misspelling may be of

    def spell(self, word: str) -> str:
        """The canonical spelling of a lower-case word."""
        for ending in _ENDINGS:
            if ending and not word.endswith(ending):
                continue
            root = word[: len(word) - len(ending)] if ending else word
            if root in self.words:
                return self.words[root] + ending
        for variant, canonical in self.endings:
            if word.endswith(variant) and len(word) - len(variant) >= _MIN_ROOT:
                return word[: len(word) - len(variant)] + canonical
        return word


EMPTY_VOCABULARY = Vocabulary({}, (), ())


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read a vocabulary file (the packaged one unless a path is given); a malformed line is an error."""
    if path is None:
        text = resources.files("matrixqa").joinpath(DEFAULT_VOCABULARY).read_text(encoding="utf-8")
        source = DEFAULT_VOCABULARY
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise VocabularyError(f"cannot read the vocabulary file {path}: {error}") from None
        source = str(path)
    return parse_vocabulary(text, source)


def parse_vocabulary(text: str, source: str = "vocabulary") -> Vocabulary:
    """Parse the `[spellings]`, `[synonyms]` and `[topics]` sections of a vocabulary file."""
    words: dict[str, str] = {}
    endings: list[tuple[str, str]] = []
    group_lines: list[tuple[int, list[str], bool]] = []
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line in ("[spellings]", "[synonyms]", "[topics]"):
            section = line
            continue
        terms = [t.strip() for t in line.split("|")]
        if section is None or len(terms) < (1 if section == "[topics]" else 2) or not all(terms):
            raise VocabularyError(
                f"{source} line {number}: expected terms separated by ' | ' under [spellings], [synonyms] or "
                f"[topics], found {raw.strip()!r}"
            )
        if section in ("[synonyms]", "[topics]"):
            group_lines.append((number, terms, section == "[topics]"))
            continue
        canonical, *variants = (fold(t).lower() for t in terms)
        if canonical.startswith("-") != all(v.startswith("-") for v in variants) or any(
            not re.fullmatch(r"-?[a-z]+", t) for t in [canonical, *variants]
        ):
            raise VocabularyError(
                f"{source} line {number}: a spelling line is single words, or endings all starting with '-'"
            )
        for variant in variants:
            if canonical.startswith("-"):
                endings.append((variant[1:], canonical[1:]))
            else:
                words[variant] = canonical
    partial = Vocabulary(words, tuple(sorted(endings, key=lambda e: -len(e[0]))), (), source)
    groups = []
    owner: dict[tuple[str, ...], tuple[int, str]] = {}  # each phrase (by its stems), and the line and term naming it
    for number, terms, topic in group_lines:
        parsed = [(term, phrase) for term in terms if (phrase := _phrase(term, partial)).stems]
        phrases = tuple(phrase for _, phrase in parsed)
        if len(phrases) < (1 if topic else 2):
            raise VocabularyError(f"{source} line {number}: a synonym group needs at least two terms with words")
        for term, phrase in parsed:
            first, said = owner.setdefault(phrase.stems, (number, term))
            if first != number:  # words compare by stems: "relatives" is "related", "conversion" "conversation"
                raise VocabularyError(
                    f"{source} line {number}: {term!r} reads as {said!r} of line {first} (words compare by their "
                    "stems); a term may belong to one group only"
                )
        name = terms[0]
        groups.append(SynonymGroup(name, "@" + "_".join(phrases[0].stems), phrases, topic))
    fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    named = {w.lower() for _, terms, _ in group_lines for term in terms for w in _LETTERS.findall(fold(term))}
    named |= set(partial.words.values())
    terms = frozenset(w for w in named if len(w) > 1)
    return Vocabulary(partial.words, partial.endings, tuple(groups), source, fingerprint, terms)


def _phrase(term: str, vocabulary: Vocabulary) -> Phrase:
    words = _WORD.findall(_POSSESSIVE.sub("", fold(term)))
    acronym = words[0] if len(words) == 1 and len(words[0]) > 1 and words[0].isupper() else None
    return Phrase(tuple(_stem(vocabulary.spell(w.lower())) for w in words), acronym)


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@dataclass(frozen=True)
class Term:
    """A content word of the question: its stem and the synonym groups it stands in."""

    word: str
    stem: str
    concepts: tuple[SynonymGroup, ...] = ()

    @property
    def tokens(self) -> frozenset[str]:
        return frozenset([self.stem, *(g.token for g in self.concepts)])

    def shown(self, present: frozenset[str]) -> str:
        """How the inspector shows the term's match: the word itself, or the word and the synonym group."""
        if self.stem in present:
            return self.word
        # A group named after the word itself says nothing: "harm ≈ a synonym of harm", not "harm ≈ harm".
        groups = [
            g.name if g.name.lower() != self.word.lower() else f"a synonym of {g.name}"
            for g in self.concepts
            if g.token in present
        ]
        return f"{self.word} ≈ {' / '.join(groups)}" if groups else self.word


@dataclass(frozen=True)
class Analysis:
    tokens: list[str]  # what BM25 indexes
    terms: list[Term]  # the distinct content words, in order, with their concept tokens
    words: list[str]  # every word of the text, as written
    stems: list[str]  # the stem of each word

    def without(self, term: Term) -> str:
        """The text's words with every form of one term left out."""
        return " ".join(word for word, stem in zip(self.words, self.stems, strict=True) if stem != term.stem)


class Analyzer:
    """Turns text into the tokens lexical search compares, the same way for passages and questions."""

    def __init__(self, vocabulary: Vocabulary = EMPTY_VOCABULARY) -> None:
        self.vocabulary = vocabulary
        self.topic_tokens = frozenset(group.token for group in vocabulary.groups if group.topic)
        self._by_first: dict[str, list[tuple[Phrase, SynonymGroup]]] = {}
        for group in vocabulary.groups:
            for phrase in group.phrases:
                self._by_first.setdefault(phrase.stems[0], []).append((phrase, group))
        # A corpus repeats the same few thousand words millions of times: each is read once.
        self._read = lru_cache(maxsize=WORD_CACHE)(self._read_word)

    def _read_word(self, word: str) -> tuple[str, bool]:
        """A written word's stem, and whether it is a content word (not a stop word, not one letter)."""
        lower = word.lower()
        stem = lower[:-1] if _PLURAL_ACRONYM.fullmatch(word) else _stem(self.vocabulary.spell(lower))
        return stem, len(stem) >= 2 and (lower not in STOPWORDS or word.isupper())  # "US" is not "us"

    def analyse(self, text: str) -> Analysis:
        words = _words(text)
        read = [self._read(word) for word in words]
        stems = [stem for stem, _ in read]
        found, concepts = self._concepts(words, stems)
        terms: dict[str, Term] = {}
        for i, (stem, content) in enumerate(read):
            if content and stem not in terms:
                terms[stem] = Term(words[i], stem, tuple(concepts[i]))
        tokens = [stem for stem, content in read if content]
        return Analysis(tokens + found, list(terms.values()), words, stems)

    def tokens(self, text: str) -> list[str]:
        """What BM25 indexes of a text: analyse(text).tokens, without the detail only a question needs."""
        words = _words(text)
        read = [self._read(word) for word in words]
        found, _ = self._concepts(words, [stem for stem, _ in read])
        return [stem for stem, content in read if content] + found

    def _concepts(self, words: list[str], stems: list[str]) -> tuple[list[str], list[list[SynonymGroup]]]:
        """The concept token of every synonym phrase the words hold, and the groups each word stands in."""
        concepts: list[list[SynonymGroup]] = [[] for _ in words]
        found: list[str] = []
        phrase_end: dict[str, int] = {}  # one concept token per phrase, however many of its terms overlap
        for i, stem in enumerate(stems):
            for phrase, group in self._by_first.get(stem, ()):
                end = i + len(phrase.stems)
                if tuple(stems[i:end]) != phrase.stems:
                    continue
                if phrase.acronym and words[i].rstrip("s") != phrase.acronym:
                    continue
                if phrase_end.get(group.token, 0) <= i:
                    found.append(group.token)
                phrase_end[group.token] = max(end, phrase_end.get(group.token, 0))
                for position in range(i, end):
                    if group not in concepts[position]:
                        concepts[position].append(group)
        return found, concepts


def _words(text: str) -> list[str]:
    return _WORD.findall(_POSSESSIVE.sub("", fold(text)))


def searchable_texts(passages: list[Passage]) -> list[str]:
    """What lexical search reads for each passage: its words with the structure they sit in.

    A study entry adds its kind and year ("Key study 1999"), its authors, and the title and journal of its
    original publication, when the cell's metadata records them. A commentary passage adds its section
    heading and, when it is not the section's first passage, the section's opening sentence, which
    names what the section is about (the Highlighted study's place and design, for example). A
    passage that opens by pointing back ("these requirements", "this study") also adds the sentence
    before it, where what it points to is named. Where the passage refers to a listed study, its
    authors are added.
    """
    texts = []
    opening: dict[tuple[str, str, str], str] = {}
    for position, passage in enumerate(passages):
        if passage.study:
            year = f" {passage.study.year}" if passage.study.year else ""
            study = passage.study
            facts = [author_names(study.authors), study.publication_title, study.journal]
            about = "".join(f" {fact.rstrip('.')}." for fact in facts if fact)
            texts.append(f"{STUDY_TYPE_NAMES[study.type]}{year}. {ENTRY_NOTES.sub('', passage.text)}{about}")
            continue
        key = (passage.cell.matrix, passage.cell.code, passage.section)
        lead = opening.get(key)
        if lead is None:
            opening[key] = passage.sentence_texts[0] if passage.sentences else ""
        before = passages[position - 1] if position else None
        pointed_to = ""
        if lead is not None and before and not before.study and before.sentences and _points_back(passage):
            pointed_to = before.sentence_texts[-1]
        # The authors of a study the passage describes, so a question naming them finds the discussion too.
        authors = " ".join(author_names(s.authors) + "." for s in passage.refers_to if s.authors)
        texts.append(
            " ".join(part for part in (passage.section + ".", lead, pointed_to, passage.text, authors) if part)
        )
    return texts


_LETTERS = re.compile(r"[A-Za-z]+")


def corpus_words(texts: list[str]) -> Counter[str]:
    """Every word of the texts as written (lower case, letters only), with how often it occurs."""
    return Counter(w.lower() for text in texts for w in _LETTERS.findall(fold(text)))


def meaning_words(words: Counter[str]) -> list[str]:
    """The corpus words a question's unknown word is compared with by meaning: three letters or more, no stop
    word. `build` embeds them, so that no question waits for it."""
    return sorted(w for w in words if len(w) >= 3 and w not in STOPWORDS)


def author_names(authors: str) -> str:
    """The names a question would use: "McLellan AT, Woody GE" gives "McLellan Woody"; bodies stay whole.

    Initials and "et al." are left out: they are no word of a question, and they only lengthen the text.
    """
    return " ".join(name for name, _ in _authors(authors))


def surnames(authors: str) -> list[str]:
    """The people's surnames among a study's authors ("McLellan", "Woody"), bodies left out."""
    return [name for name, person in _authors(authors) if person]


def _authors(authors: str) -> list[tuple[str, bool]]:
    """Each author as a question would name them, and whether it is a person (a surname and initials)."""
    names = []
    for part in authors.split(","):
        part = re.sub(r"\bet al\.?", "", part).strip()
        person = re.fullmatch(r"(.+?) [A-Z]{1,3}", part)
        if part:
            names.append((person[1], True) if person else (part, False))
    return names


def _points_back(passage: Passage) -> bool:
    return passage_points_back(passage.sentence_texts[0] if passage.sentences else passage.text)


class TokenSets:
    """The distinct tokens of each passage, kept as token ids in one flat array (compact, and quick to store)."""

    def __init__(self, tokens: list[str], offsets: np.ndarray, ids: np.ndarray) -> None:
        self.tokens, self.offsets, self.ids = tokens, offsets, ids
        # A search asks for the same few passages' tokens several times (matches shown, coverage, answers).
        self._cached = lru_cache(maxsize=TOKEN_SETS)(self._tokens_of)

    @classmethod
    def of(cls, documents: list[list[str]], vocabulary: dict[str, int]) -> TokenSets:
        tokens = [""] * len(vocabulary)
        for token, number in vocabulary.items():
            tokens[number] = token
        per_document = [sorted({vocabulary[t] for t in doc}) for doc in documents]
        offsets = np.cumsum([0] + [len(ids) for ids in per_document], dtype=np.int64)
        ids = np.fromiter((i for ids in per_document for i in ids), dtype=np.int32, count=int(offsets[-1]))
        return cls(tokens, offsets, ids)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, position: int) -> frozenset[str]:
        return self._cached(int(position))

    def _tokens_of(self, position: int) -> frozenset[str]:
        ids = self.ids[self.offsets[position] : self.offsets[position + 1]]
        return frozenset(self.tokens[i] for i in ids.tolist())

    def document_frequency(self) -> dict[str, int]:
        counts = np.bincount(self.ids, minlength=len(self.tokens))
        return {token: count for token, count in zip(self.tokens, counts.tolist(), strict=True) if count}


class LexicalIndex:
    """BM25 (bm25s) over the analysed text of every passage; built from texts, or loaded as `build` stored it.

    `treated` are the topics of the field (the vocabulary's [topics], by concept token) that the texts' own
    words name; by default every topic the texts name. An index made from passages (`of`) counts only their
    own words and headings: metadata the corpus adds (a publication's title) helps find a study, but does not
    make its topic one the cell treats ("drug and alcohol users" in a title is no evidence on alcohol).
    """

    def __init__(self, texts: list[str], analyzer: Analyzer, treated: frozenset[str] | None = None) -> None:
        documents = [analyzer.tokens(text) for text in texts]
        model = bm25s.BM25()
        model.index(documents or [[]], show_progress=False)
        if treated is None:
            treated = frozenset(analyzer.topic_tokens & set(model.vocab_dict))
        self._use(analyzer, model, TokenSets.of(documents, model.vocab_dict), treated)

    @classmethod
    def of(cls, passages: list[Passage], analyzer: Analyzer) -> LexicalIndex:
        """The lexical index of passages: their searchable texts, and the topics their own words name."""
        own = {token for p in passages for token in analyzer.tokens(f"{p.section}. {p.text}")}
        return cls(searchable_texts(passages), analyzer, frozenset(analyzer.topic_tokens & own))

    def _use(self, analyzer: Analyzer, model: bm25s.BM25, token_sets: TokenSets, treated: frozenset[str]) -> None:
        self.analyzer = analyzer
        self.model = model
        self.known_tokens = model.vocab_dict
        self.token_sets = token_sets
        self.size = len(token_sets)
        self.document_frequency = token_sets.document_frequency()
        self.treated = treated

    def save(self, folder: Path) -> list[Path]:
        """Write the BM25 index, the passages' token sets and the treated topics into folder; return the files."""
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder / _BM25), show_progress=False)
        np.save(folder / _OFFSETS, self.token_sets.offsets)
        np.save(folder / _IDS, self.token_sets.ids)
        (folder / _TREATED).write_text(json.dumps(sorted(self.treated)) + "\n", encoding="utf-8")
        return sorted(p for p in folder.rglob("*") if p.is_file())

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer) -> LexicalIndex:
        """Read what save wrote, memory-mapping the BM25 scores; the analyzer must be the one it was built with."""
        model = bm25s.BM25.load(str(folder / _BM25), mmap=True, show_progress=False)
        tokens = [""] * len(model.vocab_dict)
        for token, number in model.vocab_dict.items():
            tokens[number] = token
        token_sets = TokenSets(tokens, np.load(folder / _OFFSETS), np.load(folder / _IDS))
        treated = frozenset(json.loads((folder / _TREATED).read_text(encoding="utf-8")))
        index = cls.__new__(cls)
        index._use(analyzer, model, token_sets, treated)
        return index

    def scores(self, analysis: Analysis, weights: np.ndarray | None = None) -> np.ndarray:
        """The BM25 score of every passage for an analysed question: the sum over the question's terms
        of each term's score (its word and the synonym groups it stands in), times the term's weight."""
        return weighted_sum(self.term_scores(analysis), weights, self.size)

    def term_scores(self, analysis: Analysis) -> TermScores:
        """Each term's BM25 score of every passage, for the terms any passage holds: what `scores` weighs and
        adds. Apart, so that a search computes them while the model embeds the question (the weights need
        its vector)."""
        found = []
        for number, term in enumerate(analysis.terms):
            known = sorted(t for t in term.tokens if t in self.known_tokens)
            if known:
                found.append((number, np.asarray(self.model.get_scores(known), dtype=np.float32)))
        return found

    def weight(self, term: Term) -> float:
        """How distinctive a question word is: the inverse document frequency of its rarest form.

        A word no passage uses counts as the most distinctive of all, so a question about something
        the corpus never mentions is covered poorly.
        """
        count = min(self.document_frequency.get(token, 0) for token in term.tokens)
        total = self.size
        return math.log(1 + (total - count + 0.5) / (count + 0.5))

    def in_corpus(self, term: Term) -> bool:
        """Whether any passage holds the term, a spelling variant, a synonym, or its root under a prefix.

        "distrust" counts as present where "trust" is: a prefixed word is about what its root is about.
        """
        if any(self.document_frequency.get(token, 0) for token in term.tokens):
            return True
        return any(
            term.stem.startswith(prefix) and self.document_frequency.get(term.stem[len(prefix) :], 0)
            for prefix in _PREFIXES
            if len(term.stem) - len(prefix) >= 4
        )

    def matched(self, analysis: Analysis, position: int) -> list[Term]:
        """The question's terms that a passage contains, by word, spelling variant or synonym."""
        present = self.token_sets[position]
        return [term for term in analysis.terms if term.tokens & present]

    def shown_matches(self, analysis: Analysis, position: int) -> tuple[str, ...]:
        present = self.token_sets[position]
        return tuple(term.shown(present) for term in self.matched(analysis, position))

    def coverage(self, analysis: Analysis, position: int) -> float:
        """Share of the question's distinctive weight that one passage contains."""
        total = sum(self.weight(t) for t in analysis.terms)
        if not total:
            return 0.0
        return sum(self.weight(t) for t in self.matched(analysis, position)) / total


def weighted_sum(term_scores: TermScores, weights: np.ndarray | None, size: int) -> np.ndarray:
    """The terms' scores added, each times its term's weight (none: 1)."""
    total = np.zeros(size, dtype=np.float32)
    for number, scores in term_scores:
        total += (1.0 if weights is None else float(weights[number])) * scores
    return total
