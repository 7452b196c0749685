"use strict";

// The token lives in this tab's sessionStorage only: never in localStorage, a cookie or the address.
const TOKEN_KEY = "matrixqa-admin-token";

const LISTS = [
  { table: "review", query: { review: "true", limit: "50" }, toEval: true },
  { table: "recent", query: { limit: "50" } },
  { table: "low", query: { answered: "true", order: "evidence", limit: "20" } },
];
const COLUMNS = ["Asked (UTC)", "Question", "Outcome", "Evidence (needed)", "Filters", "Cited", "Feedback"];
const TO_EVAL = "Turn into an evaluation question";

const $ = (id) => document.getElementById(id);

function say(message) {
  $("status").textContent = message;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function cell(row, text, className) {
  const td = element("td", text, className);
  row.append(td);
  return td;
}

function feedbackText(q) {
  if (q.helpful === null) return "";
  const verdict = q.helpful ? "helpful" : "not helpful";
  return q.comment ? `${verdict}: ${q.comment}` : verdict;
}

function questionCell(row, q) {
  const td = cell(row, q.question, "question");
  if (q.searched_for !== q.question) td.append(element("span", `searched as: ${q.searched_for}`, "searched"));
}

// The decision's evidence beside the threshold it needed, both as the log recorded them from search/relevance.py.
function evidenceCell(row, q) {
  if (q.evidence === null || q.threshold === null) {
    return cell(row, "not recorded", "number muted");
  }
  const reached = q.evidence >= q.threshold;
  const td = cell(row, `${q.evidence.toFixed(3)} (${q.threshold.toFixed(3)})`, "number");
  td.append(element("span", reached ? "reached" : "below", reached ? "verdict" : "verdict below"));
  if (q.missing.length) td.append(element("span", `not treated: ${q.missing.join(", ")}`, "verdict below"));
  return td;
}

function filtersText(filters) {
  const parts = [];
  if (filters.types) parts.push(`types ${filters.types.join(", ")}`);
  if (filters.cells) parts.push(`cells ${filters.cells.join(", ")}`);
  if (filters.matrix) parts.push(filters.matrix);
  if (filters.year_from && filters.year_to) parts.push(`${filters.year_from}–${filters.year_to}`);
  else if (filters.year_from) parts.push(`from ${filters.year_from}`);
  else if (filters.year_to) parts.push(`to ${filters.year_to}`);
  return parts.length ? parts.join("; ") : "none";
}

function citedCell(row, q) {
  const td = cell(row, "", "cited");
  const list = element("ul");
  for (const passage of q.cited_passages) {
    const item = element("li");
    if (passage.url) {
      const link = element("a", passage.year ? `${passage.title} (${passage.year})` : passage.title);
      link.href = passage.url;
      link.rel = "noreferrer";
      item.append(link, element("span", ` ${passage.cell}`, "where"));
    } else {
      item.append(element("span", `${passage.id} (no longer in the index)`, "ids"));
    }
    list.append(item);
  }
  if (q.cited_passages.length) td.append(list);
}

function toEvalCell(row, q) {
  const td = cell(row, "", "evaluation");
  const button = element("button", TO_EVAL, "to-eval");
  button.type = "button";
  button.addEventListener("click", () => toEval(q, td));
  td.append(button);
}

async function toEval(q, td) {
  try {
    const response = await call(`/api/admin/questions/${encodeURIComponent(q.id)}/to-eval`, { method: "POST" });
    const body = await response.json();
    const done = body.status === "added" ? `Added to ${body.file}` : `Already in ${body.file}`;
    td.replaceChildren(element("span", done, "done"), element("code", body.line, "eval-line"));
    say(`${done}: ${q.searched_for}`);
  } catch (error) {
    say(error.message);
  }
}

function header(table, columns) {
  const head = table.createTHead().insertRow();
  for (const name of columns) {
    const th = element("th", name);
    th.scope = "col";
    head.append(th);
  }
}

function render(list, questions) {
  const table = $(list.table);
  table.replaceChildren();
  const columns = list.toEval ? [...COLUMNS, "Evaluation"] : COLUMNS;
  header(table, columns);
  const body = table.createTBody();
  if (questions.length === 0) {
    cell(body.insertRow(), "Nothing here.", "empty").colSpan = columns.length;
    return;
  }
  for (const q of questions) {
    const row = body.insertRow();
    cell(row, q.asked_at.replace("T", " ").replace(/\.\d+Z$/, ""));
    questionCell(row, q);
    cell(row, q.answered ? "answered" : "declined");
    evidenceCell(row, q);
    cell(row, filtersText(q.filters), "filters");
    citedCell(row, q);
    cell(row, feedbackText(q));
    if (list.toEval) toEvalCell(row, q);
  }
}

function queryString(query) {
  const params = new URLSearchParams(query);
  if ($("since").value) params.set("since", $("since").value);
  return params.toString();
}

async function call(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const headers = { Authorization: `Bearer ${token}` };
  const response = await fetch(path, { ...options, headers, cache: "no-store" });
  if (response.status === 401) {
    forget();
    throw new Error("The token was refused. Enter the MATRIXQA_ADMIN_TOKEN the server was started with.");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error || `The server answered ${response.status}.`);
  }
  return response;
}

async function load() {
  say("Loading…");
  try {
    for (const list of LISTS) {
      const response = await call(`/api/admin/questions?${queryString(list.query)}`);
      render(list, (await response.json()).questions);
    }
    $("token-form").hidden = true;
    $("log-view").hidden = false;
    say(`Loaded at ${new Date().toLocaleTimeString()}.`);
  } catch (error) {
    say(error.message);
  }
}

async function download() {
  try {
    const response = await call(`/api/admin/questions.csv?${queryString({ limit: "1000" })}`);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "matrixqa-questions.csv";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } catch (error) {
    say(error.message);
  }
}

function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  $("token").value = "";
  $("log-view").hidden = true;
  $("token-form").hidden = false;
  say("The token is forgotten.");
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  load();
});
$("refresh").addEventListener("click", load);
$("since").addEventListener("change", load);
$("download").addEventListener("click", download);
$("forget").addEventListener("click", forget);

if (sessionStorage.getItem(TOKEN_KEY)) load();
