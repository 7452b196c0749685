"""A question joining two asks is searched in its parts too (search/parts.py, retrieve.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matrixqa.answer.choose import MIN_SENTENCE, from_each_cell
from matrixqa.answer.compose import Answerer
from matrixqa.index.analysis import Analyzer
from matrixqa.index.vocabulary import load_vocabulary
from matrixqa.search.cells import CellKey
from matrixqa.search.parts import MAX_ITEM_WORDS, parts_of
from matrixqa.search.retrieve import Hit, Retriever


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_vocabulary())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The same preposition repeated after "and": each part keeps what the two share.
        (
            "What difference does methadone dose make - to injecting risk and to how long clinics keep patients?",
            (
                "What difference does methadone dose make - to injecting risk?",
                "What difference does methadone dose make - to how long clinics keep patients?",
            ),
        ),
        (
            "does seeing the same GP help, for drinkers and for drug users?",
            ("does seeing the same GP help, for drinkers?", "does seeing the same GP help, for drug users?"),
        ),
        (
            "Is supervision useful for nurses, or for counsellors?",
            ("Is supervision useful for nurses?", "Is supervision useful for counsellors?"),
        ),
        # A list of three or more closing a sentence: the question once for each item, what introduces the list kept.
        (
            "does training change what staff do - for GPs screening drinkers, needle exchange workers and prison "
            "nurses?",
            (
                "does training change what staff do - for GPs screening drinkers?",
                "does training change what staff do - for needle exchange workers?",
                "does training change what staff do - for prison nurses?",
            ),
        ),
        (
            "Is a short course enough? I mean motivational interviewing courses for nurses, screening training for "
            "family doctors, or attitude sessions for pharmacy staff.",
            (
                "Is a short course enough? I mean motivational interviewing courses for nurses.",
                "Is a short course enough? I mean screening training for family doctors.",
                "Is a short course enough? I mean attitude sessions for pharmacy staff.",
            ),
        ),
        (
            "Does a one-day workshop change practice, whether in motivational interviewing, screening for drinking, or "
            "attitudes towards injectors?",
            (
                "Does a one-day workshop change practice, whether in motivational interviewing?",
                "Does a one-day workshop change practice, screening for drinking?",
                "Does a one-day workshop change practice, attitudes towards injectors?",
            ),
        ),
        (  # the question's own clause before the list is no item of it
            "is supervision worth it, for nurses, counsellors and doctors?",
            (
                "is supervision worth it, for nurses?",
                "is supervision worth it, counsellors?",
                "is supervision worth it, doctors?",
            ),
        ),
        # Two questions joined by ", and" before a question word.
        (
            "Why does retention on methadone matter, and what clinic policies keep people in treatment?",
            ("Why does retention on methadone matter", "what clinic policies keep people in treatment?"),
        ),
        (
            "Do urine tests help; and does supervised dosing harm relationships?",
            ("Do urine tests help", "does supervised dosing harm relationships?"),
        ),
    ],
)
def test_a_question_joining_asks_is_read_in_its_parts(analyzer: Analyzer, question: str, expected: tuple[str, ...]):
    assert parts_of(question, analyzer) == expected


@pytest.mark.parametrize(
    ("question", "first", "rest"),
    [
        (
            "Why does retention on methadone matter, and what clinic policies keep people in treatment, and how do "
            "urine tests help?",
            "Why does retention on methadone matter",
            "what clinic policies keep people in treatment, and how do urine tests help?",
        ),
        (
            "Do urine tests help; and does supervised dosing harm relationships; and what clinic policies keep people "
            "in treatment?",
            "Do urine tests help",
            "does supervised dosing harm relationships; and what clinic policies keep people in treatment?",
        ),
    ],
)
def test_a_question_joining_three_asks_is_still_read_in_parts(analyzer: Analyzer, question: str, first, rest):
    # Not read as one ask: the first ask is a part of its own, the others together the second.
    assert parts_of(question, analyzer) == (first, rest)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (  # an item of its own before the others, of MAX_ITEM_WORDS words
            "Does a short course help? Training in screening for practice nurses, advice for family doctors, or "
            "sessions for pharmacy staff.",
            (
                "Does a short course help? Training in screening for practice nurses.",
                "Does a short course help? advice for family doctors.",
                "Does a short course help? sessions for pharmacy staff.",
            ),
        ),
        (  # the last item, of MAX_ITEM_WORDS words
            "Does a short course help? Screening for nurses, advice for family doctors, or sessions for staff of "
            "community pharmacies.",
            (
                "Does a short course help? Screening for nurses.",
                "Does a short course help? advice for family doctors.",
                "Does a short course help? sessions for staff of community pharmacies.",
            ),
        ),
    ],
)
def test_a_lists_item_may_have_as_many_words_as_max_item_words(analyzer: Analyzer, question: str, expected):
    assert MAX_ITEM_WORDS in [len(part.split("? ")[1].split()) for part in expected]
    assert parts_of(question, analyzer) == expected


def test_a_list_closing_a_later_sentence_is_read_after_one_whose_last_item_is_too_long(analyzer: Analyzer):
    # The first sentence's "and the people who look after them at home" is no item: its sentence has no list, the
    # next one has.
    said = "I see clients, their families and the people who look after them at home."
    question = f"{said} Is supervision worth it, for nurses, counsellors and doctors?"
    assert parts_of(question, analyzer) == (
        f"{said} Is supervision worth it, for nurses?",
        f"{said} Is supervision worth it, counsellors?",
        f"{said} Is supervision worth it, doctors?",
    )


@pytest.mark.parametrize(
    "question",
    [
        "does supervised dosing harm relationships?",
        "is it good for patients and staff?",  # one ask of two people: no preposition repeated
        "Does the counsellor matter, and why?",  # a part of one word asks nothing of its own
        "do vouchers for clean urine screens help cocaine users, and does the effect last?",  # of what the first names
        "How do staff attitudes and training affect retention and outcomes?",
        "What's the evidence on dose, counselling and relationships?",  # a part of two words asks nothing of its own
        "how often, how long and at what dose?",
        "In Philadelphia, in the USA, patients of some counsellors did better and others worse?",  # no list: prose
        "Nurses, counsellors and doctors - does supervision help them keep patients?",  # the list closes no sentence
        "Does supervised dosing, which many services require, help patients or harm their relationships with staff?",
    ],
)
def test_a_question_of_one_ask_has_no_parts(analyzer: Analyzer, question: str):
    assert parts_of(question, analyzer) == ()


JOINED = (
    "Does a good relationship between methadone patients and their doctors and counsellors help them stop using "
    "heroin, and does the waiting room matter?"
)


def test_each_parts_best_cell_is_among_the_hits(retriever: Retriever):
    # The fast corpus: the whole question's hits are drug B3's; its second part is the fake alcohol D4's waiting rooms.
    result = retriever.search(JOINED, 5)
    assert result.query.parts == (JOINED.split(", and ")[0], "does the waiting room matter?")
    assert len(result.hits) == 5
    assert [cell.code for cell in result.part_cells] == ["B3", "D4"]
    assert "D4" in {h.passage.cell.code for h in result.hits}
    assert result.hits[0].passage.cell.code == "B3"  # the whole question still ranks its hits
    alone = retriever.search(JOINED.split(", and ")[0] + "?", 5)
    assert {h.passage.cell.code for h in alone.hits} == {"B3"} and alone.part_cells == ()


def test_an_answer_to_a_question_joining_two_asks_quotes_the_cell_each_part_found(answerer: Answerer):
    # The whole question is nearer drug B3's sentences than any of D4's: asked whole, only B3 would be quoted.
    answer = answerer.answer(JOINED)
    assert answer.answered
    cells = [c.passage.cell.code for c in answer.citations]
    assert cells[0] == "B3" and "D4" in cells
    assert any(
        "waiting room" in s.lower() for c in answer.citations if c.passage.cell.code == "D4" for s in c.sentences
    )
    one = answerer.answer(JOINED.split(", and ")[0] + "?")
    assert {c.passage.cell.code for c in one.citations} == {"B3"}


def test_a_part_the_corpus_would_not_answer_brings_no_cell(answerer: Answerer):
    # Alone, "why do quorbles frimble zebras?" is declined (no word of it means anything here), though the fake D4's
    # zebra stripes are the nearest passages: its part brings no cell, and the answer is drug B3's alone.
    question = JOINED.split(", and ")[0] + ", and why do quorbles frimble zebras?"
    result = answerer.retriever.search(question, 5)
    assert len(result.query.parts) == 2 and result.relevant
    assert not answerer.retriever.search(result.query.parts[1], 5).relevant
    assert [cell.code for cell in result.part_cells] == ["B3"]
    assert {c.passage.cell.code for c in answerer.answer(question).citations} == {"B3"}


def test_a_cell_a_part_found_is_quoted_however_far_the_whole_question_is_from_it(retriever: Retriever):
    # Sentences below MIN_SENTENCE are left out, but a part found its cell's evidence: its best sentence is quoted.
    b3, d4 = (next(p for p in retriever.index.passages if p.cell.code == code) for code in ("B3", "D4"))
    sources = [Hit(passage=b3, score=0.9, rank=1), Hit(passage=d4, score=0.5, rank=2)]
    rows = [(0, 0, 0), (1, 1, 0), (2, 1, 1)]
    relevance = np.asarray([0.6, MIN_SENTENCE - 0.1, MIN_SENTENCE - 0.05])
    assert from_each_cell([0], rows, relevance, sources) == []
    assert from_each_cell([0], rows, relevance, sources, [CellKey.of(d4.cell)]) == [2]


_PIECES = st.sampled_from(
    ["and", "or", ",", ", and", "for", "what", "does", "-", "?", ".", ":", "  ", "methadone", "nurses", "x", "é"]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40))
def test_any_text_is_read_in_parts_or_none_without_an_error(analyzer: Analyzer, pieces: list[str]):
    question = " ".join(pieces)
    parts = parts_of(question, analyzer)
    assert len(parts) != 1 and all(part.strip() for part in parts)
