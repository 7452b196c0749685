"""The chat page in a real browser: asking, citations, follow-ups, filters, inspector, feedback, layout."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

ZEBRA = "do zebra stripes in the waiting room help counselling?"
ZEBRA_TRIAL = (
    "Invented trial in which painting waiting rooms with zebra stripes halved missed counselling appointments."
)
D4 = "Alcohol Treatment Matrix cell D4: Organisational functioning; Psychosocial therapies"
PROBE = "<img src=x onerror=alert(1)>"
STALE = "the index is stale: run `matrixqa build` to rebuild it"


@dataclass
class Turn:
    sent: dict[str, Any]  # the body the page posted to /api/ask
    payload: dict[str, Any]  # what the API answered
    answer: Locator  # the answer as shown


def send_and_wait(page: Page, send) -> Turn:
    """Run send (which submits a question), then wait for the API's answer and its rendering."""
    turns = page.locator("#turns > li")
    before = turns.count()
    with page.expect_response("**/api/ask") as response_info:
        send()
    response = response_info.value
    expect(turns).to_have_count(before + 1)
    answer = turns.nth(before).locator(".answer")
    expect(answer).to_be_visible()
    return Turn(response.request.post_data_json, response.json(), answer)


def ask(page: Page, question: str) -> Turn:
    page.fill("#question", question)
    return send_and_wait(page, lambda: page.press("#question", "Enter"))


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Every element with text of its own, within root, whose text contrasts less than WCAG AA asks.
LOW_CONTRAST = """(root) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of root.querySelectorAll('*')) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !element.checkVisibility() || element.closest('.visually-hidden')) continue;
    const style = getComputedStyle(element);
    const [l1, l2] = [luminance(rgba(style.color)), luminance(background(element))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) failures.push(`${ratio.toFixed(2)} ${element.tagName}.${element.className}`);
  }
  return failures;
}"""


def open_panel(page: Page, panel: str) -> None:
    """Unfold a side panel (the matrix view starts unfolded on a wide screen; on a phone both fold into one)."""
    if not page.locator("#tools-fold").evaluate("details => details.open"):
        page.click("#tools-fold > summary")
    if not page.locator(panel).evaluate("details => details.open"):
        page.click(f"{panel} summary")


def inspect(turn: Turn) -> Locator:
    """Turn the evaluator tools on (they are off until asked for), then open an answer's inspector."""
    tools = turn.answer.page.locator("#evaluator-tools")
    if not tools.is_checked():
        tools.check()
    toggle = turn.answer.get_by_role("button", name="Inspect retrieval")
    toggle.click()
    return toggle


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until target has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_ask_shows_searching_then_a_cited_answer(page: Page, base_url: str) -> None:
    page.goto(base_url)
    held = []
    page.route("**/api/ask", lambda route: held.append(route))
    page.fill("#question", ZEBRA)
    page.press("#question", "Enter")
    expect(page.locator(".searching")).to_have_text("Searching the matrices…")
    expect(page.locator("#ask-button")).to_be_disabled()
    expect(page.locator("#question")).to_have_value("")
    while not held:
        page.wait_for_timeout(20)
    with page.expect_response("**/api/ask") as response_info:
        held[0].continue_()
    payload = response_info.value.json()

    answer = page.locator("#turns .answer")
    expect(answer.locator(".answer-text")).to_contain_text(ZEBRA_TRIAL)
    expect(page.locator(".searching")).to_have_count(0)
    expect(page.locator("#ask-button")).to_be_enabled()
    expect(answer.locator(".lead")).to_have_text(payload["lead"])
    # One marker per cited sentence, and one listed source per citation, numbered as cited.
    expect(answer.locator("button.marker")).to_have_count(payload["answer"].count(" ["))
    sources = answer.locator("li.source")
    expect(sources).to_have_count(len(payload["citations"]))
    first = sources.first
    expect(first.locator(".source-number")).to_have_text("[1]")
    expect(first.locator(".badge")).to_have_class("badge badge-S")
    expect(first.locator(".badge")).to_have_attribute("title", "Seminal study")
    expect(first.locator(".source-title")).to_have_text("Zebra stripes calm the waiting room (1971)")
    expect(first.locator(".source-where")).to_contain_text("Alcohol Treatment Matrix cell D4")
    link = first.locator(".source-links a").first
    expect(link).to_have_attribute("href", payload["citations"][0]["passage"]["links"][0]["url"])
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("#announcer")).to_contain_text(ZEBRA_TRIAL)


def test_citation_opens_the_passage_in_its_section(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, "do stripes distract clients or make them dizzy?")
    citation = turn.payload["citations"][0]
    cell_title = f"Alcohol Treatment Matrix cell D4: {citation['passage']['cell']['title']}"
    marker = turn.answer.locator("button.marker").first
    marker.click()

    dialog = page.locator("#passage-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#passage-close")).to_be_focused()
    expect(page.locator("#passage-heading")).to_contain_text("Source [1]")
    expect(page.locator("#passage-section")).to_have_text(citation["passage"]["section"])
    expect(page.locator("#passage-where")).to_have_text(re.compile(f"{re.escape(cell_title)}$"))
    expect(dialog.locator(".context-current")).to_have_text(citation["passage"]["text"])
    expect(dialog.locator("mark.cited")).to_have_text(citation["sentences"])
    cell = citation["passage"]["cell"]
    expect(page.locator("#passage-origin")).to_contain_text(cell["acknowledgement"])
    expect(page.locator("#passage-origin a")).to_have_attribute("href", cell["url"])
    screenshot(page, "desktop-citation", full_page=False)

    context = page.request.get(f"{page.url.rstrip('/')}/api/passages/{citation['passage']['id']}/context").json()
    assert len(context["paragraphs"]) > 1, "the test needs a cited passage with neighbours"
    page.click("#passage-context-toggle")
    expect(page.locator("#passage-context-toggle")).to_have_attribute("aria-expanded", "true")
    neighbours = [p["text"] for p in context["paragraphs"] if not p["current"]]
    expect(dialog.locator(".context-neighbour")).to_have_text(neighbours)

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(marker).to_be_focused()


def test_follow_up_sends_the_conversation_and_new_conversation_forgets_it(page: Page, base_url: str) -> None:
    page.goto(base_url)
    first = ask(page, ZEBRA)
    assert first.sent["history"] == []
    page.check("#detail-long")
    follow_up = ask(page, "which study showed that?")
    assert follow_up.sent["detail"] == "long"
    assert follow_up.sent["history"] == [{"question": ZEBRA, "answer": first.payload["answer"]}]
    assert ZEBRA in follow_up.payload["searched_for"]
    expect(follow_up.answer.locator("li.source")).not_to_have_count(0)

    suggestion = first.answer.locator(".suggestions button").first
    question = suggestion.inner_text()
    suggested = send_and_wait(page, suggestion.click)
    assert suggested.sent["question"] == question
    assert len(suggested.sent["history"]) == 2

    page.click("#new-conversation")
    expect(page.locator("#turns > li")).to_have_count(0)
    expect(page.locator("#welcome")).to_be_visible()
    expect(page.locator("#question")).to_be_focused()
    assert ask(page, ZEBRA).sent["history"] == []


def test_filters_apply_to_the_next_question_and_show_when_active(page: Page, base_url: str) -> None:
    page.goto(base_url)
    expect(page.locator("#active-filters")).to_be_hidden()
    open_panel(page, "#filters-panel")
    page.get_by_label("Seminal studies").check()
    page.select_option("#filter-cell", label=D4)
    expect(page.locator("#active-filters")).to_be_visible()
    expect(page.locator("#active-filters-text")).to_have_text("Seminal study · Alcohol Treatment Matrix cell D4")
    expect(page.locator("#filters-count")).to_have_text(" (2 on)")

    turn = ask(page, "waiting rooms")
    assert turn.sent["filters"] == {"types": ["S"], "matrix": "Alcohol Treatment Matrix", "cells": ["D4"]}
    assert turn.payload["passages"], "the filters should leave the seminal study of D4"
    assert {(p["cell"]["code"], p["study"]["type"]) for p in turn.payload["passages"]} == {("D4", "S")}
    inspect(turn)
    expect(turn.answer.locator(".inspector-meta")).to_contain_text("Seminal study · Alcohol Treatment Matrix cell D4")

    page.fill("#year-from", "19x")
    expect(page.locator("#filters-error")).to_have_text("A year filter must be a four-digit year such as 2010.")
    page.fill("#question", "waiting rooms")
    page.press("#question", "Enter")
    expect(page.locator("#form-error")).to_contain_text("Fix the filters first")
    expect(page.locator("#turns > li")).to_have_count(1)

    page.fill("#year-from", "1970")
    page.fill("#year-to", "1975")
    expect(page.locator("#active-filters-text")).to_contain_text("years 1970 to 1975")
    assert ask(page, "waiting rooms").sent["filters"]["year_from"] == 1970

    page.click("#clear-active-filters")
    expect(page.locator("#active-filters")).to_be_hidden()
    expect(page.get_by_label("Seminal studies")).not_to_be_checked()
    assert ask(page, "waiting rooms").sent["filters"] == {}


def test_years_the_other_way_round_are_searched_as_the_years_between_them(page: Page, base_url: str) -> None:
    page.goto(base_url)
    open_panel(page, "#filters-panel")
    page.fill("#year-from", "2003")
    page.fill("#year-to", "1980")
    expect(page.locator("#filters-error")).to_be_hidden()
    turn = ask(page, "counsellors")
    assert turn.sent["filters"] == {"year_from": 2003, "year_to": 1980}  # as typed: the API reads the range
    assert turn.payload["filters"]["year_from"] == 1980 and turn.payload["filters"]["year_to"] == 2003
    assert turn.payload["passages"] and all(1980 <= p["study"]["year"] <= 2003 for p in turn.payload["passages"])
    expect(turn.answer.locator(".searched-filters")).to_have_text("Searched with filters: years 1980 to 2003")
    inspect(turn)
    expect(turn.answer.locator(".inspector-meta")).to_contain_text("years 1980 to 2003")

    page.click("#clear-active-filters")
    expect(ask(page, "counsellors").answer.locator(".searched-filters")).to_have_count(0)


def test_a_question_the_filters_keep_from_its_evidence_names_them_and_offers_to_clear_them(
    page: Page, base_url: str
) -> None:
    page.goto(base_url)
    open_panel(page, "#filters-panel")
    page.select_option("#filter-cell", label="Drug Treatment Matrix cell B3: Practitioners; Medical treatment")
    page.fill("#year-from", "2015")
    page.fill("#year-to", "2020")
    turn = ask(page, ZEBRA)  # the fake alcohol cell D4 answers it; B3's studies of those years do not
    assert turn.payload["answered"] is False and turn.payload["decline"]["filtered"]["cited_without"] >= 1
    declined = turn.answer.locator(".not-covered")
    expect(declined).to_contain_text(
        "Your filters (cell B3 of the Drug Treatment Matrix; studies from 2015 to 2020) leave out the evidence"
    )
    expect(declined).not_to_contain_text("does not cover")
    again = send_and_wait(page, lambda: declined.get_by_role("button", name="Clear filters and ask again").click())
    assert again.sent["question"] == ZEBRA and again.sent["filters"] == {}
    assert again.payload["answered"] is True
    expect(page.locator("#active-filters")).to_be_hidden()


def test_a_question_naming_a_cell_the_corpus_lacks_links_to_its_page(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, "what does alcohol E5 say?")
    assert turn.payload["answered"] is False
    link = turn.answer.locator(".not-covered").get_by_role(
        "link", name="Alcohol Treatment Matrix cell E5: Treatment systems; Safeguarding the community"
    )
    expect(link).to_have_attribute("href", "https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/E5.htm")


def test_matrix_view_marks_the_cells_present_and_restricts_to_one(page: Page, base_url: str) -> None:
    page.goto(base_url)
    expect(page.locator("#matrix-panel")).to_have_attribute("open", "")
    expect(page.locator("table.matrix caption")).to_have_text(["Drug Treatment Matrix", "Alcohol Treatment Matrix"])
    expect(page.locator(".matrix-cell.present")).to_have_count(2)
    expect(page.locator(".matrix-cell.absent")).to_have_count(48)
    alcohol = page.locator("table.matrix").nth(1)
    d4 = alcohol.get_by_role("button", name="D4: organisational functioning in psychosocial therapies, in the corpus")
    # Nothing looks chosen before it is: a present cell is drawn as a chosen one is only once chosen.
    background = "element => getComputedStyle(element).backgroundColor"
    expect(page.locator(".matrix-cell[aria-pressed='true']")).to_have_count(0)
    unchosen = d4.evaluate(background)
    d4.click()
    expect(d4).to_have_attribute("aria-pressed", "true")
    assert d4.evaluate(background) != unchosen
    # A cell not in the corpus says so when chosen, with the command that adds it from its page on the site.
    a1 = page.locator("table.matrix").first.get_by_role("button", name="A1: interventions in reducing harm, not in")
    a1.click()
    address = "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/A1.htm"
    note = "Drug Treatment Matrix cell A1 (interventions in reducing harm) is not in this corpus"
    expect(page.locator("#matrix-note")).to_contain_text(note)
    expect(page.locator("#matrix-note .command")).to_have_text(f'matrixqa add "{address}" --build')
    expect(page.locator("#matrix-note a")).to_have_attribute("href", address)
    expect(d4).to_have_attribute("aria-pressed", "true")  # the note changes no filter
    expect(page.locator("#active-filters-text")).to_have_text("Alcohol Treatment Matrix cell D4")
    open_panel(page, "#filters-panel")
    screenshot(page, "desktop-panels")

    turn = ask(page, "counsellors and patience")
    assert turn.sent["filters"] == {"matrix": "Alcohol Treatment Matrix", "cells": ["D4"]}
    assert {p["cell"]["code"] for p in turn.payload["passages"]} == {"D4"}
    d4.click()
    expect(d4).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#active-filters")).to_be_hidden()


def score(hit: Locator, name: str) -> Locator:
    """The value the inspector shows under a name for one retrieved passage."""
    return hit.locator(f".scores dt:text-is('{name}') + dd")


def read_download(page: Page, button: Locator) -> str:
    with page.expect_download() as download_info:
        button.click()
    return open(download_info.value.path(), encoding="utf-8").read()


def test_inspector_lists_every_retrieved_passage_and_exports_them(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, ZEBRA)
    toggle = inspect(turn)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    inspector = turn.answer.locator(".inspector")
    passages = turn.payload["passages"]
    cited = {c["passage"]["id"]: c["n"] for c in turn.payload["citations"]}
    hits = inspector.locator(".hits > li")
    expect(hits).to_have_count(len(passages))
    expect(hits.locator(".hit-rank")).to_have_text([f"#{p['rank']}" for p in passages])
    expect(inspector.locator(".hit.cited")).to_have_count(len(cited))
    evidence = passages[0]["evidence"]
    # One rank (#n, the place in the results); the fused score's own place only where the two differ.
    for hit, passage in zip(hits.all(), passages, strict=True):
        fused = f"{passage['score']:.3f}"
        if passage["evidence"]["fused_rank"] != passage["rank"]:
            fused += f" ({passage['evidence']['fused_rank']} by fused score alone)"
        expect(score(hit, "Fused score")).to_have_text(fused)
    expect(score(hits.first, "Dense score")).to_have_text(f"{evidence['dense_score']:.3f}")
    expect(score(hits.first, "Lexical score")).to_have_text(f"{evidence['lexical_score']:.3f}")
    expect(score(hits.first, "Coverage of the question words")).to_have_text(f"{evidence['coverage']:.3f}")
    expect(score(hits.first, "Fused rank")).to_have_count(0)
    expect(hits.first.locator("mark.term").first).to_have_text("Zebra")
    relevance = turn.payload["relevance"]
    # The rule's inputs and threshold as the API sends them from search/relevance.py, not restated by the page.
    expect(inspector.locator(".decision")).to_have_text(
        f"Answered: evidence = best sentence {relevance['sentence_score']:.3f} + {relevance['coverage_weight']} × "
        f"coverage {relevance['coverage']:.3f} = {relevance['evidence']:.3f}, which reaches the "
        f"{relevance['threshold']} needed"
    )

    exported = json.loads(read_download(page, inspector.get_by_role("button", name="Export JSON")))
    assert exported["answer_id"] == turn.payload["id"]
    assert exported["relevance"] == relevance
    assert exported["question"] == ZEBRA
    assert [p["id"] for p in exported["passages"]] == [p["id"] for p in passages]
    assert {p["id"]: p["cited_as"] for p in exported["passages"] if "cited_as" in p} == cited
    assert exported["passages"][0]["matched_terms"] == evidence["matched_terms"]
    assert any("zebra" in term for term in evidence["matched_terms"])

    exported_csv = read_download(page, inspector.get_by_role("button", name="Export CSV"))
    # A byte-order mark, so that a spreadsheet reads the file as UTF-8 and "›" and "≈" survive.
    assert exported_csv.startswith("\ufeffanswered,evidence,threshold,")
    rows = list(csv.DictReader(io.StringIO(exported_csv.removeprefix("\ufeff"))))
    assert {(row["answered"], float(row["evidence"]), float(row["threshold"])) for row in rows} == {
        ("true", relevance["evidence"], relevance["threshold"])
    }
    assert exported["answered"] is True and exported["evidence"] == relevance["evidence"]
    assert exported["threshold"] == relevance["threshold"] and exported["coverage"] == relevance["coverage"]
    assert [row["id"] for row in rows] == [p["id"] for p in passages]
    assert [row["text"] for row in rows] == [p["text"] for p in passages]
    assert [float(row["passage_coverage"]) for row in rows] == [p["evidence"]["coverage"] for p in passages]
    assert {row["id"]: int(row["cited_as"]) for row in rows if row["cited_as"]} == cited

    toggle.click()
    expect(inspector).to_be_hidden()


def test_the_answer_and_the_inspector_show_how_the_question_was_read(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, "do zebra stripse in the waitng room help?")
    assert turn.payload["relevance"]["corrected"] == ["stripse → stripes", "waitng → waiting"]
    words = ", ".join(turn.payload["reading"]["words"])
    assert "stripes" in words and "stripse" not in words
    shown = f"Read as: {words} (stripse → stripes; waitng → waiting)"
    expect(turn.answer.locator("p.reading")).to_have_text(shown)
    inspect(turn)
    expect(turn.answer.locator(".inspector dd.reading")).to_have_text(shown.removeprefix("Read as: "))
    # Read as written: the answer says nothing of it, the inspector still does.
    plain = ask(page, ZEBRA)
    expect(plain.answer.locator("p.reading")).to_have_count(0)
    inspect(plain)
    expect(plain.answer.locator(".inspector dd.reading")).to_have_text(", ".join(plain.payload["reading"]["words"]))
    expect(plain.answer.locator(".inspector dd.parts")).to_have_count(0)
    # A question joining two asks is searched in its parts too: the inspector names them.
    joined = ask(page, "Do methadone patients do better with a good prescriber, and does the waiting room matter?")
    inspect(joined)
    parts = "Do methadone patients do better with a good prescriber | does the waiting room matter?"
    expect(joined.answer.locator(".inspector dd.parts")).to_have_text(parts)


def test_inspector_says_why_a_question_was_not_answered(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, "xylophone quantum chromodynamics")
    assert turn.payload["answered"] is False
    inspect(turn)
    decision = turn.answer.locator(".inspector .decision")
    expect(decision).to_contain_text("Not answered: evidence = best sentence ")
    expect(decision).to_contain_text(f"which is below the {turn.payload['relevance']['threshold']} needed")
    expect(decision).to_contain_text("words no passage uses: xylophone")
    turn = ask(page, "naloxone for the patients at the clinic")
    inspect(turn)
    decision = turn.answer.locator(".inspector .decision")
    expect(decision).to_contain_text("declined whatever the evidence: the answering passages do not treat naloxone")


def test_inspector_shows_no_figures_for_study_entries_looked_up_rather_than_searched(page: Page, base_url: str) -> None:
    page.goto(base_url)
    ask(page, ZEBRA)
    turn = ask(page, "which study showed that?")
    assert turn.payload["mode"] == "source"
    assert all(p["evidence"] is None and p["score"] is None for p in turn.payload["passages"])
    inspect(turn)
    hits = turn.answer.locator(".hits > li")
    expect(hits.first.locator(".scores")).to_have_text("Scores: not searched: the sources of the previous answer")
    expect(hits.locator("dl.scores")).to_have_count(0)
    expect(turn.answer.locator(".decision")).to_contain_text("not searched: the sources of the previous answer")


def test_a_failed_request_says_why_and_can_be_tried_again(page: Page, base_url: str, problems: list[str]) -> None:
    page.goto(base_url)
    failing = {"left": 1}

    def fail_once(route):
        if failing["left"]:
            failing["left"] -= 1
            route.fulfill(status=503, json={"error": STALE})
        else:
            route.continue_()

    page.route("**/api/ask", fail_once)
    page.fill("#question", ZEBRA)
    with page.expect_console_message(lambda message: "status of 503" in message.text):
        page.press("#question", "Enter")
    failure = page.locator(".failure")
    expect(failure).to_contain_text(f"No answer could be fetched: {STALE}")
    expect(page.locator("#ask-button")).to_be_enabled()
    with page.expect_response("**/api/ask") as response_info:
        failure.get_by_role("button", name="Try again").click()
    assert response_info.value.request.post_data_json["question"] == ZEBRA
    expect(page.locator("#turns > li")).to_have_count(1)
    expect(page.locator("#turns .answer-text")).to_contain_text(ZEBRA_TRIAL)
    # The browser reports the 503 it was served; that one was the point of the test.
    problems[:] = [p for p in problems if "status of 503" not in p]


def test_feedback_is_sent_with_the_answer_id(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, ZEBRA)
    feedback = turn.answer.locator(".feedback")
    expect(feedback.get_by_label("Comment (optional)")).to_be_hidden()
    not_helpful = feedback.get_by_role("button", name="Not helpful")
    not_helpful.click()
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    feedback.get_by_label("Comment (optional)").fill(f"Too short {PROBE}")
    with page.expect_response("**/api/feedback") as response_info:
        feedback.get_by_role("button", name="Send feedback").click()
    response = response_info.value
    assert response.status == 201
    sent = response.request.post_data_json
    assert sent == {"id": turn.payload["id"], "helpful": False, "comment": f"Too short {PROBE}"}
    expect(feedback.locator(".feedback-status")).to_have_text("Thank you: your feedback was sent.")
    expect(feedback.get_by_role("button", name="Send feedback")).to_be_disabled()


def test_markup_in_a_question_is_shown_as_text(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?q={quote(PROBE)}")
    expect(page.locator(".question-text")).to_have_text(PROBE)
    expect(page.locator(".answer .not-covered")).to_contain_text("does not cover that question")
    turn = ask(page, PROBE)
    expect(page.locator(".question-text").last).to_have_text(PROBE)
    inspect(turn)
    expect(turn.answer.locator(".inspector-meta dd").first).to_have_text(PROBE)
    expect(page.locator("img")).to_have_count(0)  # the page's own icon is a <link>, so any <img> came from text


def test_keyboard_alone_can_ask_read_and_rate_with_named_controls_in_good_contrast(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#question")).to_be_focused()
    page.keyboard.type("zebra stripes")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("in the waiting room")
    expect(page.locator("#question")).to_have_value("zebra stripes\nin the waiting room")
    turn = send_and_wait(page, lambda: page.keyboard.press("Enter"))
    assert turn.sent["question"] == "zebra stripes\nin the waiting room"

    marker = turn.answer.locator("button.marker").first
    tab_to(page, marker)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused control shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.locator("#passage-dialog")).to_be_visible()
    tab_to(page, page.locator("#passage-context-toggle"))
    page.keyboard.press("Enter")
    expect(page.locator("#passage-context-toggle")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(marker).to_be_focused()

    helpful = turn.answer.get_by_role("button", name="Helpful", exact=True)
    tab_to(page, helpful)
    page.keyboard.press("Space")
    expect(helpful).to_have_attribute("aria-pressed", "true")

    open_panel(page, "#matrix-panel")
    open_panel(page, "#filters-panel")
    inspect(turn)
    assert page.evaluate(LOW_CONTRAST, page.locator("body").element_handle()) == []
    turn.answer.locator("button.marker").first.click()
    assert page.evaluate(LOW_CONTRAST, page.locator("#passage-dialog").element_handle()) == []
    page.keyboard.press("Escape")
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
            .filter((e) => e.offsetParent !== null)
            .filter((e) => {
              const labelled = e.getAttribute('aria-labelledby');
              const name = e.getAttribute('aria-label')
                || (labelled && document.getElementById(labelled)?.textContent)
                || [...(e.labels || [])].map((l) => l.textContent).join('')
                || e.textContent || e.title;
              return !name.trim();
            })
            .map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []


def test_answer_copies_as_plain_text_with_its_sources(page: Page, base_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"{base_url}/?q={quote(ZEBRA)}")
    expect(page.locator(".answer")).to_be_visible()
    turn = ask(page, ZEBRA)
    expect(turn.answer.locator(".permalink")).to_have_attribute("href", f"{base_url}/?q={quote(ZEBRA, safe='')}")
    turn.answer.get_by_role("button", name="Copy answer").click()
    expect(turn.answer.locator(".action-status")).to_have_text("Answer and sources copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"Question: {ZEBRA}\n\n{turn.payload['lead']}\n{turn.payload['answer']}\n\nSources:\n")
    assert "[1] S: Zebra stripes calm the waiting room (1971). Alcohol Treatment Matrix cell D4" in copied
    # The closing line acknowledges every cell the answer cites.
    assert (
        "Drug and Alcohol Findings Effectiveness Bank, Alcohol Treatment Matrix cell D4"
        in copied.rstrip().splitlines()[-1]
    )


def test_phone_layout_has_no_sideways_scrolling(phone: Page, base_url: str) -> None:
    phone.goto(base_url)
    assert no_sideways_scroll(phone)
    open_panel(phone, "#filters-panel")
    open_panel(phone, "#matrix-panel")
    phone.select_option("#filter-cell", label=D4)
    assert no_sideways_scroll(phone)
    screenshot(phone, "phone-panels")
    turn = ask(phone, ZEBRA)
    inspect(turn)
    assert no_sideways_scroll(phone)
    turn.answer.locator("button.marker").first.click()
    phone.click("#passage-context-toggle")
    expect(phone.locator("#passage-context-status")).not_to_be_empty()
    assert no_sideways_scroll(phone)


@pytest.mark.model
def test_real_model_answers_the_example_question(page: Page, real_base_url: str) -> None:
    page.goto(real_base_url)
    screenshot(page, "desktop-empty")
    example = page.get_by_role("button", name="does supervised dosing harm relationships?")
    turn = send_and_wait(page, example.click)
    assert turn.sent["question"] == "does supervised dosing harm relationships?"
    assert turn.payload["answered"] and turn.payload["citations"]
    expect(turn.answer.locator("li.source")).to_have_count(len(turn.payload["citations"]))
    screenshot(page, "desktop-answer")
    # Each marker opens a passage in which the sentences it stands for are highlighted.
    for citation in turn.payload["citations"]:
        turn.answer.locator("button.marker", has_text=f"[{citation['n']}]").first.click()
        expect(page.locator("#passage-dialog mark.cited")).to_have_text(citation["sentences"])
        if citation["n"] == 1:
            page.click("#passage-context-toggle")
            expect(page.locator("#passage-context-status")).not_to_be_empty()
            screenshot(page, "desktop-passage", full_page=False)
        page.keyboard.press("Escape")
    inspect(turn)
    screenshot(page, "desktop-inspector")


@pytest.mark.model
def test_real_model_on_a_phone(phone: Page, real_base_url: str) -> None:
    phone.goto(real_base_url)
    screenshot(phone, "phone-empty")
    turn = ask(phone, "does supervised dosing harm relationships?")
    assert turn.payload["answered"]
    assert no_sideways_scroll(phone)
    screenshot(phone, "phone-answer")
    turn.answer.locator("button.marker").first.click()
    phone.click("#passage-context-toggle")
    expect(phone.locator("#passage-context-status")).not_to_be_empty()
    assert no_sideways_scroll(phone)
    screenshot(phone, "phone-passage", full_page=False)


def test_a_cited_study_shows_its_authors_and_both_links(page: Page, base_url: str) -> None:
    page.goto(base_url)
    turn = ask(page, "Quasi-randomisation reveals methadone counsellor is an active ingredient: what was found?")
    cited = [c["passage"] for c in turn.payload["citations"]]
    entry = next((p for p in cited if p["study"] and p["study"]["year"] == 1988), None)
    assert entry, "the test needs the 1988 entry among the citations"
    source = turn.answer.locator("li.source", has_text="Quasi-randomisation reveals methadone counsellor")
    expect(source.locator(".source-authors")).to_have_text(f"{entry['study']['authors']}. {entry['study']['journal']}")
    links = source.locator(".source-links a")
    expect(links.nth(0)).to_contain_text("Effectiveness Bank analysis: Quasi-randomisation")
    expect(links.nth(0)).to_have_attribute("href", entry["links"][0]["url"])
    expect(links.nth(1)).to_contain_text("Original publication: Is the counselor")
    expect(links.nth(1)).to_have_attribute("href", entry["study"]["publication_url"])
