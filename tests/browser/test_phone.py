"""The chat page on a phone (375 x 812): the question box in reach, targets big enough, and no axe-core violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from matrixqa.settings import PROJECT_ROOT

from .conftest import DOC_SCREENSHOTS, screenshot
from .test_page import ZEBRA, ask, inspect, no_sideways_scroll, open_panel

pytestmark = pytest.mark.browser

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
MIN_TARGET = 24  # px each way: WCAG 2.2's least target size (2.5.8)
QUESTIONS = [ZEBRA, "do stripes distract clients or make them dizzy?", "xylophone quantum chromodynamics"]

# Whether the question box is on screen and not covered: the element at its middle is the box itself.
IN_REACH = """(box) => {
  const r = box.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth) return false;
  return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === box;
}"""
# Every visible button (the [n] markers among them) smaller than the least target, with its size.
SMALL_TARGETS = """(least) => [...document.querySelectorAll('button')]
  .filter((b) => b.checkVisibility())
  .map((b) => [b, b.getBoundingClientRect()])
  .filter(([, r]) => r.width < least || r.height < least)
  .map(([b, r]) => `${b.textContent.trim().slice(0, 30)} ${r.width.toFixed(0)}x${r.height.toFixed(0)}`)"""


def in_reach(box: Locator) -> bool:
    return box.evaluate(IN_REACH)


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it stands, one line each (the axe-core package from npm)."""
    assert AXE.is_file(), f"{AXE} is missing: run `bash scripts/setup.sh test` (npm ci installs axe-core)"
    # Evaluated by the browser's devtools protocol, so the page's Content-Security-Policy does not block it.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    return page.evaluate(
        """async () => (await axe.run(document)).violations.map(
             (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)"""
    )


def test_on_a_phone_the_question_box_stays_in_reach_and_targets_are_big_enough(phone: Page, base_url: str) -> None:
    phone.goto(base_url)
    question = phone.locator("#question")
    expect(phone.locator(".matrix-cell").first).to_be_attached()
    assert in_reach(question), "the question box should be on screen on first load"
    # Filters and the matrix view are one folded control on a phone.
    expect(phone.locator("#tools-fold > summary")).to_be_visible()
    expect(phone.locator("#filters-panel")).to_be_hidden()
    for text in QUESTIONS:
        turn = ask(phone, text)
        assert in_reach(question), f"the question box should stay on screen after {text!r}"
    expect(turn.answer.locator(".not-covered")).to_be_visible()
    assert phone.evaluate(SMALL_TARGETS, MIN_TARGET) == []
    # The evaluator's tools stay out of the way until asked for.
    expect(phone.get_by_role("button", name="Inspect retrieval")).to_have_count(0)
    assert no_sideways_scroll(phone)
    screenshot(phone, "phone-375-answers", full_page=False, folder=DOC_SCREENSHOTS)


def test_axe_core_finds_nothing_after_three_answers_with_inspectors_and_feedback_open(
    phone: Page, base_url: str
) -> None:
    phone.goto(base_url)
    turns = [ask(phone, text) for text in QUESTIONS]
    for turn in turns:
        inspect(turn)
        turn.answer.get_by_role("button", name="Not helpful").click()
        expect(turn.answer.locator(".feedback-details")).to_be_visible()
    open_panel(phone, "#filters-panel")
    open_panel(phone, "#matrix-panel")
    phone.locator(".matrix-cell.absent").first.click()
    expect(phone.locator("#matrix-note")).not_to_be_empty()
    assert phone.evaluate(SMALL_TARGETS, MIN_TARGET) == []
    assert axe_violations(phone) == []


@pytest.mark.model
@pytest.mark.parametrize(("width", "height"), [(375, 812), (1280, 900)])
def test_screenshots_for_the_docs(browser, problems: list[str], real_base_url: str, width: int, height: int) -> None:
    """docs/page.md shows these: the page on a phone and on a desk, after an answer and after a decline."""
    from .conftest import open_page

    for page in open_page(browser, {"width": width, "height": height}, problems):
        page.goto(real_base_url)
        screenshot(page, f"page-{width}-start", full_page=False, folder=DOC_SCREENSHOTS)
        turn = ask(page, "does supervised dosing harm relationships?")
        assert turn.payload["answered"] and in_reach(page.locator("#question"))
        screenshot(page, f"page-{width}-answer", full_page=False, folder=DOC_SCREENSHOTS)
        turn = ask(page, "should families be given naloxone?")
        assert not turn.payload["answered"] and in_reach(page.locator("#question"))
        screenshot(page, f"page-{width}-decline", full_page=False, folder=DOC_SCREENSHOTS)
