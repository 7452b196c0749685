"""One question answered and logged, the same way for every surface: the API, MCP and Slack."""

from __future__ import annotations

import time

from matrixqa.answer.compose import Answerer
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.requests import AskRequest, filters_of, question_of
from matrixqa.server.responses import AnswerResponse


def answer_logged(
    answerer: Answerer, question_log: QuestionLog | None, body: AskRequest, started: float
) -> AnswerResponse:
    """Answer `body` and record it in the question log; `started` is when the request came in (perf_counter)."""
    question, filters = question_of(body), filters_of(body)
    answer = answerer.answer(question, body.turns(), body.detail, filters)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    if question_log is not None:
        question_log.record_ask(question, answer, filters, latency_ms)
    return AnswerResponse.of(answer, latency_ms)
