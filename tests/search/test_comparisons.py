"""A question setting two terms of the field against each other asks how they compare, which only a passage naming
both can say: the synonym group that makes them one ("methadone", "buprenorphine") cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.search import evidence as evidence_module
from matrixqa.search.evidence import COMPARISON_DEPTH
from matrixqa.search.filters import NO_FILTERS
from matrixqa.search.retrieve import Retriever
from tests.search.test_topics import retriever_with


def compared(retriever: Retriever, question: str) -> list[tuple[str, str]]:
    return [(c.one.words, c.other.words) for c in retriever.reader.read(question).compared]


@pytest.mark.parametrize(
    "question, pair",
    [
        (
            "is methadone or buprenorphine more effective at keeping people in treatment?",
            ("methadone", "buprenorphine"),
        ),
        ("Which keeps more people in treatment, methadone or buprenorphine?", ("methadone", "buprenorphine")),
        ("methadone or buprenorphine - which one keeps people in treatment?", ("methadone", "buprenorphine")),
        ("is methadone better than buprenorphine for the relationship?", ("methadone", "buprenorphine")),
        ("is bupe as good as methadone at keeping people in treatment?", ("bupe", "methadone")),
        ("counsellor vs doctor: who matters more?", ("counsellor", "doctor")),
        ("methadone compared with buprenorphine for retention", ("methadone", "buprenorphine")),
        ("is the dose as important as the relationship?", ("dose", "relationship")),
        ("methadone vs whole-person care: which matters more?", ("methadone", "whole person")),
        ("supervised dosing vs urine testing, which harms trust more?", ("supervised dosing", "urine testing")),
    ],
)
def test_terms_set_against_each_other_are_compared(retriever: Retriever, question: str, pair: tuple[str, str]):
    assert compared(retriever, question) == [pair]


@pytest.mark.parametrize(
    "question",
    [
        "Does the individual counsellor or therapist matter more than the type of therapy?",  # one role, "or"
        "do keyworkers or counsellors leaving harm clients?",
        "can GPs prescribe opioids other than methadone?",  # "other than" excludes
        "do patients on methadone as well as buprenorphine value the relationship?",  # "as well as" adds
        "what did French buprenorphine or methadone patients say about their doctors?",
        "does which clinician or counsellor a patient gets matter more than the treatment?",  # "which" of a person
    ],
)
def test_terms_joined_or_listed_are_not_compared(retriever: Retriever, question: str):
    assert compared(retriever, question) == []


def test_a_side_the_reading_names_again_counts_by_the_corpus_word_too(retriever: Retriever):
    (comparison,) = retriever.reader.read("bupe vs methadone, which keeps people in treatment longer?").compared
    assert comparison.shown == "bupe compared with methadone" and comparison.named_by({"buprenorphin", "methadon"})
    assert not comparison.named_by({"methadon"})  # the group of both is no naming of either


QUESTION = "Which keeps more people in treatment, methadone or buprenorphine?"


def test_a_comparison_no_answering_passage_can_make_is_declined_and_said(retriever: Retriever):
    # B3 names both medicines, never in one passage: its passages on methadone answer nothing on the comparison.
    result = retriever.search(QUESTION, 5)
    assert not result.relevance.relevant
    assert result.relevance.missing == ("methadone compared with buprenorphine",)
    # The same words, not set against each other, ask about what B3 treats.
    assert retriever.search(
        "Does the relationship with the methadone prescriber keep people in treatment?", 5
    ).relevance.relevant


def test_a_passage_naming_both_answers_a_comparison_and_is_named_where_it_does_not_lead(
    tmp_path: Path, corpus_dir: Path
):
    added = "Clients on methadone kept their striped appointments no better than those on buprenorphine."
    retriever = retriever_with(tmp_path, corpus_dir, added)
    about_stripes = "Do zebra stripes keep clients on methadone better than on buprenorphine?"
    result = retriever.search(about_stripes, 5)
    assert "buprenorphine" in result.hits[0].passage.text
    assert "methadone compared with buprenorphine" not in result.relevance.missing
    # Asked of B3, whose passages never name both, the comparison is declined, and the decline says where it is made.
    declined = Answerer(retriever).answer(f"In drug B3, {QUESTION[0].lower()}{QUESTION[1:]}")
    assert not declined.answered
    assert "methadone compared with buprenorphine" in declined.message
    assert [e.cell.code for e in declined.decline.elsewhere] == ["D4"]


def test_a_comparison_is_made_by_a_passage_a_little_below_the_first(retriever: Retriever, monkeypatch):
    question = "counsellor vs prescriber: who matters more?"
    evidence = retriever.gatherer.gather(retriever.reader.read(question), NO_FILTERS, "hybrid")
    (comparison,) = evidence.query.compared
    rows = [int(evidence.candidates.rows[i]) for i in evidence.candidates.leaders(COMPARISON_DEPTH)]
    first = next(n for n, row in enumerate(rows) if comparison.named_by(retriever.lexical.token_sets[row]))
    assert 0 < first < COMPARISON_DEPTH and evidence.missing == ()  # not the first passage, but one of the first ten
    monkeypatch.setattr(evidence_module, "COMPARISON_DEPTH", first)
    assert retriever.search(question, 5).relevance.missing == ("counsellor compared with prescriber",)


def test_sides_of_other_groups_are_named_by_their_synonyms(retriever: Retriever):
    # Set against methadone, a keyworker chat is named by any name of its groups ("counsellor", "talk").
    (comparison,) = retriever.reader.read("keyworker chat vs the methadone itself - which does more?").compared
    assert comparison.shown == "keyworker chat compared with methadone"
    assert comparison.named_by({*comparison.one.groups, "methadon"}) and not comparison.named_by({"methadon"})
    result = retriever.search("keyworker chat vs the methadone itself - which does more to keep people clean", 5)
    assert result.relevance.missing == ()
    # Of one group, each counts by its own word alone.
    (same,) = retriever.reader.read("is methadone better than buprenorphine?").compared
    assert not same.named_by({"methadon", *same.one.groups})
