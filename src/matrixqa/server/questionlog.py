"""The question log: every /api/ask with its outcome and the feedback given on it, in one SQLite file."""

from __future__ import annotations

import csv
import json
import logging
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Literal

from matrixqa.answer.compose import Answer
from matrixqa.errors import BadRequest, LogUnavailable, UnknownAnswer
from matrixqa.search.filters import Filters
from matrixqa.server.requests import UNSEEN
from matrixqa.settings import Config

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    searched_for TEXT NOT NULL,
    answered INTEGER NOT NULL,
    cited TEXT NOT NULL,
    top_score REAL,
    latency_ms REAL NOT NULL,
    filters TEXT NOT NULL,
    helpful INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    feedback_at TEXT
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
"""
# Columns added since the first schema: a log written before them gains them when opened, its rows left null.
ADDED_COLUMNS = (
    ("evidence", "REAL"),  # the decision's evidence (search/relevance.py); null for a "which study?" turn
    ("threshold", "REAL"),  # the evidence it needed, as the decision used it
    ("missing", "TEXT NOT NULL DEFAULT '[]'"),  # topics the answering passages do not treat: declined whatever else
)
_ASK_COLUMNS = "id, asked_at, question, searched_for, answered, cited, top_score, latency_ms, filters"
_ASK_COLUMNS += "".join(f", {name}" for name, _ in ADDED_COLUMNS)
_COLUMNS = _ASK_COLUMNS + ", helpful, comment, feedback_at"
ORDERS = {  # how a selection may be ordered, by its name in the API
    "recent": "asked_at DESC, rowid DESC",
    "score": "top_score ASC, asked_at DESC",
    # The decision's margin, smallest first; rows logged without it (a "which study?" turn, an old row) last.
    "evidence": "evidence IS NULL, evidence - threshold ASC, asked_at DESC",
}
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another; WAL lets readers carry on meanwhile
SWEEP_SECONDS = 3600.0  # how often a server with a retention period deletes what has expired
SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedQuestion:
    """One logged /api/ask with the feedback given on it; times are ISO 8601 UTC."""

    id: str
    asked_at: str
    question: str
    searched_for: str  # the question as searched: a follow-up carries the previous question along
    answered: bool
    cited: tuple[str, ...]  # passage ids
    top_score: float | None
    latency_ms: float
    filters: dict[str, object]
    helpful: bool | None
    comment: str
    feedback_at: str | None
    # Kept since a later version (ADDED_COLUMNS): last, with defaults, so a row made the earlier way still reads.
    evidence: float | None = None  # the decision's evidence against its threshold; None for a "which study?" turn
    threshold: float | None = None
    missing: tuple[str, ...] = ()  # topics of the question the answering passages do not treat


@dataclass(frozen=True)
class Selection:
    """Which logged questions to list: the newest first, or the lowest top score first."""

    limit: int | None = 100  # None: every match
    since: str | None = None
    answered: bool | None = None
    helpful: bool | None = None
    order: Literal["recent", "score", "evidence"] = "recent"
    to_review: bool = False  # only the questions declined or marked not helpful


class QuestionLog:
    """A SQLite file in WAL mode. Reads open a connection each; asks are written on one kept-open connection.

    Opening a connection and committing with the disk waited for costs more than the search itself
    (docs/bench.md); one writer connection behind a lock, committing with synchronous=NORMAL (in WAL
    mode a committed row survives the process being killed, though not a power cut), costs little.
    Should the file be replaced or removed (rotated by hand), the writer opens the file now at the path.
    """

    def __init__(self, path: Path, keep_days: int = 0) -> None:
        """keep_days: delete questions older than this now and then every SWEEP_SECONDS; 0 keeps everything."""
        self.path = Path(path)
        self.keep_days = keep_days
        self._next_sweep = 0.0
        self._writer: sqlite3.Connection | None = None
        self._writer_file: tuple[int, int] | None = None  # (device, inode) the writer has open
        self._writing = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                _prepare(db)
        except (OSError, sqlite3.Error) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise LogUnavailable(
                f"cannot open the question log {self.path}: {reason}; set MATRIXQA_LOG_DB to a file in a folder "
                "this user can write, or MATRIXQA_LOG=off"
            ) from None
        self._sweep()

    @classmethod
    def of(cls, config: Config) -> QuestionLog | None:
        """The log the settings ask for: None when MATRIXQA_LOG is off."""
        return cls(config.log_db, config.log_keep_days) if config.log_enabled else None

    @classmethod
    def existing(cls, path: Path) -> QuestionLog:
        """Open a log that must already exist (for reading it back)."""
        if not Path(path).is_file():
            raise LogUnavailable(f"no question log at {path}: set MATRIXQA_LOG_DB to the file `serve` writes")
        return cls(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)) as db, db:
            yield db

    def _write(self, sql: str, row: tuple) -> None:
        with self._writing:
            file = _identity(self.path)
            if self._writer is None or file != self._writer_file:
                if self._writer is not None:
                    self._writer.close()
                self._writer = None
                writer = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False)
                writer.execute("PRAGMA synchronous=NORMAL")
                _prepare(writer)  # a file made anew at the path starts empty
                self._writer, self._writer_file = writer, _identity(self.path)
            with self._writer:
                self._writer.execute(sql, row)

    def record_ask(self, question: str, answer: Answer, filters: Filters, latency_ms: float) -> bool:
        """Log one answered (or declined) question; a failing log is reported, never raised, so answers go on."""
        relevance = answer.relevance
        top_score = answer.hits[0].search_score if answer.hits else None
        row = (
            answer.id,
            _now(),
            question,
            answer.searched_for or answer.question,
            int(answer.answered),
            json.dumps([c.passage.id for c in answer.citations]),
            None if top_score is None else round(top_score, 4),
            latency_ms,
            json.dumps(_filters_dict(filters)),
            None if relevance is None else round(relevance.evidence, 4),
            None if relevance is None else relevance.threshold,
            json.dumps(list(relevance.missing) if relevance else []),
        )
        try:
            placeholders = ",".join("?" * len(row))
            self._write(f"INSERT INTO questions ({_ASK_COLUMNS}) VALUES ({placeholders})", row)
        except sqlite3.Error:
            logger.exception("could not write to the question log %s", self.path)
            return False
        self._sweep()
        return True

    def delete_before(self, moment: str) -> int:
        """Delete the questions asked before a moment (the log's ISO form), feedback and all; how many went."""
        with self._connect() as db:
            return db.execute("DELETE FROM questions WHERE asked_at < ?", (moment,)).rowcount

    def _sweep(self) -> None:
        """Apply the retention period when a sweep is due; a failure is reported, never raised."""
        if not self.keep_days or time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        try:
            deleted = self.delete_before(days_ago(self.keep_days))
        except sqlite3.Error:
            logger.exception("could not delete expired questions from the question log %s", self.path)
            return
        if deleted:
            logger.info("deleted %d questions older than %d days from the question log", deleted, self.keep_days)

    def record_feedback(self, answer_id: str, helpful: bool, comment: str) -> None:
        """Store feedback against a logged answer; the latest feedback replaces earlier feedback."""
        with self._connect() as db:
            changed = db.execute(
                "UPDATE questions SET helpful = ?, comment = ?, feedback_at = ? WHERE id = ?",
                (int(helpful), comment, _now(), answer_id),
            ).rowcount
        if not changed:
            raise UnknownAnswer(f"no logged answer has the id {answer_id!r}")

    def select(self, selection: Selection = Selection()) -> list[LoggedQuestion]:
        """The logged questions that match a selection."""
        where, params = [], []
        if selection.since:
            where.append("asked_at >= ?")
            params.append(selection.since)
        if selection.answered is not None:
            where.append("answered = ?")
            params.append(int(selection.answered))
        if selection.helpful is not None:
            where.append("helpful = ?")
            params.append(int(selection.helpful))
        if selection.to_review:
            where.append("(answered = 0 OR helpful = 0)")
        order = ORDERS[selection.order]
        condition = "WHERE " + " AND ".join(where) if where else ""
        sql = f"SELECT {_COLUMNS} FROM questions {condition} ORDER BY {order} LIMIT ?"
        with self._connect() as db:
            rows = db.execute(sql, (*params, -1 if selection.limit is None else selection.limit)).fetchall()
        return [_logged(row) for row in rows]

    def find(self, answer_id: str) -> LoggedQuestion:
        """One logged question by its answer's id."""
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM questions WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            raise UnknownAnswer(f"no logged answer has the id {answer_id!r}")
        return _logged(row)


def _prepare(db: sqlite3.Connection) -> None:
    """Make the log's table, or bring one written by an earlier version up to date (its rows are kept)."""
    db.executescript(_SCHEMA)
    db.execute("BEGIN IMMEDIATE")  # two processes opening an old log at once: one adds the columns
    present = {row[1] for row in db.execute("PRAGMA table_info(questions)")}
    for name, declaration in ADDED_COLUMNS:
        if name not in present:
            db.execute(f"ALTER TABLE questions ADD COLUMN {name} {declaration}")
    db.commit()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def parse_since(text: str) -> str:
    """A date or date-time (UTC unless it says otherwise) in the log's own ISO form, for comparing."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        example = "2025-01-31 or 2025-01-31T09:00"
        raise BadRequest(f"'since' must be a date or time such as {example}, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _iso(moment)


def days_ago(days: int) -> str:
    """The moment a number of days back from now, in the log's ISO form."""
    return _iso(datetime.now(UTC) - timedelta(days=days))


def question_json(question: LoggedQuestion) -> dict[str, object]:
    data = asdict(question)
    data["cited"], data["missing"] = list(question.cited), list(question.missing)
    return data


def write_jsonl(questions: Iterable[LoggedQuestion], out: IO[str]) -> None:
    for question in questions:
        out.write(json.dumps(question_json(question), ensure_ascii=False) + "\n")


def write_csv(questions: Iterable[LoggedQuestion], out: IO[str]) -> None:
    """One row per question; text that a spreadsheet would run as a formula is quoted with a leading '."""
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(LoggedQuestion)])
    for q in questions:
        writer.writerow(
            [
                q.id,
                q.asked_at,
                _cell(q.question),
                _cell(q.searched_for),
                _yes_no(q.answered),
                " ".join(q.cited),
                "" if q.top_score is None else q.top_score,
                q.latency_ms,
                json.dumps(q.filters) if q.filters else "",
                _yes_no(q.helpful),
                _cell(q.comment),
                q.feedback_at or "",
                "" if q.evidence is None else q.evidence,
                "" if q.threshold is None else q.threshold,
                " | ".join(q.missing),
            ]
        )


def _logged(row: tuple) -> LoggedQuestion:
    id_, asked_at, question, searched_for, answered, cited, top_score, latency_ms, filters, *rest = row
    evidence, threshold, missing, helpful, comment, at = rest
    return LoggedQuestion(
        id_,
        asked_at,
        question,
        searched_for,
        bool(answered),
        tuple(json.loads(cited)),
        top_score,
        latency_ms,
        json.loads(filters),
        None if helpful is None else bool(helpful),
        comment,
        at,
        evidence,
        threshold,
        tuple(json.loads(missing)),
    )


def _filters_dict(filters: Filters) -> dict[str, object]:
    every = {
        "types": sorted(filters.types),
        "cells": sorted(filters.cells),
        "matrix": filters.matrix,
        "year_from": filters.year_from,
        "year_to": filters.year_to,
    }
    return {name: value for name, value in every.items() if value}


def _now() -> str:
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _cell(text: str) -> str:
    # A spreadsheet reads a formula past characters that show nothing, and a fullwidth ＝ as =.
    shown = unicodedata.normalize("NFKC", text).lstrip(UNSEEN)
    return "'" + text if text.startswith(SPREADSHEET_FORMULA) or shown.startswith(SPREADSHEET_FORMULA) else text


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"
