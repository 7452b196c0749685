"""The admin page in a browser: each question's decision against its threshold, its filters and its cited titles;
the declined and not-helpful ones newest first, each turned into an evaluation question in one click; no axe-core
violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from matrixqa.server.app import create_app

from .conftest import ARTIFACTS, PHONE, serving
from .test_phone import axe_violations

pytestmark = pytest.mark.browser

TOKEN = "correct-horse-battery-staple-42"
ANSWERED = "Do zebra stripes calm the waiting room?"
FILTERS = {"cells": ["D4"], "year_from": 1960}
DECLINED = "xylophone quantum chromodynamics"
NOT_TREATED = "naloxone for the patients at the clinic"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "evaluators" / "inbox.jsonl"


@pytest.fixture
def admin(config, inbox: Path) -> Iterator[tuple[str, list[dict]]]:
    """The admin app served, and the replies to what was asked of it, oldest first."""
    app = create_app(config.model_copy(update=dict(admin_token=TOKEN, eval_inbox=inbox)))
    client = app.test_client()
    replies = []
    for body in (
        {"question": ANSWERED, "filters": FILTERS},
        {"question": DECLINED},
        {"question": ANSWERED},
        {"question": NOT_TREATED},
    ):
        replies.append(client.post("/api/ask", json=body).get_json())
    assert [r["answered"] for r in replies] == [True, False, True, False]
    client.post("/api/feedback", json={"id": replies[0]["id"], "helpful": False, "comment": "wrong cell"})
    client.post("/api/feedback", json={"id": replies[2]["id"], "helpful": True})
    with serving(app) as url:
        yield url, replies


def open_log(page: Page, url: str) -> None:
    page.goto(f"{url}/admin")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Open the log").click()
    expect(page.locator("#review tbody tr").first).to_be_visible()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot under test-artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def row_of(table: Locator, question: str) -> Locator:
    return table.locator("tbody tr").filter(has=table.page.get_by_text(question, exact=True))


def test_the_log_shows_each_decision_its_filters_and_its_cited_titles(page: Page, admin) -> None:
    url, replies = admin
    open_log(page, url)
    answered = replies[0]
    row = row_of(page.locator("#recent"), ANSWERED).filter(has_text="wrong cell")
    relevance = answered["relevance"]
    # The decision's evidence beside the threshold it needed, as the API reported them: not a top score.
    expect(row.locator("td").nth(3)).to_contain_text(f"{relevance['evidence']:.3f} ({relevance['threshold']:.3f})")
    expect(row.locator("td").nth(3)).to_contain_text("reached")
    expect(row.locator("td").nth(4)).to_have_text("cells D4; from 1960")
    links = row.locator("td.cited a")
    cited = [c["passage"] for c in answered["citations"]]
    expect(links).to_have_count(len(cited))
    for link, passage in zip(links.all(), cited, strict=True):
        study = passage["study"]
        title = f"{study['title']} ({study['year']})" if study else passage["section"]
        expect(link).to_have_text(title)
        expect(link).to_have_attribute("href", study["url"] if study else passage["cell"]["url"])
    # Declined whatever the evidence: the topic the answering passages do not treat is named.
    missing = replies[3]["relevance"]["missing"]
    expect(row_of(page.locator("#recent"), NOT_TREATED)).to_contain_text(f"not treated: {', '.join(missing)}")
    expect(row_of(page.locator("#recent"), DECLINED).locator("td").nth(4)).to_have_text("none")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    shot(page, "admin-phone")


def test_declined_and_not_helpful_newest_first_each_turned_into_an_evaluation_question(
    page: Page, admin, inbox: Path
) -> None:
    url, replies = admin
    open_log(page, url)
    review = page.locator("#review")
    expect(review.locator("tbody td.question")).to_have_text([NOT_TREATED, DECLINED, ANSWERED])

    row_of(review, DECLINED).get_by_role("button", name="Turn into an evaluation question").click()
    line = {"id": f"log-{replies[1]['id']}", "question": DECLINED, "relevant": []}
    expect(row_of(review, DECLINED)).to_contain_text(f"Added to {inbox}")
    expect(row_of(review, DECLINED).locator("code")).to_have_text(json.dumps(line, ensure_ascii=False))
    assert [json.loads(x) for x in inbox.read_text(encoding="utf-8").splitlines()] == [line]

    row_of(review, ANSWERED).get_by_role("button", name="Turn into an evaluation question").click()
    expect(row_of(review, ANSWERED)).to_contain_text(f"Added to {inbox}")
    assert len(inbox.read_text(encoding="utf-8").splitlines()) == 2
    assert axe_violations(page) == []
    shot(page, "admin-review")

    page.reload()  # the same question again: the file keeps it once
    row_of(review, DECLINED).get_by_role("button", name="Turn into an evaluation question").click()
    expect(row_of(review, DECLINED)).to_contain_text(f"Already in {inbox}")
    assert len(inbox.read_text(encoding="utf-8").splitlines()) == 2
