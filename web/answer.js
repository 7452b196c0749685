// One turn of the conversation: the question, the cited answer, its sources, actions and feedback.
import { sendFeedback } from "./api.js";
import { el, uniqueId } from "./dom.js";
import { describeFilters } from "./filters.js";
import { readingText, renderInspector } from "./inspector.js";
import { cellLabel, describeSource, linkList, newTabLink, plainSource, sourceTitle } from "./sources.js";

const MARKER = /\s\[(\d+)\](?=\s|$)/g;
// Headings every cell has; as follow-ups they would say nothing about the question.
const TEMPLATE_QUESTIONS = new Set(["What is this cell about?", "Where should I start?"]);
const MAX_SUGGESTIONS = 3;

export function questionBubble(question) {
  return el(
    "div",
    { class: "question" },
    el("h2", { class: "visually-hidden", text: "You asked" }),
    el("p", { class: "question-text", text: question }),
  );
}

export function searchingNotice() {
  return el(
    "p",
    { class: "searching" },
    el("span", { class: "spinner", "aria-hidden": "true" }),
    "Searching the matrices…",
  );
}

export function failureNotice(message, retry) {
  return el(
    "div",
    { class: "failure" },
    el("p", {}, el("strong", { text: "No answer could be fetched: " }), message),
    el("button", { type: "button", class: "secondary", text: "Try again", on: { click: retry } }),
  );
}

// Why the question was not answered, and what to do next: clear the filters, or read a cell that treats it.
function declined(turn, handlers) {
  const payload = turn.payload;
  const decline = payload.decline || { filtered: null, elsewhere: [], not_held: [] };
  const box = el("div", { class: "not-covered" }, el("p", { text: payload.message || "The corpus does not cover that question." }));
  if (decline.filtered) {
    box.append(
      el("button", {
        type: "button",
        class: "clear-and-ask",
        text: "Clear filters and ask again",
        on: { click: () => handlers.clearFiltersAndAsk(turn.question) },
      }),
    );
  }
  if (decline.elsewhere.length) {
    box.append(
      el(
        "ul",
        { class: "elsewhere" },
        decline.elsewhere.map((place) =>
          el("li", {}, `‘${place.topic}’: `, newTabLink(place.cell.url, `the cell on ${place.name}`)),
        ),
      ),
    );
  }
  if (decline.not_held && decline.not_held.length) {
    box.append(
      el(
        "ul",
        { class: "elsewhere" },
        decline.not_held.map((cell) =>
          el("li", {}, "Not in this corpus: ", newTabLink(cell.url, `${cell.matrix} cell ${cell.code}: ${cell.title}`)),
        ),
      ),
    );
  }
  return box;
}

export function renderAnswer(turn, handlers) {
  const payload = turn.payload;
  const key = uniqueId("answer");
  const article = el("article", { class: "answer", "aria-labelledby": `${key}-heading` });
  article.append(el("h2", { class: "visually-hidden", id: `${key}-heading`, text: `Answer to: ${turn.question}` }));
  // The answer's sources, inspector and feedback are landmarks: each name says which answer, so no two match.
  article.append(el("span", { id: `${key}-about`, class: "visually-hidden", text: `(the answer to “${turn.question}”, ${key.replace("-", " ")})` }));
  const relevance = payload.relevance || {};
  if ((relevance.corrected || []).length || (relevance.matched || []).length) {
    // The question was changed before searching: say how, so a wrong reading can be seen and put right.
    article.append(el("p", { class: "reading", text: `Read as: ${readingText(payload)}` }));
  }
  if (payload.filters) {
    // As the API applied them, which may differ from the form (two years the other way round).
    article.append(el("p", { class: "searched-filters", text: `Searched with filters: ${describeFilters(payload.filters)}` }));
  }
  if (payload.answered) {
    if (payload.lead) article.append(el("p", { class: "lead", text: payload.lead }));
    article.append(answerText(payload, handlers.openCitation), sourceList(payload, key, handlers.openCitation));
  } else {
    article.append(declined(turn, handlers));
  }
  const suggested = suggestions(payload, turn.question);
  if (suggested.length) {
    article.append(
      el(
        "div",
        { class: "suggestions" },
        el("h3", { text: payload.answered ? "You could also ask" : "Questions the matrices can answer" }),
        el(
          "ul",
          {},
          suggested.map((question) =>
            el("li", {}, el("button", { type: "button", class: "chip", text: question, on: { click: () => handlers.ask(question) } })),
          ),
        ),
      ),
    );
  }
  const inspector = renderInspector(turn, `${key}-inspector`, `${key}-about`);
  article.append(actions(turn, handlers, inspector), inspector, feedbackForm(turn, key));
  return article;
}

function answerText(payload, open) {
  const byNumber = new Map(payload.citations.map((citation) => [citation.n, citation]));
  const paragraph = el("p", { class: "answer-text" });
  let cursor = 0;
  for (const match of payload.answer.matchAll(MARKER)) {
    const citation = byNumber.get(Number(match[1]));
    if (!citation) continue;
    paragraph.append(payload.answer.slice(cursor, match.index), " ", markerButton(citation, open));
    cursor = match.index + match[0].length;
  }
  paragraph.append(payload.answer.slice(cursor));
  return paragraph;
}

function markerButton(citation, open) {
  return el("button", {
    type: "button",
    class: "marker",
    "aria-haspopup": "dialog",
    "aria-label": `[${citation.n}] open source ${citation.n}: ${sourceTitle(citation.passage)}`,
    text: `[${citation.n}]`,
    on: { click: () => open(citation) },
  });
}

function sourceList(payload, key, open) {
  return el(
    "section",
    { class: "sources", "aria-labelledby": `${key}-sources ${key}-about` },
    el("h3", { id: `${key}-sources`, text: "Sources" }),
    el(
      "ol",
      {},
      payload.citations.map((citation) =>
        el(
          "li",
          { class: "source" },
          el("span", { class: "source-number", text: `[${citation.n}]` }),
          el(
            "div",
            { class: "source-body" },
            describeSource(citation.passage),
            linkList(citation.passage),
            el("button", {
              type: "button",
              class: "link-button",
              "aria-haspopup": "dialog",
              text: `Show passage ${citation.n} in its context`,
              on: { click: () => open(citation) },
            }),
          ),
        ),
      ),
    ),
  );
}

// Follow-ups from the API when it offers them; else question-shaped section headings of what was retrieved.
export function suggestions(payload, question) {
  const offered = payload.suggestions || payload.follow_ups || payload.related;
  const asked = question.trim().toLowerCase();
  let candidates;
  if (Array.isArray(offered) && offered.length) {
    candidates = offered.map((item) => (typeof item === "string" ? item : item && item.question));
  } else {
    const citedSections = new Set(payload.citations.map((citation) => citation.passage.section));
    const citedCells = new Set(payload.citations.map((citation) => cellLabel(citation.passage.cell)));
    candidates = payload.passages
      .filter((passage) => !citedSections.has(passage.section))
      .filter((passage) => !citedCells.size || citedCells.has(cellLabel(passage.cell)))
      .map((passage) => passage.section.split("›").pop().trim())
      .filter((heading) => heading.endsWith("?") && !TEMPLATE_QUESTIONS.has(heading));
  }
  const unique = [];
  for (const candidate of candidates) {
    if (typeof candidate !== "string" || !candidate.trim()) continue;
    if (candidate.trim().toLowerCase() === asked || unique.includes(candidate)) continue;
    unique.push(candidate);
  }
  return unique.slice(0, MAX_SUGGESTIONS);
}

function actions(turn, handlers, inspector) {
  const status = el("span", { class: "action-status", role: "status" });
  const toggle = el("button", {
    type: "button",
    class: "secondary evaluator-only",
    "aria-expanded": "false",
    "aria-controls": inspector.id,
    text: "Inspect retrieval",
  });
  toggle.addEventListener("click", () => {
    const open = inspector.hidden;
    inspector.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  });
  const copy = el("button", { type: "button", class: "secondary", text: "Copy answer" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(plainAnswer(turn));
      status.textContent = "Answer and sources copied.";
    } catch {
      status.textContent = "Copying was refused by the browser: select the answer and copy it by hand.";
    }
  });
  const permalink = el("a", {
    class: "permalink",
    href: `/?q=${encodeURIComponent(turn.question)}`,
    text: "Link to this question",
  });
  return el("div", { class: "answer-actions" }, copy, permalink, toggle, status);
}

export function plainAnswer(turn) {
  const payload = turn.payload;
  const lines = [`Question: ${turn.question}`, ""];
  if (!payload.answered) {
    lines.push(payload.message);
    return lines.join("\n");
  }
  if (payload.lead) lines.push(payload.lead);
  lines.push(payload.answer, "", "Sources:");
  for (const citation of payload.citations) lines.push(plainSource(citation.n, citation.passage));
  const acknowledgements = [...new Set(payload.citations.map((c) => c.passage.cell.acknowledgement).filter(Boolean))];
  if (acknowledgements.length) lines.push("", `Source of the text: ${acknowledgements.join("; ")}.`);
  return lines.join("\n");
}

function feedbackForm(turn, key) {
  let helpful = null;
  const status = el("p", { class: "feedback-status", role: "status", tabindex: "-1" });
  const comment = el("textarea", { id: `${key}-comment`, rows: "2", maxlength: "2000" });
  const send = el("button", { type: "submit", text: "Send feedback" });
  const details = el(
    "div",
    { class: "feedback-details", hidden: true },
    el("label", { for: `${key}-comment`, text: "Comment (optional)" }),
    comment,
    send,
  );
  const choice = (value, label) =>
    el("button", {
      type: "button",
      class: "secondary",
      "aria-pressed": "false",
      text: label,
      on: {
        click: (event) => {
          helpful = value;
          for (const button of form.querySelectorAll("[aria-pressed]")) button.setAttribute("aria-pressed", "false");
          event.currentTarget.setAttribute("aria-pressed", "true");
          details.hidden = false;
        },
      },
    });
  const form = el(
    "form",
    { class: "feedback", "aria-labelledby": `${key}-feedback ${key}-about` },
    el("h3", { id: `${key}-feedback`, text: "Was this answer helpful?" }),
    el("div", { class: "feedback-choices" }, choice(true, "Helpful"), choice(false, "Not helpful")),
    details,
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (helpful === null) return;
    send.disabled = true;
    try {
      await sendFeedback(turn.payload.id, helpful, comment.value.trim());
      status.textContent = "Thank you: your feedback was sent.";
      for (const control of form.querySelectorAll("button, textarea")) control.disabled = true;
      status.focus(); // the control that had the focus is now disabled
    } catch (error) {
      status.textContent = `Feedback was not sent: ${error.message}`;
      send.disabled = false;
    }
  });
  return form;
}
