"""Which questions are offered next: drawn from the corpus, each seen to be answered from where it comes from.

Written against the mutants mutmut left alive in suggest.py (docs/mutation.md). Most tests give `Suggestions`
an answerer of their own, so what is offered depends on the rule under test alone.
"""

from __future__ import annotations

import copy
import dataclasses

from matrixqa.answer.suggest import Candidate, Suggestions
from matrixqa.search.retrieve import Retriever


def _own_passage(retriever: Retriever):
    """An answerer for which every question opens its answer with the passage it was drawn from."""
    opening: dict[str, int] = {}
    suggestions = Suggestions(retriever.index, lambda q: retriever.index.passages[opening[q]])
    opening.update({c.question: c.position for c in suggestions.candidates})
    return suggestions


def _candidate(suggestions: Suggestions, starts: str) -> Candidate:
    return next(c for c in suggestions.candidates if c.question.startswith(starts))


def test_every_candidate_is_a_question_that_stands_alone(retriever: Retriever):
    # Drawn from the corpus's own question sentences and headings, or made from a cell's or a document's name;
    # a statement, or a question leaning on what came before it, is never offered.
    suggestions = _own_passage(retriever)
    questions = [c.question for c in suggestions.candidates]
    assert questions and all(q.endswith("?") for q in questions)
    assert "Do stripes distract clients?" in questions and "What makes a methadone counsellor effective?" in questions
    sentences = [t for p in retriever.index.passages for t in p.sentence_texts]
    statements = [s for s in sentences if s.startswith(("What", "How", "Does", "Is")) and not s.endswith("?")]
    assert statements and not set(statements) & set(questions)


def test_a_candidate_is_offered_only_when_its_answer_opens_in_the_section_it_comes_from(retriever: Retriever):
    passages = retriever.index.passages
    opening: dict[str, int | None] = {}
    suggestions = Suggestions(retriever.index, lambda q: None if opening[q] is None else passages[opening[q]])
    own, other_section, other_cell, unanswered = (
        _candidate(suggestions, starts)
        for starts in (
            "What did the key study ‘Treatment staff",
            "What makes a methadone",
            "What did the review ‘Clin",
            "Do stripes",
        )
    )
    b3_guidance = next(p for p in passages if p.cell == own.cell and p.section == "Guidance")
    d4_reviews = next(n for n, p in enumerate(passages) if p.cell != other_cell.cell and p.section == "Reviews")
    opening.update(
        {
            own.question: own.position,
            other_section.question: passages.index(b3_guidance),  # the same cell, another section
            other_cell.question: d4_reviews,  # a section of the same name in another cell
            unanswered.question: None,  # declined
        }
    )
    offered = [c for c in (own, other_section, other_cell, unanswered) if suggestions.answered_well(c)]
    assert offered == [own]


def test_after_an_answer_the_cited_passages_own_section_is_offered_first(retriever: Retriever):
    suggestions = _own_passage(retriever)
    staff = _candidate(suggestions, "What did the key study ‘Treatment staff")
    same_section = [c for c in suggestions.candidates if c.section == staff.section and c.cell == staff.cell]
    assert len(same_section) >= 4  # room for three more than the cited one
    offered = suggestions.near([staff.position], exclude=set())
    assert len(offered) == 3
    assert {q for q in offered} <= {c.question for c in same_section} - {staff.question}


def test_what_was_asked_and_what_the_answer_cited_are_never_offered(retriever: Retriever):
    suggestions = _own_passage(retriever)
    staff = _candidate(suggestions, "What did the key study ‘Treatment staff")
    every = suggestions.near([staff.position], exclude=set(), count=len(suggestions.candidates))
    assert staff.question not in every and len(every) == len(suggestions.candidates) - 1
    asked = every[0]
    later = suggestions.near([staff.position], exclude={asked.lower()}, count=len(suggestions.candidates))
    assert later == every[1:]


def test_after_an_answer_other_sections_follow_by_how_near_they_are(retriever: Retriever):
    # Each section's candidates ranked by how near in meaning the passage they come from is to the cited one.
    suggestions = _own_passage(retriever)
    staff = _candidate(suggestions, "What did the key study ‘Treatment staff")
    every = suggestions.near([staff.position], exclude=set(), count=len(suggestions.candidates))
    position = {c.question: c.position for c in suggestions.candidates}
    vectors = suggestions._passage_vectors
    nearness = [float(vectors[position[q]] @ vectors[staff.position]) for q in every]
    own = sum(1 for q in every if _candidate(suggestions, q).section == staff.section)
    assert nearness[own:] == sorted(nearness[own:], reverse=True) and len(set(nearness[own:])) > 1


def test_a_declined_question_is_offered_the_candidates_nearest_it_in_meaning(retriever: Retriever):
    suggestions = _own_passage(retriever)
    question = _candidate(suggestions, "What makes a methadone counsellor effective?")
    vector = retriever.index.sentence_vectors[question.sentence_row]
    assert suggestions.closest(vector, exclude=set())[0] == question.question
    # What was asked is left out, and the next nearest are offered in its place.
    every = suggestions.closest(vector, exclude=set(), count=len(suggestions.candidates))
    others = suggestions.closest(vector, exclude={question.question.lower()}, count=len(suggestions.candidates))
    assert others == every[1:] and len(others) == len(suggestions.candidates) - 1


def test_a_heading_is_as_near_a_declined_question_as_the_nearest_sentence_of_its_section(retriever: Retriever):
    suggestions = _own_passage(retriever)
    heading = _candidate(suggestions, "Do stripes distract clients?")
    assert heading.sentence_row is None  # a heading, not a sentence of the corpus
    rows = retriever.index.sentence_rows(heading.position)
    vector = retriever.index.sentence_vectors[rows[-1]]  # a sentence under it, not the heading itself
    assert suggestions.closest(vector, exclude=set())[0] == heading.question


def test_a_question_sentence_is_as_near_a_declined_question_as_itself_not_as_its_passage(retriever: Retriever):
    suggestions = _own_passage(retriever)
    question = _candidate(suggestions, "What makes a methadone counsellor effective?")
    rows = list(retriever.index.sentence_rows(question.position))
    after = rows[rows.index(question.sentence_row) + 1 :]
    assert after  # its passage goes on to say other things
    for row in after:  # a declined question meaning exactly one of them is not offered the question first
        vector = retriever.index.sentence_vectors[row]
        assert suggestions.closest(vector, exclude=set())[0] != question.question


def test_a_question_sentence_of_up_to_25_words_may_be_offered_and_a_longer_one_never(retriever: Retriever):
    asked = (
        "Does supervised consumption at the pharmacy keep patients in treatment longer than taking doses home when "
        "prescribers review the dose every month for a year?"
    )
    longer = asked.replace("every month", "every single month")
    assert (len(asked.split()), len(longer.split())) == (25, 26)
    index = copy.copy(retriever.index)
    at = next(n for n, p in enumerate(index.passages) if len(p.sentences) >= 2)
    text = f"{asked} {longer}"
    sentences = ((0, len(asked)), (len(asked) + 1, len(text)))
    index.passages = list(index.passages)
    index.passages[at] = dataclasses.replace(index.passages[at], text=text, sentences=sentences)
    suggestions = Suggestions(index, lambda q: index.passages[at])
    questions = [c.question for c in suggestions.candidates]
    assert asked in questions and longer not in questions
