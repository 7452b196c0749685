"""The words by which a question names the corpus itself and asks what it covers, rather than a subject in it: "What
does this cell cover?", "whats the E3 cell about", "give me a quick summary of drug B3". reading.py reads a question
whose every weighed word is one of these, and names cells, as asking for the cells' own summaries; sections.py one
asking only where to start reading ("best thing to read first") as asking for the pages' "Where should I start?"
sections.
"""

from __future__ import annotations

import re

from matrixqa.index.analysis import Analysis, Term

# Words by which a question names the corpus itself rather than a subject in it.
CORPUS_NAMES = frozenset({"matrix", "matrices", "cell", "cells", "page", "pages", "effectiveness", "bank", "findings"})
# Words by which a question asks what the corpus covers ("What does this cell cover?", "explain what cell C4 deals
# with").
SCOPE_WORDS = frozenset(
    {"cover", "covers", "covered", "covering", "include", "includes", "contain", "contains", "topic", "topics", "scope"}
    | {"summary", "overview", "subject", "subjects", "about", "gist", "thrust", "outline", "nutshell", "rundown"}
    | {"synopsis"}
    | {"deal", "deals", "dealing", "concern", "concerns", "concerned", "explain", "explanation", "describe"}
    | {"description", "summarise", "summarize", "sum", "address", "addresses"}  # "sum up d4"
    | {"ground", "area", "areas", "range"}  # what ground / which areas does it cover
    | {"focus", "focuses", "purpose", "aim", "aims"}  # "what's its focus?", "what is the cell's purpose?"
)
# Words of a request that name no subject ("give me a quick summary", "whats the E3 cell about", "compare the drug
# and alcohol B3 cells": asked of cells and nothing else, each cell's summary answers).
REQUEST_WORDS = frozenset(
    {"give", "tell", "say", "says", "quick", "brief", "briefly", "short", "please", "whats", "list", "show"}
    | {"sentence", "sentences", "line", "lines", "words", "one", "two", "few", "couple"}  # "in a sentence or two"
    | {"compare", "comparison", "contrast", "difference", "differences", "versus", "vs"}
    | {"actually", "really", "exactly", "basically", "mainly", "overall", "broadly", "generally", "roughly"}  # hedges
    | {"like", "want", "need", "know", "wondering", "curious"}  # "I'd like a short explanation of what A2 covers"
    | {"general", "worth", "read", "reading"}  # "what is C3 about in general?", "is it worth a read?"
    | {"terms", "plain", "simple"}  # "in general terms", "in plain terms", "in simple terms"
    | {"talk", "talks", "look", "looks", "trying"}  # "what does B2 talk about / look at / try to say?"
    | {"come", "comes"}  # "what topics come under Management/supervision; Psychosocial therapies?"
    | {"get"}  # "can I get an overview of B3?"
    | {"key", "main", "point", "points", "message", "messages", "headline", "headlines", "takeaway", "takeaways"}
    | {"theme", "themes"}  # "main themes of E3"
    | {"kind", "kinds", "sort", "sorts", "type", "types", "stuff", "thing", "things"}  # "what kind of stuff is in B4?"
)
# Cells or matrices in the plural, and nothing else, ask which there are ("list the cells", "what cells are there").
ALL_CELLS = frozenset({"cells", "matrices"})
# A request to be pointed into the reading ("best thing to read first", "where to start reading", "which review does
# the page say to start with?"), which every cell page answers under the heading "Where should I start?", and the
# words such a request is made of: a question holding nothing else asks for that section.
_ASKS_WHERE_TO_START = re.compile(
    r"\bread(?:ing)?\W+first\b|\bfirst\W+(?:\w+\W+)?to\W+read\b|\bstart(?:ing)?\W+(?:reading|point)\b|"
    r"\b(?:place|where)\W+to\W+(?:start|begin)\b|\bto\W+(?:start|begin)\W+with\b|"
    r"\bwhere\W+(?:should|do|can|could|would|shall|must)\W+(?:i|we|you|one)\W+(?:start|begin)\b",
    re.IGNORECASE,
)
START_WORDS = frozenset(
    {"start", "starting", "begin", "beginning", "first", "place", "point", "new", "newcomer"}  # "read": REQUEST_WORDS
    | {"best", "good", "great", "useful", "thing", "something", "suggest", "suggests", "recommend", "recommends"}
    | {"piece", "document", "paper", "article", "book", "research", "review", "study", "introduction", "intro"}
)
_WORDS_OF_A_START_REQUEST = START_WORDS | REQUEST_WORDS | SCOPE_WORDS
_ASKS_ABOUT = re.compile(r"\babout\W*$|\btell (?:me|us) about\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
_AFTER_ABOUT = re.compile(r".*\babout\b(.*)$", re.IGNORECASE | re.DOTALL)  # what follows its last "about"


def asks_scope(analysis: Analysis, text: str) -> bool:
    """Whether a text asks what something covers: a scope word, or "about" where it ends the text ("what's B3
    about?"), where only words of a request follow it ("what is C3 about in general?", "whats b1 about, is it worth
    a read?") or where it follows "tell me" (elsewhere it is too common: "what about B1 for drinkers?")."""
    if any(w.lower() in SCOPE_WORDS - {"about"} for w in analysis.words) or _ASKS_ABOUT.search(text):
        return True
    after = _AFTER_ABOUT.match(text)
    weighed = {t.word.lower() for t in analysis.terms}
    return bool(after) and all(w.lower() in REQUEST_WORDS or w.lower() not in weighed for w in _WORD.findall(after[1]))


def asks_where_to_start(analysis: Analysis, text: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether a text asks only where to start reading: a request of that form, and no word of a subject beside the
    corpus's names (and `names`: the cells' it names) and the words of requests ("where's a good place to start
    reading up on this stuff?", "B3: where do I begin?"; not "where should I start reading on supervised dosing?",
    whose subject search weighs)."""
    plain = CORPUS_NAMES | names | _WORDS_OF_A_START_REQUEST
    return bool(_ASKS_WHERE_TO_START.search(text)) and all(t.word.lower() in plain for t in analysis.terms)


def words_of_where_to_start(terms: tuple[Term, ...], text: str) -> frozenset[str]:
    """The words (lowercased) of a text's request to be pointed into the reading, when it makes one ("which review
    should I read first on X?": all but X's): they ask, and name no subject."""
    if not _ASKS_WHERE_TO_START.search(text):
        return frozenset()
    plain = _WORDS_OF_A_START_REQUEST
    return frozenset(t.word.lower() for t in terms if t.word.lower() in plain or t.stem in plain)
