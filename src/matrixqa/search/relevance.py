"""Decide, from a question's evidence (evidence.py), whether the corpus holds anything relevant to it.

A question that only names the corpus and asks what it covers ("What does this cell cover?", "What is
cell B3 about?"), or names a cell and nothing else ("drug E3?"), is answered from each cell's own summary,
the paragraph its page opens with.

A question naming cells it holds and asking what they cover, whose other words the cells do not hold at all
("summarise alcohol C3 for a new starter", "an overview of D4 for the trainees joining on Monday": the evidence below
the floor, no coverage, and no topic named that the cells do not treat), asks for the cells' own summaries too:
declined, it would be refused what it asked for because of how it was put. One whose other words the cells hold
("what does D4 say about counsellors - give me an overview") asks about them, and one naming a topic the cells do not
treat ("summarise what D4 says about naloxone") is declined, as any question is.

A question naming cells of the matrices and none the corpus holds ("what is cell E5 about?" of a corpus without
it, "what does the drug matrix say?" of the alcohol cells alone) is declined: the decline names those cells and
where they are on the site, rather than answer from other cells as if they had been asked about.

The decision otherwise: the corpus is taken to hold nothing relevant when

    the question names a topic of the field that the passages that would answer it do not treat; or
    best sentence similarity + COVERAGE_WEIGHT x coverage < MIN_EVIDENCE, and the question names no
    author of a study among the first passages, nor a section of a cell it names

for the one cell, among those the first COVERAGE_DEPTH passages come from, that gives the most: its best
sentence similarity is the highest cosine similarity between the question and any sentence of its passages
that may be retrieved, and its coverage the largest share, among its first passages, of the question's
distinctive words (by inverse document frequency) that one passage contains. Both are measured in one
cell: a sentence of one cell and words of another answer nothing together, and with many cells some
sentence somewhere and some words elsewhere always match an unrelated question a little.

The field's topics are listed in the vocabulary file (its `[topics]` section): the drugs, medicines,
conditions, populations, services and policies a practitioner may ask about ("naloxone | Narcan |
take-home naloxone", "pregnancy | pregnant | antenatal"). A topic the question names counts as treated
only where the passages that would answer it treat it: one of the first COVERAGE_DEPTH passages names it,
and its cell treats the topic rather than mentioning it in passing (its matrix, title, summary, a heading
or a listed study's title names it, or several of its sentences do: topics.py). Otherwise the question
("Is methadone safe in pregnancy?") asks about something the evidence does not treat, however well its
other words match (with many cells, some sentence always matches the rest of such a question well); a
passing mention in some cell ("pregnant women were excluded") does not make it answerable, and adding
cells that do not answer a question does not change its decision. A question naming cells asks what those cells
say ("in alcohol C4, what does the review say about staff turnover?"): a topic it names counts as treated where one
of the first passages, all of the cells named, names it at all, in passing or not.

A question that sets two terms of the field against each other ("methadone or buprenorphine: which keeps more
people in treatment?", "is bupe as good as methadone?") asks how they compare, which only a passage naming both can
say (comparisons.py): when none of the first ten passages does, the comparison is reported with the missing topics
("methadone compared with buprenorphine") and the question is declined, however well its other words match.

A word that is neither in the corpus nor a topic of the field (slang, an idiom, a word of the asker's own: "pee in a
pot", "carrot and stick") is not, alone, a reason to decline: the model reads its meaning into the question's
vector, which the evidence measures. Such a word is reported: matched to the nearest corpus word by the embedding
model when close enough in meaning ("pee ≈ urine"), otherwise listed as unknown.

A question naming an author of a study the first passages come from or discuss ("Luborsky therapist
success") asks about that study, though a name means little to the embedding model. A question naming a
cell and a section of its page ("key studies in cell A3", "alcohol C4: what's the highlighted study?") asks
for that section, which leads its passages, however little its words say to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from matrixqa.search.evidence import CellEvidence, Evidence

MIN_EVIDENCE = 0.45
COVERAGE_WEIGHT = 0.25
ABOUT_THE_CORPUS = "the question asks what the corpus covers: each cell's own summary comes first"
NOT_HELD = "the question names only cells this corpus does not hold"


@dataclass(frozen=True)
class Relevance:
    """Why the corpus was or was not taken to hold something relevant."""

    relevant: bool
    evidence: float
    sentence_score: float
    coverage: float
    missing: tuple[str, ...] = ()  # topics of the field the question names that the answering passages do not treat
    corrected: tuple[str, ...] = ()  # "methadne → methadone"
    matched: tuple[str, ...] = ()  # "RCGP = Royal College of General Practitioners", "pee ≈ urine"
    unknown: tuple[str, ...] = ()  # other words no passage uses, and no corpus word is near in meaning
    threshold: float = MIN_EVIDENCE  # the evidence needed to answer, said beside the evidence wherever it is shown


def asks_for_summaries(evidence: Evidence, relevance: Relevance) -> bool:
    """Whether a question declined on its evidence names cells and asks what they cover, none of its other words in
    them, and names no topic they do not treat: it asks for the cells' summaries (see the module's docstring)."""
    query = evidence.query
    return (
        not relevance.relevant
        and query.asks_scope
        and bool(query.cells)
        and not query.about_the_corpus
        and relevance.coverage == 0.0
        and not evidence.missing
    )


def weigh(cell: CellEvidence) -> float:
    """The evidence one cell gives."""
    return cell.sentence_score + COVERAGE_WEIGHT * cell.coverage


def decide(evidence: Evidence) -> Relevance:
    """The documented rule (see the module's docstring) applied to a question's evidence."""
    query = evidence.query
    if evidence.candidates is None:  # the filters admit no passage
        return Relevance(False, 0.0, 0.0, 0.0)
    best = max(evidence.cells, key=weigh)  # candidates, so leading cells
    sentence_score, coverage, score = best.sentence_score, best.coverage, weigh(best)
    if query.only_not_held:  # what it asks after is not in the corpus at all
        return Relevance(False, score, sentence_score, coverage, (), query.corrected, (NOT_HELD,))
    if query.about_the_corpus:  # the corpus always holds its own summaries
        return Relevance(True, score, sentence_score, coverage, (), query.corrected, (ABOUT_THE_CORPUS,))
    enough = score >= MIN_EVIDENCE or bool(evidence.authors) or bool(evidence.sections)
    relevant = enough and not evidence.missing
    explained = query.expanded + evidence.matched + evidence.authors
    return Relevance(
        relevant, score, sentence_score, coverage, evidence.missing, query.corrected, explained, evidence.unknown
    )
