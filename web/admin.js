"use strict";

// The token lives in this tab's sessionStorage only: never in localStorage, a cookie or the address.
const TOKEN_KEY = "matrixqa-admin-token";

const LISTS = [
  { table: "recent", query: { limit: "50" } },
  { table: "unanswered", query: { answered: "false", limit: "50" } },
  { table: "low", query: { answered: "true", order: "score", limit: "20" } },
  { table: "not-helpful", query: { helpful: "false", limit: "50" } },
];
const COLUMNS = ["Asked (UTC)", "Question", "Answered", "Top score", "Cited", "Latency", "Feedback"];

const $ = (id) => document.getElementById(id);

function say(message) {
  $("status").textContent = message;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
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
  if (q.searched_for !== q.question) {
    const searched = document.createElement("span");
    searched.className = "searched";
    searched.textContent = `searched as: ${q.searched_for}`;
    td.append(searched);
  }
}

function render(tableId, questions) {
  const table = $(tableId);
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const name of COLUMNS) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  if (questions.length === 0) {
    const td = cell(body.insertRow(), "Nothing here.", "empty");
    td.colSpan = COLUMNS.length;
    return;
  }
  for (const q of questions) {
    const row = body.insertRow();
    cell(row, q.asked_at.replace("T", " ").replace(/\.\d+Z$/, ""));
    questionCell(row, q);
    cell(row, q.answered ? "yes" : "no");
    cell(row, q.top_score === null ? "" : q.top_score.toFixed(3), "number");
    cell(row, q.cited.join(" "), "ids");
    cell(row, `${q.latency_ms} ms`, "number");
    cell(row, feedbackText(q));
  }
}

function queryString(query) {
  const params = new URLSearchParams(query);
  if ($("since").value) params.set("since", $("since").value);
  return params.toString();
}

async function call(path) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
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
      render(list.table, (await response.json()).questions);
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
