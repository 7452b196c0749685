"""The admin view: off without a token, refuses a missing or wrong one, lists and exports the log with the right one."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from matrixqa.cli import main
from matrixqa.errors import MatrixQAError
from matrixqa.search.relevance import MIN_EVIDENCE
from matrixqa.server.app import create_app

from ..conftest import live_server

TOKEN = "correct-horse-battery-staple-42"
ANSWERED = "Do zebra stripes calm the waiting room?"
NOT_COVERED = "xylophone quantum chromodynamics"
PROBE = "Do zebra stripes <img src=x onerror=alert(1)> calm the waiting room?"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def inbox(tmp_path) -> Path:
    return tmp_path / "evaluators" / "inbox.jsonl"


@pytest.fixture
def admin_app(config, inbox):
    return create_app(config.model_copy(update=dict(admin_token=TOKEN, eval_inbox=inbox)))


@pytest.fixture
def admin_client(admin_app):
    return admin_app.test_client()


class Seeded(dict):
    """Answer ids by name, and which of them were answered (the probe's depends on the embedder)."""

    answered: dict[str, bool]


@pytest.fixture
def seeded(admin_client) -> Seeded:
    """Three asks: one answered and marked not helpful with a comment, one unanswered, one markup probe."""
    ids = Seeded()
    ids.answered = {}
    for name, question in (("answered", ANSWERED), ("declined", NOT_COVERED), ("probe", PROBE)):
        body = admin_client.post("/api/ask", json={"question": question}).get_json()
        ids[name], ids.answered[name] = body["id"], body["answered"]
    assert ids.answered["answered"] and not ids.answered["declined"]
    feedback = {"id": ids["answered"], "helpful": False, "comment": "cites the wrong cell"}
    admin_client.post("/api/feedback", json=feedback)
    return ids


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admin_does_not_exist_without_a_token(client):
    assert client.get("/admin").status_code == 404
    response = client.get("/api/admin/questions", headers=bearer())
    assert response.status_code == 404 and "no such endpoint" in response.get_json()["error"]


def test_a_short_token_is_refused_at_start(config):
    with pytest.raises(MatrixQAError, match="at least 16 characters"):
        create_app(config.model_copy(update=dict(admin_token="short")))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong-token-wrong-token-wrong"),
        bearer(TOKEN[:-1]),
        bearer(TOKEN + "x"),
        bearer(""),
        bearer("é" * 20),
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"X-Admin-Token": TOKEN},
    ],
)
@pytest.mark.parametrize("path", ["/api/admin/questions", "/api/admin/questions.csv", "/api/admin/questions?limit=1"])
def test_missing_or_wrong_token_is_401_and_leaks_nothing(admin_client, seeded, headers, path):
    response = admin_client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json() == {
        "error": "admin token missing or wrong: send Authorization: Bearer <MATRIXQA_ADMIN_TOKEN>"
    }


def test_the_token_is_not_accepted_in_the_address(admin_client, seeded):
    assert admin_client.get(f"/api/admin/questions?token={TOKEN}").status_code == 401


def test_right_token_lists_questions_with_feedback(admin_client, seeded):
    response = admin_client.get("/api/admin/questions", headers=bearer())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["count"] == 3
    assert [q["id"] for q in body["questions"]] == [seeded["probe"], seeded["declined"], seeded["answered"]]
    answered = body["questions"][2]
    assert answered["question"] == ANSWERED and answered["answered"] is True and answered["cited"]
    assert answered["helpful"] is False and answered["comment"] == "cites the wrong cell"
    assert set(answered) == {
        "id",
        "asked_at",
        "question",
        "searched_for",
        "answered",
        "cited",
        "top_score",
        "latency_ms",
        "filters",
        "evidence",
        "threshold",
        "missing",
        "helpful",
        "comment",
        "feedback_at",
        "cited_passages",
    }


def test_query_parameters_select(admin_client, seeded):
    def ids(query: str) -> list[str]:
        response = admin_client.get(f"/api/admin/questions?{query}", headers=bearer())
        assert response.status_code == 200, response.get_json()
        return [q["id"] for q in response.get_json()["questions"]]

    assert ids("answered=false") == [seeded[n] for n in ("probe", "declined") if not seeded.answered[n]]
    assert ids("helpful=false") == [seeded["answered"]]
    assert ids("helpful=true") == []
    assert ids("limit=2") == [seeded["probe"], seeded["declined"]]
    assert ids("since=2999-01-01") == []
    assert len(ids("since=2000-01-01T00:00Z")) == 3
    # Lowest top score first: not the order of asking (newest first), whatever the scores are.
    listed = admin_client.get("/api/admin/questions?order=score", headers=bearer()).get_json()["questions"]
    scores = [q["top_score"] for q in listed]
    assert scores == sorted(scores) and listed[0]["id"] == seeded["declined"]
    assert [q["id"] for q in listed] != ids("order=recent")


def listed(admin_client, query: str = "") -> list[dict]:
    response = admin_client.get(f"/api/admin/questions?{query}", headers=bearer())
    assert response.status_code == 200, response.get_json()
    return response.get_json()["questions"]


def shown_as(passage: dict) -> dict:
    """How the admin table names a passage of an /api/ask reply: a study by its title, commentary by its section."""
    study, cell = passage["study"], passage["cell"]
    return {
        "id": passage["id"],
        "title": study["title"] if study else passage["section"],
        "year": study["year"] if study else None,
        "cell": f"{cell['matrix'].split()[0]} {cell['code']}",
        "url": study["url"] if study else cell["url"],
    }


def test_each_question_carries_its_decision_filters_and_cited_titles(admin_client):
    filters = {"matrix": "alcohol", "year_from": 1960}
    answered = admin_client.post("/api/ask", json={"question": ANSWERED, "filters": filters}).get_json()
    earlier = {"question": ANSWERED, "answer": answered["answer"]}
    source = admin_client.post("/api/ask", json={"question": "which study showed that?", "history": [earlier]})
    source = source.get_json()
    declined = admin_client.post("/api/ask", json={"question": "naloxone for the patients at the clinic"}).get_json()
    assert answered["answered"] and source["mode"] == "source" and not declined["answered"]
    by_id = {q["id"]: q for q in listed(admin_client)}

    logged = by_id[answered["id"]]
    # The decision's own evidence and threshold, from search/relevance.py: not the best passage's score.
    assert logged["evidence"] == pytest.approx(answered["relevance"]["evidence"], abs=1e-4)
    assert logged["threshold"] == answered["relevance"]["threshold"] == MIN_EVIDENCE
    assert logged["evidence"] != logged["top_score"] and logged["missing"] == []
    assert logged["filters"] == filters
    assert logged["cited_passages"] == [shown_as(c["passage"]) for c in answered["citations"]]
    addresses = {link["url"] for c in answered["citations"] for link in c["passage"]["links"]}
    assert {p["url"] for p in logged["cited_passages"]} <= addresses  # addresses the passages carry

    # Study entries looked up behind the previous answer: cited by title, with no decision and no score.
    logged = by_id[source["id"]]
    assert logged["evidence"] is None and logged["threshold"] is None and logged["top_score"] is None
    assert logged["cited_passages"] == [shown_as(c["passage"]) for c in source["citations"]]
    assert all(p["year"] and p["title"] for p in logged["cited_passages"])

    logged = by_id[declined["id"]]  # declined whatever the evidence: a topic the passages do not treat
    assert logged["missing"] == declined["relevance"]["missing"] and logged["missing"]


def test_a_cited_study_links_to_its_analysis_and_a_passage_gone_from_the_index_keeps_its_id(
    admin_client, config, seeded, retriever
):
    study = next(p for p in retriever.index.passages if p.study and p.study.url != p.cell.url)
    entry = study.study
    cited = json.dumps([study.id, "gone-from-the-index"])
    with sqlite3.connect(config.log_db) as db:
        db.execute("UPDATE questions SET cited = ? WHERE id = ?", (cited, seeded["answered"]))
    [logged] = [q for q in listed(admin_client) if q["id"] == seeded["answered"]]
    assert logged["cited_passages"] == [
        {"id": study.id, "title": entry.title, "year": entry.year, "cell": "Drug B3", "url": entry.url},
        {"id": "gone-from-the-index", "title": "", "year": None, "cell": "", "url": None},
    ]


def test_to_review_lists_declined_and_not_helpful_newest_first(admin_client, seeded):
    declined = [seeded[n] for n in ("probe", "declined") if not seeded.answered[n]]
    assert [q["id"] for q in listed(admin_client, "review=true")] == [*declined, seeded["answered"]]
    assert [q["id"] for q in listed(admin_client, "review=true&answered=true")] == [seeded["answered"]]
    assert len(listed(admin_client, "review=false")) == 3


def test_order_evidence_puts_the_smallest_margin_first(admin_client, seeded):
    answer = admin_client.post("/api/ask", json={"question": ANSWERED}).get_json()["answer"]
    earlier = {"question": ANSWERED, "answer": answer}
    source = admin_client.post("/api/ask", json={"question": "which study showed that?", "history": [earlier]})
    assert source.get_json()["mode"] == "source"
    ordered = listed(admin_client, "order=evidence")
    margins = [q["evidence"] - q["threshold"] for q in ordered if q["evidence"] is not None]
    assert margins == sorted(margins) and len(margins) == 4
    assert [q["id"] for q in ordered] != [q["id"] for q in listed(admin_client)]  # not the order of asking
    assert ordered[-1]["evidence"] is None  # no decision recorded: last


def to_eval(admin_client, answer_id: str, headers: dict[str, str] | None = None):
    headers = bearer() if headers is None else headers
    return admin_client.post(f"/api/admin/questions/{answer_id}/to-eval", headers=headers)


def test_to_eval_appends_the_line_the_cli_writes_once(admin_client, seeded, config, inbox, monkeypatch):
    response = to_eval(admin_client, seeded["answered"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "added" and body["file"] == str(inbox)
    monkeypatch.setenv("MATRIXQA_LOG_DB", str(config.log_db))
    cli = CliRunner().invoke(main, ["log", "to-eval", "-", "--not-helpful"])
    assert cli.exit_code == 0, cli.output
    assert inbox.read_text(encoding="utf-8") == cli.stdout == body["line"] + "\n"

    again = to_eval(admin_client, seeded["answered"])
    assert again.status_code == 200 and again.get_json()["status"] == "already in the file"
    assert inbox.read_text(encoding="utf-8") == cli.stdout

    # A person fills in the gold list; the next question goes after it, and the filled one is kept.
    filled = json.loads(cli.stdout) | {"relevant": ["Zebra stripes calm"]}
    inbox.write_text(json.dumps(filled) + "\n", encoding="utf-8")
    assert to_eval(admin_client, seeded["declined"]).status_code == 201
    lines = [json.loads(line) for line in inbox.read_text(encoding="utf-8").splitlines()]
    assert lines == [filled, {"id": f"log-{seeded['declined']}", "question": NOT_COVERED, "relevant": []}]


def test_to_eval_refuses_what_it_cannot_do(admin_client, seeded, inbox, config):
    assert to_eval(admin_client, seeded["answered"], headers={}).status_code == 401
    assert admin_client.get(f"/api/admin/questions/{seeded['answered']}/to-eval", headers=bearer()).status_code == 405
    missing = to_eval(admin_client, "no-such-answer")
    assert missing.status_code == 404 and "no-such-answer" in missing.get_json()["error"]
    inbox.parent.mkdir(parents=True)
    inbox.write_text('{"id": "q1", "question": "kept", "relevant": []}\nnot json\n', encoding="utf-8")
    broken = to_eval(admin_client, seeded["answered"])
    assert broken.status_code == 503 and "line 2 of" in broken.get_json()["error"]
    assert inbox.read_text(encoding="utf-8").endswith("not json\n")  # nothing appended to a file it cannot read
    off = create_app(config.model_copy(update=dict(admin_token=TOKEN, log_enabled=False, eval_inbox=inbox)))
    assert to_eval(off.test_client(), seeded["answered"]).status_code == 503


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=0", "'limit'"),
        ("limit=abc", "'limit'"),
        ("limit=1001", "'limit'"),
        ("limit=²", "'limit'"),  # str.isdigit() takes it; int() does not
        pytest.param("limit=" + "9" * 5000, "'limit'", id="limit=5000-digits"),  # beyond what int() converts
        ("limit=-5", "'limit'"),
        ("answered=maybe", "'answered'"),
        ("helpful=1", "'helpful'"),
        ("since=yesterday", "'since'"),
        ("order=random", "'order'"),
        ("review=yes", "'review'"),
        ("sort=score", "unknown parameter 'sort'"),
    ],
)
@pytest.mark.parametrize("path", ["/api/admin/questions", "/api/admin/questions.csv"])
def test_bad_query_parameters_are_400(admin_client, path, query, message):
    response = admin_client.get(f"{path}?{query}", headers=bearer())
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_csv_export(admin_client, seeded):
    response = admin_client.get("/api/admin/questions.csv?helpful=false", headers=bearer())
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["id"] == seeded["answered"] and row["question"] == ANSWERED
    assert (row["answered"], row["helpful"], row["comment"]) == ("yes", "no", "cites the wrong cell")


def test_log_off_is_said_only_to_the_admin(config):
    client = create_app(config.model_copy(update=dict(admin_token=TOKEN, log_enabled=False))).test_client()
    assert client.get("/api/admin/questions").status_code == 401
    response = client.get("/api/admin/questions", headers=bearer())
    assert response.status_code == 503 and "MATRIXQA_LOG=off" in response.get_json()["error"]


def test_admin_page_holds_no_data_and_no_inline_script(admin_client, seeded):
    response = admin_client.get("/admin")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert ANSWERED not in page and "zebra" not in page.lower()
    assert '<script src="/static/admin.js"' in page and "<script>" not in page
    assert not re.search(r"\son[a-z]+\s*=", page)  # no inline event handlers either


@pytest.fixture
def served(admin_app):
    """The admin app on a real WSGI server on a free loopback port."""
    with live_server(admin_app) as url:
        yield url


@pytest.mark.browser
def test_admin_page_in_a_browser(served, seeded, browser):
    problems: list[str] = []
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
        page.goto(f"{served}/admin")

        page.get_by_label("Admin token").fill("not-the-token-at-all")
        page.get_by_role("button", name="Open the log").click()
        page.get_by_text("The token was refused").wait_for()
        assert page.evaluate("sessionStorage.length") == 0
        problems = [p for p in problems if "401" not in p]  # the refused request itself is logged by Chromium

        page.get_by_label("Admin token").fill(TOKEN)
        page.get_by_role("button", name="Open the log").click()
        recent = page.locator("#recent")
        recent.get_by_text(PROBE).wait_for()
        assert recent.locator("img").count() == 0  # the probe shows as text, never as markup
        unanswered = sum(not flag for flag in seeded.answered.values())
        assert page.locator("#review tbody tr").count() == unanswered + 1  # and the one marked not helpful
        assert page.locator("#review").get_by_text(NOT_COVERED).count() == 1
        assert page.locator("#review").get_by_text("not helpful: cites the wrong cell").count() == 1
        assert page.locator("#low tbody tr").count() == 3 - unanswered  # answered ones, least evidence first
        assert page.evaluate("sessionStorage.getItem('matrixqa-admin-token')") == TOKEN
        assert page.evaluate("localStorage.length") == 0 and page.evaluate("document.cookie") == ""

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # wide tables scroll inside
        page.screenshot(path=str(ARTIFACTS / "admin-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})

        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert {r["id"] for r in rows} == set(seeded.values())

        page.reload()  # the token survives a reload of the same tab
        recent.get_by_text(ANSWERED).first.wait_for()
        other_tab = context.new_page()
        other_tab.goto(f"{served}/admin")
        assert other_tab.evaluate("sessionStorage.length") == 0  # but no other tab sees it
        other_tab.close()

        page.get_by_role("button", name="Forget token").click()
        assert page.evaluate("sessionStorage.length") == 0
        assert page.get_by_label("Admin token").is_visible()
    finally:
        context.close()
    assert problems == []
