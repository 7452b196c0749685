// The evaluator's view of an answer: every retrieved passage in rank order, why it came back, and exports.
import { el, markRanges } from "./dom.js";
import { badge, cellLabel, evidenceType, sourceTitle, sourceYear } from "./sources.js";
import { describeFilters } from "./filters.js";

// Words too common to say why a passage matched, for the page's own term matching.
const STOPWORDS = new Set(
  `a about after all also an and any are as at be been being but by can could did do does doing for from had has
  have how if in into is it its may more most no not of on or our should so some such than that the their them
  then there these they this those to too was we were what when where whether which while who why will with would
  you your`.split(/\s+/),
);
const CSV_COLUMNS = [
  "rank", "fused_rank", "id", "cited_as", "matrix", "cell", "section", "type", "title", "year",
  "score", "dense_score", "sentence_score", "lexical_score", "fused_score", "matched_terms", "text",
];

export function renderInspector(turn, id) {
  const rows = inspectorRows(turn);
  const searched = turn.payload.searched_for || turn.question;
  return el(
    "section",
    { class: "inspector", id, hidden: true, "aria-labelledby": `${id}-heading` },
    el("h3", { id: `${id}-heading`, text: "Retrieval inspector" }),
    el(
      "dl",
      { class: "inspector-meta" },
      el("dt", { text: "Searched for" }),
      el("dd", { text: searched }),
      el("dt", { text: "Filters in force" }),
      el("dd", { text: describeFilters(turn.filters) || "none" }),
      el("dt", { text: "Decision" }),
      el("dd", { class: "decision", text: decisionText(turn.payload) }),
      el("dt", { text: "Answer id" }),
      el("dd", { class: "mono", text: turn.payload.id }),
    ),
    el(
      "div",
      { class: "export" },
      el("button", { type: "button", class: "secondary", text: "Export JSON", on: { click: () => exportJson(turn, rows) } }),
      el("button", { type: "button", class: "secondary", text: "Export CSV", on: { click: () => exportCsv(turn, rows) } }),
    ),
    rows.length
      ? el("ol", { class: "hits" }, rows.map((row) => hitItem(row)))
      : el("p", { text: "No passage was retrieved (the filters may leave none)." }),
  );
}

// Why the corpus was or was not taken to answer: the abstention rule's inputs against its thresholds.
export function decisionText(payload) {
  const relevance = payload.relevance;
  const verdict = payload.answered ? "Answered" : "Not answered";
  if (!relevance) {
    return payload.mode === "source" ? `${verdict} from the study entries behind the previous answer` : verdict;
  }
  const missing = relevance.missing || [];
  const unknown = relevance.unknown || [];
  const needed = missing.length
    ? "declined whatever the evidence: a topic the answering passages do not treat"
    : `${relevance.threshold} needed`;
  const parts = [
    `evidence ${relevance.evidence.toFixed(3)} (${needed})`,
    `best sentence ${relevance.sentence_score.toFixed(3)}`,
    `coverage ${relevance.coverage.toFixed(3)}`,
  ];
  if (missing.length) parts.push(`topics the answering passages do not treat: ${missing.join(", ")}`);
  if (unknown.length) parts.push(`words no passage uses: ${unknown.join(", ")}`);
  return `${verdict}: ${parts.join("; ")}`;
}

// The fields an evaluator needs per passage; scores the API does not send are left undefined.
function inspectorRows(turn) {
  const payload = turn.payload;
  const citedAs = new Map(payload.citations.map((citation) => [citation.passage.id, citation.n]));
  const searched = payload.searched_for || turn.question;
  return payload.passages.map((passage) => {
    // The API sends the ranking evidence in `evidence`; the fused score is the passage's `score`.
    const evidence = passage.evidence || {};
    const serverTerms = evidence.matched_terms;
    return {
      rank: passage.rank,
      fused_rank: evidence.fused_rank,
      id: passage.id,
      cited_as: citedAs.get(passage.id),
      matrix: passage.cell.matrix,
      cell: passage.cell.code,
      section: passage.section,
      type: evidenceType(passage),
      title: sourceTitle(passage),
      year: sourceYear(passage) || undefined,
      score: passage.score,
      dense_score: evidence.dense_score,
      sentence_score: evidence.sentence_score,
      lexical_score: evidence.lexical_score,
      fused_score: passage.evidence ? passage.score : undefined,
      matched_terms: Array.isArray(serverTerms) ? serverTerms : sharedTerms(searched, passage.text),
      terms_from: Array.isArray(serverTerms) ? "server" : "page",
      text: passage.text,
      passage,
    };
  });
}

function hitItem(row) {
  const scores = [
    row.fused_rank === undefined ? ["Rank", row.rank] : ["Fused rank", row.fused_rank],
    ["Dense score", row.dense_score],
    ["Best sentence score", row.sentence_score],
    ["Lexical score", row.lexical_score],
    ["Fused score", row.fused_score],
  ];
  if (row.dense_score === undefined && row.lexical_score === undefined) scores.push(["Score", row.score]);
  return el(
    "li",
    { class: row.cited_as ? "hit cited" : "hit" },
    el(
      "div",
      { class: "hit-head" },
      el("span", { class: "hit-rank", text: `#${row.rank}` }),
      badge(row.type),
      el("span", { class: "hit-where", text: `${cellLabel(row.passage.cell)} · ${row.section}` }),
      row.cited_as
        ? el("span", { class: "cited-flag", text: `cited as [${row.cited_as}]` })
        : el("span", { class: "not-cited", text: "not cited" }),
    ),
    el(
      "dl",
      { class: "scores" },
      scores
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([name, value]) => [el("dt", { text: name }), el("dd", { text: formatScore(name, value) })]),
      el("dt", { text: row.terms_from === "server" ? "Matched terms" : "Shared words" }),
      el("dd", { text: row.matched_terms.length ? row.matched_terms.join(", ") : "none" }),
    ),
    el("p", { class: "hit-text" }, markRanges(row.text, termRanges(row.text, row.matched_terms), "term")),
  );
}

// Ranks are whole numbers; scores always show three decimals (a fused score of 1 reads "1.000").
function formatScore(name, value) {
  return typeof value === "number" && !/rank/i.test(name) ? value.toFixed(3) : String(value);
}

function words(text) {
  return text.toLowerCase().match(/[a-z0-9][a-z0-9'’-]*/g) || [];
}

// The question's content words that also occur in the passage, when the API does not name its matches.
export function sharedTerms(question, text) {
  const inText = new Set(words(text));
  const terms = [];
  for (const word of words(question)) {
    if (word.length > 2 && !STOPWORDS.has(word) && inText.has(word) && !terms.includes(word)) terms.push(word);
  }
  return terms;
}

// Where each term (or a word it is the stem of) occurs, so stems such as "supervis" mark "supervised".
function termRanges(text, terms) {
  const clean = terms.filter((term) => typeof term === "string" && term.trim());
  if (!clean.length) return [];
  const escaped = clean.map((term) => term.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`\\b(?:${escaped.join("|")})[\\w'’-]*`, "gi");
  return [...text.matchAll(pattern)].map((match) => [match.index, match.index + match[0].length]);
}

function exportRecord(turn, rows) {
  return {
    answer_id: turn.payload.id,
    question: turn.question,
    searched_for: turn.payload.searched_for || turn.question,
    filters: turn.filters,
    answered: turn.payload.answered,
    relevance: turn.payload.relevance ?? null,
    passages: rows.map(({ passage, terms_from, ...fields }) => fields),
  };
}

function exportJson(turn, rows) {
  const text = JSON.stringify(exportRecord(turn, rows), null, 2);
  download(`matrixqa-retrieval-${turn.payload.id}.json`, text, "application/json");
}

function exportCsv(turn, rows) {
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of exportRecord(turn, rows).passages) {
    lines.push(CSV_COLUMNS.map((column) => csvField(row[column])).join(","));
  }
  download(`matrixqa-retrieval-${turn.payload.id}.csv`, `${lines.join("\r\n")}\r\n`, "text/csv");
}

export function csvField(value) {
  if (value === undefined || value === null) return "";
  let text = Array.isArray(value) ? value.join("; ") : String(value);
  // A spreadsheet would run a text cell that starts like a formula.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { download: name, class: "visually-hidden" });
  link.href = url; // a blob: address, which safeUrl would refuse
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
