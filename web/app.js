// The chat page: ask, show cited answers, keep the conversation, and wire the panels together.
import * as api from "./api.js";
import { failureNotice, questionBubble, renderAnswer, searchingNotice } from "./answer.js";
import { announce, el } from "./dom.js";
import { clearFilters, initFilters, readFilters, setCells } from "./filters.js";
import { initPassageDialog, openPassage } from "./passage.js";
import { cellLabel } from "./sources.js";

const MAX_QUESTION = 1000;
const MAX_HISTORY = 10; // the API takes up to 20 turns; the last few carry a follow-up

const $ = (id) => document.getElementById(id);
const conversation = []; // answered turns: {question, detail, history, payload}
let asking = false;

const WIDE = window.matchMedia("(min-width: 50rem)");
const EVALUATOR_KEY = "matrixqa-evaluator-tools";

const handlers = {
  openCitation: openPassage,
  ask: (question) => submitQuestion(question),
  clearFiltersAndAsk: (question) => {
    clearFilters();
    submitQuestion(question);
  },
};

function history() {
  return conversation.slice(-MAX_HISTORY).map((turn) => ({
    question: turn.question,
    answer: turn.payload.answered ? turn.payload.answer : "",
  }));
}

function showFormError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
}

async function submitQuestion(raw) {
  const question = raw.trim();
  if (asking) return;
  if (!question) return showFormError("Type a question first.");
  if (question.length > MAX_QUESTION) return showFormError(`A question can be at most ${MAX_QUESTION} characters.`);
  const { filters, error } = readFilters();
  if (error) return showFormError(`Fix the filters first: ${error}`);
  showFormError("");

  const turn = { question, detail: $("detail-long").checked ? "long" : "short", history: history() };
  const item = el("li", { class: "turn" }, questionBubble(question));
  const slot = el("div", { class: "turn-answer", "aria-busy": "true" }, searchingNotice());
  item.append(slot);
  $("turns").append(item);
  $("welcome").hidden = true;
  $("question").value = "";
  setAsking(true);
  item.scrollIntoView({ block: "nearest" });
  announce("Searching the matrices…");
  try {
    turn.payload = await api.ask(question, turn.history, turn.detail, filters);
    conversation.push(turn);
    slot.replaceChildren(renderAnswer(turn, handlers));
    const payload = turn.payload;
    announce(payload.answered ? `${payload.lead} ${payload.answer}` : payload.message);
  } catch (failure) {
    slot.replaceChildren(
      failureNotice(failure.message, () => {
        item.remove();
        submitQuestion(question);
      }),
    );
    announce(`No answer: ${failure.message}`);
  } finally {
    slot.removeAttribute("aria-busy");
    setAsking(false);
    if (document.activeElement === document.body) $("question").focus({ preventScroll: true });
    item.scrollIntoView({ block: "start" });
  }
}

// aria-disabled rather than disabled: a disabled button would drop the focus of whoever pressed it.
function setAsking(value) {
  asking = value;
  $("ask-button").setAttribute("aria-disabled", String(value));
  $("ask-button").textContent = value ? "Searching…" : "Ask";
}

function newConversation() {
  conversation.length = 0;
  $("turns").replaceChildren();
  $("welcome").hidden = false;
  $("question").value = "";
  showFormError("");
  if (window.location.search) window.history.replaceState(null, "", "/");
  $("question").focus();
  announce("New conversation started: earlier questions will not be used for follow-ups.");
}

function showCoverage(cells) {
  const list = $("coverage-list");
  list.replaceChildren(...cells.map((cell) => el("li", { text: `${cellLabel(cell)}: ${cell.title}` })));
  $("coverage").hidden = cells.length === 0;
}

// The inspector and the exports are for evaluators: one switch shows them on every answer, remembered here.
function initEvaluatorTools() {
  const toggle = $("evaluator-tools");
  const show = (on) => document.body.classList.toggle("evaluating", on);
  toggle.checked = window.localStorage.getItem(EVALUATOR_KEY) === "on";
  show(toggle.checked);
  toggle.addEventListener("change", () => {
    window.localStorage.setItem(EVALUATOR_KEY, toggle.checked ? "on" : "off");
    show(toggle.checked);
  });
}

// On a wide screen the filters and the matrix sit beside the conversation, the matrix open to show at a glance
// what the corpus covers; on a phone they fold into one control so that the question box comes first.
function fitTools() {
  $("tools-fold").open = WIDE.matches;
  if (WIDE.matches) $("matrix-panel").open = true;
}

function init() {
  fitTools();
  WIDE.addEventListener("change", fitTools);
  initEvaluatorTools();
  initPassageDialog();
  initFilters(() => {});
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitQuestion($("question").value);
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("ask-form").requestSubmit();
    }
  });
  $("new-conversation").addEventListener("click", newConversation);
  for (const button of document.querySelectorAll(".example")) {
    button.addEventListener("click", () => submitQuestion(button.textContent));
  }
  api.cells().then(
    (payload) => {
      setCells(payload.cells, payload.matrices);
      showCoverage(payload.cells);
    },
    (failure) => showFormError(`The list of cells could not be loaded: ${failure.message}`),
  );
  const permalinked = new URLSearchParams(window.location.search).get("q");
  if (permalinked) submitQuestion(permalinked);
}

init();
