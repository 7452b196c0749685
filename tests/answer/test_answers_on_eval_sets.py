"""Every question of every eval set, answered with the real model: each quoted sentence verbatim and quotable."""

from __future__ import annotations

import json
import re

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.ingest.chunk import unquotable
from matrixqa.settings import PROJECT_ROOT
from tests.conftest import DEV_QUESTIONS


def _questions() -> list[str]:
    files = sorted((PROJECT_ROOT / "eval").glob("*.jsonl")) + ([DEV_QUESTIONS] if DEV_QUESTIONS.exists() else [])
    rows = [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]
    return [row["question"] for row in rows if "question" in row]  # many_cells_alternatives.jsonl holds labels only


@pytest.mark.model
def test_no_answer_quotes_a_navigation_sentence_or_anything_not_in_its_passage(real_retriever):
    questions = _questions()
    assert len(questions) >= 200
    answered = 0
    answerer = Answerer(real_retriever)
    for question in questions:
        answer = answerer.answer(question)
        cited = {c.n: c.passage for c in answer.citations}
        pairs = re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.answer)
        assert "".join(f"{s} [{n}] " for s, n in pairs).strip() == answer.answer
        last_offset: dict[str, int] = {}
        for sentence, n in pairs:
            passage = cited[int(n)]
            assert sentence in passage.text, (question, sentence)
            offset = [passage.text[a:b] for a, b in passage.sentences].index(sentence)
            assert passage.quotable(offset) and not unquotable(sentence), (question, sentence)
            assert not re.search(r"\((?:\d{1,2} )+\d{1,2}\)", sentence), (question, sentence)
            # Sentences of one passage keep their order in the source; one that leans on the sentence before
            # comes right after it (so never first), across the cut into the passage before it on the page when
            # it opens its passage.
            assert offset > last_offset.get(n, -1), (question, sentence)
            if offset in passage.leans:
                before = _sentence_before(real_retriever.index, passage, offset)
                assert parts_before_in(answer.answer, sentence).endswith(f"{before[1]} [{_number(cited, before[0])}]")
                assert offset == 0 or last_offset.get(n) == offset - 1, (question, sentence)
            last_offset[n] = offset
        answered += answer.answered
    assert answered >= len(questions) // 2


@pytest.mark.model
def test_every_suggestion_offered_is_answered_from_the_section_it_comes_from(real_retriever):
    answerer = Answerer(real_retriever)
    offered = {suggestion for question in _questions() for suggestion in answerer.answer(question).suggestions}
    assert len(offered) >= 10  # not the same three after every answer
    where = {c.question: (c.cell, c.section) for c in answerer.suggestions.candidates}
    for suggestion in offered:
        answer = Answerer(real_retriever).answer(suggestion)  # a fresh answerer: nothing remembered
        assert answer.answered, suggestion
        opening = answer.citations[0].passage
        assert (opening.cell, opening.section) == where[suggestion], suggestion


def _sentence_before(index, passage, offset: int) -> tuple[str, str]:
    """The passage holding the sentence before a passage's sentence on the page (in its section), and that sentence."""
    if offset:
        return passage.id, passage.sentence_texts[offset - 1]
    before = index.passages[index.positions[passage.id] - 1]
    assert (before.cell, before.section, before.position) == (passage.cell, passage.section, passage.position - 1)
    return before.id, before.sentence_texts[-1]


def _number(cited: dict, passage_id: str) -> int:
    return next(n for n, p in cited.items() if p.id == passage_id)


def parts_before_in(answer: str, sentence: str) -> str:
    """The answer up to the sentence (its marker included), without the space before it."""
    return answer[: answer.index(sentence)].rstrip()
