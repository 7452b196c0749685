"""What a question asks for, whether a sentence gives it, and what the answer says when none does."""

from __future__ import annotations

import json
import re

import pytest

from matrixqa.answer.asks import KINDS, Asked, asked_for, subject_words
from matrixqa.answer.compose import Answerer
from matrixqa.settings import PROJECT_ROOT

KIND = {kind.name: kind for kind in KINDS}


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _asked(kind: str, *subject: str) -> Asked:
    return Asked(KIND[kind], tuple((frozenset([word]), 1.0) for word in subject))


@pytest.mark.parametrize(
    "question, kind",
    [
        ("how often should i urine test someone on a script", "a frequency"),
        ("How many times a week should patients attend?", "a frequency"),
        ("How long should supervised consumption last?", "a duration"),
        ("For how many weeks is supervision recommended?", "a duration"),
        ("What dose of methadone should I start someone on?", "a dose"),
        ("how many mg of buprenorphine?", "a dose"),
        ("How many counsellors were studied?", "a number"),
        ("What proportion of patients drop out?", "a number"),
        ("When do patients accept supervision?", "a time"),
        ("Who wrote the UK guidance?", "a person or body"),
        ("Which study showed that counsellors differ?", "a study"),
        ("Is there any research on GPs and whole-person care?", "a study"),
        ("What should keyworkers do about missed doses?", "what to do"),
        ("How should services choose their clinicians?", "what to do"),
        ("Does supervised dosing harm relationships?", "a yes or no"),
    ],
)
def test_the_kind_asked_for_is_read_from_the_questions_form(question, kind):
    assert asked_for(question).name == kind


def test_a_question_in_no_such_form_asks_for_no_kind():
    assert asked_for("Tell me about the whole-person approach") is None
    assert asked_for("What do rules do to relationships?") is None


@pytest.mark.parametrize(
    "kind, sentence",
    [
        ("a frequency", "Patients collect their doses daily at the pharmacy."),
        ("a frequency", "Tests were taken every two weeks at the pharmacy."),
        ("a frequency", "Staff met patients twice a month at the pharmacy."),
        ("a duration", "Doses at the pharmacy were supervised for three months."),
        ("a duration", "Supervision at the pharmacy lasted a six-month period."),
        ("a dose", "Patients at the pharmacy took 60 mg of methadone."),
        ("a number", "The pharmacy served 265 patients."),
    ],
)
def test_a_sentence_gives_the_kind_beside_the_subject(kind, sentence):
    assert _asked(kind, "pharmacy").given_by(sentence, _tokens)


@pytest.mark.parametrize(
    "kind, sentence",
    [
        ("a frequency", "Regular urine tests are taken at the pharmacy."),  # regular is no frequency
        ("a dose", "Sufficient dosing at the pharmacy matters most."),  # no figure with a unit
        ("a duration", "The pharmacy takes a long-term view of treatment."),
        ("a number", "Patients at the pharmacy stayed for six months."),  # a duration, not a count
    ],
)
def test_a_sentence_without_the_form_does_not_give_it(kind, sentence):
    assert not _asked(kind, "pharmacy").given_by(sentence, _tokens)


def test_a_figure_far_from_the_subject_is_not_taken_for_the_answer():
    sentence = (
        "The requirements include patients having to come to the clinic or pharmacy nearly every day to swallow "
        "their methadone in front of staff, and regular urine tests to spot non-prescribed drug use."
    )
    assert not _asked("a frequency", "urine").given_by(sentence, _tokens)
    assert _asked("a frequency", "swallow").given_by(sentence, _tokens)


def test_the_subject_is_the_question_without_the_words_that_ask():
    assert subject_words("How often should I test urine?", KIND["a frequency"]).split() == [
        "should",
        "I",
        "test",
        "urine?",
    ]


@pytest.mark.model
def test_an_answer_that_lacks_what_was_asked_says_so_and_one_that_has_it_opens_with_it(real_retriever):
    answerer = Answerer(real_retriever)
    lacking = answerer.answer("how often should i urine test someone on a script")
    assert lacking.answered and lacking.asks_for == "a frequency" and lacking.lacking == ("a frequency",)
    assert lacking.lead.startswith("The cell gives no frequency. What it says about urine")
    dose = answerer.answer("What dose of methadone should I start someone on?")
    assert dose.lacking == ("a dose",) and dose.lead.startswith("The cell gives no dose.")
    found = answerer.answer("How many clinicians in Scotland were asked about supervision?")
    assert found.lacking == () and found.lead.startswith("From the Effectiveness Bank")
    assert "20 out of 32 clinicians" in found.citations[0].sentences[0]


@pytest.mark.model
def test_lacking_is_right_on_most_of_the_labelled_questions_that_ask_for_a_kind(real_retriever):
    answerer = Answerer(real_retriever)
    records = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "asks_for.jsonl").read_text().splitlines()]
    assert len(records) >= 30 and {r["category"] for r in records} == {"given", "lacking"}
    answers = [answerer.answer(r["question"]) for r in records]
    assert all(a.asks_for == r["asks_for"] for a, r in zip(answers, records, strict=True))
    right = sum(list(a.lacking) == r["lacking"] for a, r in zip(answers, records, strict=True))
    assert right >= 0.85 * len(records)  # 29 of 34 when written (eval/README.md)
