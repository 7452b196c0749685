"""The question log: what /api/ask and /api/feedback record, in a real SQLite file, and reading it back."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sqlite3
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from matrixqa.answer.compose import compose_answer
from matrixqa.cli import main
from matrixqa.errors import MatrixQAError, UnknownAnswer
from matrixqa.search.filters import Filters
from matrixqa.server.app import create_app
from matrixqa.server.questionlog import (
    ADDED_COLUMNS,
    SWEEP_SECONDS,
    LoggedQuestion,
    QuestionLog,
    Selection,
    days_ago,
    parse_since,
    write_csv,
)
from matrixqa.settings import load_config

ANSWERED = "Do zebra stripes calm the waiting room?"
NOT_COVERED = "xylophone quantum chromodynamics"


def ask(client, question: str, **body):
    response = client.post("/api/ask", json={"question": question, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rows(path: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM questions ORDER BY rowid").fetchall()


def test_ask_is_logged_with_what_it_returned(client, config):
    filters = {"types": ["S", "commentary"], "cells": ["d4"], "year_from": 1960}
    reply = ask(client, ANSWERED, filters=filters)
    assert reply["answered"] and reply["citations"]

    [row] = rows(config.log_db)
    assert row["id"] == reply["id"]
    assert row["question"] == ANSWERED == row["searched_for"]
    assert row["answered"] == 1
    assert json.loads(row["cited"]) == [c["passage"]["id"] for c in reply["citations"]]
    assert row["top_score"] == pytest.approx(reply["passages"][0]["score"], abs=1e-4)
    assert row["latency_ms"] == reply["latency_ms"]
    assert json.loads(row["filters"]) == {"types": ["S", "commentary"], "cells": ["D4"], "year_from": 1960}
    assert row["asked_at"].endswith("Z") and parse_since(row["asked_at"]) == row["asked_at"]
    assert row["helpful"] is None and row["comment"] == ""


def test_unanswered_and_follow_up_questions_are_logged_as_such(client, config):
    first = ask(client, NOT_COVERED)
    assert not first["answered"]
    follow_up = ask(client, "and what about that?", history=[{"question": ANSWERED, "answer": "..."}])
    assert follow_up["searched_for"] != follow_up["question"]

    declined, followed = rows(config.log_db)
    assert declined["answered"] == 0 and json.loads(declined["cited"]) == [] and declined["filters"] == "{}"
    assert followed["question"] == "and what about that?"
    assert followed["searched_for"] == follow_up["searched_for"]


def test_no_client_address_is_stored(client, config):
    client.post(
        "/api/ask",
        json={"question": ANSWERED},
        headers={"X-Forwarded-For": "203.0.113.77"},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    stored = b"".join(p.read_bytes() for p in config.log_db.parent.iterdir())
    assert ANSWERED.encode() in stored  # the question is there, so the search below is meaningful
    assert b"203.0.113.77" not in stored and b"198.51.100.23" not in stored


def test_feedback_is_stored_against_the_answer(client, config):
    reply = ask(client, ANSWERED)
    response = client.post("/api/feedback", json={"id": reply["id"], "helpful": False, "comment": " Too vague. "})
    assert response.status_code == 201
    assert response.get_json() == {"status": "recorded", "id": reply["id"]}
    [row] = rows(config.log_db)
    assert (row["helpful"], row["comment"]) == (0, "Too vague.")
    assert row["feedback_at"] >= row["asked_at"]

    client.post("/api/feedback", json={"id": reply["id"], "helpful": True})
    [row] = rows(config.log_db)
    assert (row["helpful"], row["comment"]) == (1, "")


def test_feedback_on_an_unknown_id_is_404(client, config):
    ask(client, ANSWERED)
    response = client.post("/api/feedback", json={"id": uuid.uuid4().hex, "helpful": True})
    assert response.status_code == 404
    assert "no logged answer" in response.get_json()["error"]
    assert rows(config.log_db)[0]["helpful"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"helpful": True},
        {"id": "", "helpful": True},
        {"id": "abc", "helpful": "yes"},
        {"id": "abc", "helpful": True, "comment": 3},
        {"id": "abc", "helpful": True, "comment": "x" * 2001},
        ["abc", True],
    ],
)
def test_bad_feedback_is_400(client, body):
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]


@pytest.mark.parametrize("place", ["a-file/questions.sqlite3", "/proc/nope/questions.sqlite3"])
def test_a_log_in_an_impossible_place_is_refused_naming_the_setting(config, tmp_path, place):
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / place
    with pytest.raises(MatrixQAError, match=f"cannot open the question log {path}: .*MATRIXQA_LOG_DB"):
        create_app(config.model_copy(update=dict(log_db=path)))


def test_log_is_in_wal_mode(client, config):
    ask(client, ANSWERED)
    with sqlite3.connect(config.log_db) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_log_off_writes_nothing(config, tmp_path):
    off = config.model_copy(update=dict(log_enabled=False))
    client = create_app(off).test_client()
    reply = ask(client, ANSWERED)
    feedback = client.post("/api/feedback", json={"id": reply["id"], "helpful": True})
    assert feedback.status_code == 200 and "not recorded" in feedback.get_json()["status"]
    assert not config.log_db.parent.exists()


def all_at_once(threads: int, prepare, work) -> None:
    """Run work(n, prepare()) in each of `threads` threads, all released at the same moment."""
    start = threading.Barrier(threads)

    def run(n: int) -> None:
        own = prepare()
        start.wait()
        work(n, own)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)


def test_threads_writing_at_once_lose_no_row(tmp_path, retriever):
    path = tmp_path / "log.sqlite3"
    QuestionLog(path)
    template = compose_answer(retriever.search(ANSWERED, 8), retriever)
    threads, each = 8, 40
    written: list[str] = []

    def write(n: int, log: QuestionLog) -> None:
        for i in range(each):
            answer = dataclasses.replace(template, id=f"{n}-{i}")
            assert log.record_ask(f"question {n}-{i}", answer, Filters(), 1.0)
            written.append(answer.id)

    # Each thread is its own writer with its own QuestionLog, the way separate requests are.
    all_at_once(threads, lambda: QuestionLog(path), write)
    assert len(written) == threads * each
    assert sorted(r["id"] for r in rows(path)) == sorted(written)


def test_concurrent_requests_are_all_logged(app, config):
    threads, each = 6, 8
    ids: list[str] = []

    def asker(n: int, client) -> None:
        for i in range(each):
            ids.append(ask(client, f"{ANSWERED} ({n}.{i})")["id"])

    all_at_once(threads, app.test_client, asker)
    assert len(ids) == threads * each
    assert sorted(r["id"] for r in rows(config.log_db)) == sorted(ids)


def test_a_broken_log_does_not_stop_answers(client, config, caplog):
    config.log_db.unlink()
    config.log_db.mkdir()  # the file is now a folder: every write fails
    reply = client.post("/api/ask", json={"question": ANSWERED})
    assert reply.status_code == 200 and reply.get_json()["answered"]
    assert "could not write to the question log" in caplog.text


def test_feedback_on_a_missing_id_raises(tmp_path):
    with pytest.raises(UnknownAnswer):
        QuestionLog(tmp_path / "log.sqlite3").record_feedback("nope", True, "")


def test_selection_filters_and_orders(client, config):
    answered = ask(client, ANSWERED)
    declined = ask(client, NOT_COVERED)
    weaker = ask(client, "Zebra stripes and the waiting room: do counsellors prefer spots?")
    client.post("/api/feedback", json={"id": answered["id"], "helpful": False, "comment": "wrong cell"})
    client.post("/api/feedback", json={"id": weaker["id"], "helpful": True})
    log = QuestionLog(config.log_db)

    def ids(**selection) -> list[str]:
        return [q.id for q in log.select(Selection(**selection))]

    assert ids() == [weaker["id"], declined["id"], answered["id"]]
    assert ids(limit=1) == [weaker["id"]]
    assert ids(answered=False) == [declined["id"]]
    assert ids(helpful=False) == [answered["id"]]
    assert ids(helpful=True) == [weaker["id"]]
    assert ids(since="2999-01-01T00:00:00.000Z") == []
    assert set(ids(since=parse_since("2000-01-01"))) == {answered["id"], declined["id"], weaker["id"]}
    by_score = log.select(Selection(order="score"))
    assert [q.top_score for q in by_score] == sorted(q.top_score for q in by_score)


def test_since_accepts_dates_and_zones():
    assert parse_since("2025-01-31") == "2025-01-31T00:00:00.000Z"
    assert parse_since("2025-01-31T10:00+01:00") == "2025-01-31T09:00:00.000Z"


@pytest.fixture
def logged(client, config, monkeypatch) -> dict[str, str]:
    """A log of four asks: one marked not helpful, one unanswered asked twice, one that looks like a formula."""
    monkeypatch.setenv("MATRIXQA_LOG_DB", str(config.log_db))
    answered = ask(client, ANSWERED)
    client.post("/api/feedback", json={"id": answered["id"], "helpful": False, "comment": '=HYPERLINK("x")'})
    declined = ask(client, NOT_COVERED)
    again = ask(client, "  XYLOPHONE quantum   chromodynamics ")
    formula = ask(client, "=1+1 " + ANSWERED)
    return {"answered": answered["id"], "declined": declined["id"], "again": again["id"], "formula": formula["id"]}


def test_export_jsonl_and_csv(logged):
    runner = CliRunner()
    result = runner.invoke(main, ["log", "export", "--jsonl"])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert [q["id"] for q in exported] == [logged["formula"], logged["again"], logged["declined"], logged["answered"]]
    assert exported[-1]["helpful"] is False and exported[-1]["comment"] == '=HYPERLINK("x")'

    result = runner.invoke(main, ["log", "export", "--csv", "--not-helpful"])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["id"] == logged["answered"] and row["helpful"] == "no"
    assert row["comment"] == '\'=HYPERLINK("x")'  # a spreadsheet shows it, never runs it

    result = runner.invoke(main, ["log", "export", "--csv", "--limit", "1"])
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["question"] == "'=1+1 " + ANSWERED


def csv_row(text: str) -> dict[str, str]:
    """The CSV export of one logged question whose question and comment are `text`."""
    logged = LoggedQuestion("x", "2025-01-31T09:00:00.000Z", text, text, True, (), None, 1.0, {}, None, text, None)
    out = io.StringIO()
    write_csv([logged], out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    return row


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "\t=1", "\u00a0=1+1", "\u200b=1+1", "\u3000@SUM(A1)", "\uff1d1+1", "\ufeff\uff0b1", "\u2028-1"],
)
def test_csv_quotes_a_formula_behind_characters_that_show_nothing_or_in_fullwidth(text):
    row = csv_row(text)
    assert row["question"] == row["searched_for"] == row["comment"] == "'" + text


@pytest.mark.parametrize("text", ["a=1", "zebra - stripes", "\u00a0zebra", "1+1"])
def test_csv_leaves_text_that_is_no_formula_as_it_is(text):
    assert csv_row(text)["question"] == text


def test_to_eval_writes_the_evaluation_format(logged, tmp_path):
    target = tmp_path / "from-log.jsonl"
    result = CliRunner().invoke(main, ["log", "to-eval", str(target), "--unanswered"])
    assert result.exit_code == 0, result.output
    questions = [json.loads(line) for line in target.read_text().splitlines()]
    # The same question asked twice becomes one evaluation question; the newest wording is kept.
    assert questions == [
        {"id": f"log-{logged['again']}", "question": "XYLOPHONE quantum   chromodynamics", "relevant": []}
    ]
    assert "wrote 1 question to" in result.stderr

    again = CliRunner().invoke(main, ["log", "to-eval", str(target)])
    assert again.exit_code == 1 and "--force" in again.stderr
    forced = CliRunner().invoke(main, ["log", "to-eval", str(target), "--force"])
    assert forced.exit_code == 0
    assert len(target.read_text().splitlines()) == 3


def test_reading_a_missing_log_is_one_line(cli_env):
    result = CliRunner().invoke(main, ["log", "export"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no question log at") and "Traceback" not in result.output


# Retention -------------------------------------------------------------------------------------


def age(path: Path, answer_id: str, days: int) -> None:
    """Make a logged question look as if it had been asked some days ago."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE questions SET asked_at = ? WHERE id = ?", (days_ago(days), answer_id))


def test_prune_deletes_only_questions_older_than_asked(logged, config):
    age(config.log_db, logged["answered"], 40)  # with its 'not helpful' feedback
    age(config.log_db, logged["declined"], 31)
    age(config.log_db, logged["again"], 29)
    result = CliRunner().invoke(main, ["log", "prune", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("deleted 2 questions asked before ")
    assert {row["id"] for row in rows(config.log_db)} == {logged["again"], logged["formula"]}
    assert all(row["helpful"] is None for row in rows(config.log_db))  # the feedback went with its question

    refused = CliRunner().invoke(main, ["log", "prune", "--older-than", "0"])
    assert refused.exit_code == 2 and "--older-than" in refused.output


def test_a_retention_period_is_applied_at_start_and_then_hourly(client, config, retriever, monkeypatch):
    old, recent = ask(client, ANSWERED), ask(client, NOT_COVERED)
    age(config.log_db, old["id"], 100)
    age(config.log_db, recent["id"], 10)
    create_app(config.model_copy(update=dict(log_keep_days=30)), retriever)  # MATRIXQA_LOG_KEEP_DAYS=30
    assert [row["id"] for row in rows(config.log_db)] == [recent["id"]]

    log = QuestionLog(config.log_db, keep_days=30)

    answer = compose_answer(retriever.search(ANSWERED, 8), retriever)
    age(config.log_db, recent["id"], 45)
    log.record_ask(ANSWERED, dataclasses.replace(answer, id="first"), Filters(), 1.0)
    assert [row["id"] for row in rows(config.log_db)] == [recent["id"], "first"]  # no sweep is due yet
    later = time.monotonic() + SWEEP_SECONDS + 1
    monkeypatch.setattr("matrixqa.server.questionlog.time.monotonic", lambda: later)
    log.record_ask(ANSWERED, dataclasses.replace(answer, id="second"), Filters(), 1.0)
    assert [row["id"] for row in rows(config.log_db)] == ["first", "second"]


def test_keep_days_must_be_a_number_of_days(monkeypatch):
    monkeypatch.setenv("MATRIXQA_LOG_KEEP_DAYS", "-3")
    with pytest.raises(MatrixQAError, match="MATRIXQA_LOG_KEEP_DAYS: input should be greater than or equal to 0"):
        load_config()


def test_a_log_file_rotated_by_hand_is_followed_by_the_next_ask(client, config):
    first = ask(client, ANSWERED)["id"]
    config.log_db.rename(config.log_db.with_name("questions-old.sqlite3"))
    second = ask(client, ANSWERED)["id"]
    assert [r["id"] for r in rows(config.log_db)] == [second]
    assert first != second


# The log as the first version wrote it, before it kept the decision's evidence and threshold.
FIRST_SCHEMA = """
CREATE TABLE questions (
    id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, question TEXT NOT NULL, searched_for TEXT NOT NULL,
    answered INTEGER NOT NULL, cited TEXT NOT NULL, top_score REAL, latency_ms REAL NOT NULL, filters TEXT NOT NULL,
    helpful INTEGER, comment TEXT NOT NULL DEFAULT '', feedback_at TEXT
);
CREATE INDEX questions_asked_at ON questions (asked_at);
"""


def test_a_log_from_before_the_decision_was_kept_keeps_its_rows(tmp_path, retriever):
    path = tmp_path / "old.sqlite3"
    old_row = ("old", "2025-01-31T09:15:02.114Z", "q", "q", 1, '["p1"]', 0.9, 12.0, '{"cells": ["B3"]}', 0, "no", None)
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(FIRST_SCHEMA)
        db.execute(f"INSERT INTO questions VALUES ({','.join('?' * len(old_row))})", old_row)
    log = QuestionLog(path)
    [old] = log.select()
    assert (old.id, old.cited, old.top_score, old.filters, old.helpful, old.comment) == (
        "old",
        ("p1",),
        0.9,
        {"cells": ["B3"]},
        False,
        "no",
    )
    assert (old.evidence, old.threshold, old.missing) == (None, None, ())

    answer = compose_answer(retriever.search(ANSWERED, 8), retriever)
    assert log.record_ask(ANSWERED, answer, Filters(), 1.0)  # the writer's own connection finds the new columns
    new, old_again = log.select()
    assert new.evidence == pytest.approx(answer.relevance.evidence, abs=1e-4)
    assert new.threshold == answer.relevance.threshold and old_again == old
    assert QuestionLog(path).find("old") == old  # opened again: nothing added twice
    with closing(sqlite3.connect(path)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
    assert columns[:12] == [*OLD_COLUMNS] and columns[12:] == [name for name, _ in ADDED_COLUMNS]


OLD_COLUMNS = (
    "id", "asked_at", "question", "searched_for", "answered", "cited", "top_score", "latency_ms", "filters",
    "helpful", "comment", "feedback_at",
)  # fmt: skip


def test_a_which_study_turn_is_logged_without_a_score_or_a_decision(client, config):
    earlier = ask(client, ANSWERED)
    source = ask(client, "which study showed that?", history=[{"question": ANSWERED, "answer": earlier["answer"]}])
    assert source["mode"] == "source" and source["citations"]
    logged = QuestionLog(config.log_db).find(source["id"])
    assert (logged.top_score, logged.evidence, logged.threshold) == (None, None, None)
    assert logged.cited == tuple(c["passage"]["id"] for c in source["citations"])
