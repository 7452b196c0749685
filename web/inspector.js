// The evaluator's view of an answer: every retrieved passage in rank order, why it came back, and exports.
import { el, markRanges } from "./dom.js";
import { badge, cellLabel, evidenceType, sourceTitle, sourceYear } from "./sources.js";
import { describeFilters } from "./filters.js";

const CSV_COLUMNS = [
  "answered", "evidence", "threshold", "decision_sentence_score", "coverage", "coverage_weight", "missing",
  "rank", "fused_rank", "id", "cited_as", "matrix", "cell", "section", "type", "title", "year",
  "dense_score", "sentence_score", "lexical_score", "passage_coverage", "fused_score", "matched_terms", "text",
];
const BYTE_ORDER_MARK = "\ufeff"; // tells a spreadsheet the file is UTF-8, so "›" and "≈" survive
const NOT_SEARCHED = "not searched: the sources of the previous answer";

const ORDER_EXPLAINED =
  "#n is the passage's place in the results: by fused score, with a passage much like one above it moved down, " +
  "so that the list is varied. Where that moved it, its place by fused score alone is given beside the score.";

export function renderInspector(turn, id, aboutId) {
  const rows = inspectorRows(turn);
  const searched = turn.payload.searched_for || turn.question;
  return el(
    "section",
    { class: "inspector evaluator-only", id, hidden: true, "aria-labelledby": `${id}-heading ${aboutId}` },
    el("h3", { id: `${id}-heading`, text: "Retrieval inspector" }),
    el(
      "dl",
      { class: "inspector-meta" },
      el("dt", { text: "Searched for" }),
      el("dd", { text: searched }),
      el("dt", { text: "Read as" }),
      el("dd", { class: "reading", text: readingText(turn.payload) || "not searched: looked up" }),
      ...searchedInParts(turn.payload),
      el("dt", { text: "Filters in force" }),
      el("dd", { text: describeFilters(turn.payload.filters) || "none" }),
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
    rows.length ? el("p", { class: "hint", text: ORDER_EXPLAINED }) : null,
    rows.length
      ? el("ol", { class: "hits" }, rows.map((row) => hitItem(row)))
      : el("p", { text: "No passage was retrieved (the filters may leave none)." }),
  );
}

// A question joining two asks is searched in its parts too (search/parts.py): each part, as searched.
function searchedInParts(payload) {
  const parts = (payload.reading && payload.reading.parts) || [];
  if (!parts.length) return [];
  return [el("dt", { text: "Searched in parts too" }), el("dd", { class: "parts", text: parts.join(" | ") })];
}

// How the question was read before searching: its words as read, then each correction, acronym spelt out and
// word matched by meaning ("keyworker, difference, methadone (keywroker → keyworker)"); empty when not searched.
export function readingText(payload) {
  const reading = payload.reading;
  if (!reading) return "";
  const relevance = payload.relevance || {};
  const changes = [...(relevance.corrected || []), ...(relevance.matched || [])];
  const words = reading.words.length ? reading.words.join(", ") : reading.text;
  return changes.length ? `${words} (${changes.join("; ")})` : words;
}

// Why the corpus was or was not taken to answer: the rule's inputs against its threshold, as the API sends them
// (search/relevance.py: evidence = best sentence score + coverage weight x coverage, against MIN_EVIDENCE).
export function decisionText(payload) {
  const relevance = payload.relevance;
  const verdict = payload.answered ? "Answered" : "Not answered";
  if (!relevance) {
    return payload.mode === "source" ? `${verdict} from the study entries behind the previous answer (${NOT_SEARCHED})` : verdict;
  }
  const missing = relevance.missing || [];
  const unknown = relevance.unknown || [];
  const reached = relevance.evidence >= relevance.threshold ? "reaches" : "is below";
  const parts = [
    `evidence = best sentence ${relevance.sentence_score.toFixed(3)} + ${relevance.coverage_weight} × coverage ` +
      `${relevance.coverage.toFixed(3)} = ${relevance.evidence.toFixed(3)}, which ${reached} the ${relevance.threshold} needed`,
  ];
  if (missing.length) parts.push(`declined whatever the evidence: the answering passages do not treat ${missing.join(", ")}`);
  if (unknown.length) parts.push(`words no passage uses: ${unknown.join(", ")}`);
  if (relevance.matched && relevance.matched.length) parts.push(`read as: ${relevance.matched.join("; ")}`);
  return `${verdict}: ${parts.join("; ")}`;
}

// The decision's inputs, as columns of every exported row and fields of the JSON export.
function decisionFields(payload) {
  const relevance = payload.relevance;
  return {
    answered: payload.answered,
    evidence: relevance ? relevance.evidence : null,
    threshold: relevance ? relevance.threshold : null,
    decision_sentence_score: relevance ? relevance.sentence_score : null,
    coverage: relevance ? relevance.coverage : null,
    coverage_weight: relevance ? relevance.coverage_weight : null,
    missing: relevance ? relevance.missing : [],
  };
}

// The fields an evaluator needs per passage; scores the API does not send are left undefined.
function inspectorRows(turn) {
  const payload = turn.payload;
  const citedAs = new Map(payload.citations.map((citation) => [citation.passage.id, citation.n]));
  return payload.passages.map((passage) => {
    // The API sends the ranking evidence in `evidence` and the fused score in `score`: both null for an entry
    // looked up, not searched.
    const searched = Boolean(passage.evidence);
    const evidence = passage.evidence || {};
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
      searched,
      dense_score: evidence.dense_score,
      sentence_score: evidence.sentence_score,
      lexical_score: evidence.lexical_score,
      passage_coverage: evidence.coverage,
      fused_score: passage.score ?? undefined,
      cell_breadth_cost: evidence.cell_breadth_cost || undefined,
      matched_terms: evidence.matched_terms,
      text: passage.text,
      passage,
    };
  });
}

function hitItem(row) {
  const moved = row.fused_rank !== undefined && row.fused_rank !== row.rank ? ` (${row.fused_rank} by fused score alone)` : "";
  const scores = [
    ["Fused score", row.fused_score === undefined ? undefined : `${formatScore(row.fused_score)}${moved}`],
    ["Best sentence score", row.sentence_score],
    ["Dense score", row.dense_score],
    ["Lexical score", row.lexical_score],
    ["Coverage of the question words", row.passage_coverage],
    // Taken off because fewer of its cell's passages answer than the broadest cell's: shown only when something was.
    ["Taken off for its cell's narrower evidence", row.cell_breadth_cost],
  ];
  const terms = row.matched_terms || [];
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
    row.searched
      ? el(
          "dl",
          { class: "scores" },
          scores
            .filter(([, value]) => value !== undefined && value !== null)
            .map(([name, value]) => [el("dt", { text: name }), el("dd", { text: formatScore(value) })]),
          el("dt", { text: "Matched terms" }),
          el("dd", { text: terms.length ? terms.join(", ") : "none" }),
        )
      : el("p", { class: "scores", text: `Scores: ${NOT_SEARCHED}` }),
    el("p", { class: "hit-text" }, markRanges(row.text, termRanges(row.text, passageWords(terms)), "term")),
  );
}

// A matched term is the question's word, or "word ≈ what the passage says" for a spelling or synonym match:
// the passage's side is what is highlighted in its text.
export function passageWords(terms) {
  return terms.flatMap((term) => {
    const [word, found] = term.split(" ≈ ");
    if (found === undefined) return [word];
    return found.split(" / ").map((name) => name.replace(/^a synonym of /, ""));
  });
}

// Ranks are whole numbers; scores always show three decimals (a fused score of 1 reads "1.000").
function formatScore(value) {
  return typeof value === "number" ? value.toFixed(3) : String(value);
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
    filters: turn.payload.filters ?? null,
    ...decisionFields(turn.payload),
    relevance: turn.payload.relevance ?? null,
    passages: rows.map(({ passage, searched, ...fields }) => fields),
  };
}

function exportJson(turn, rows) {
  const text = JSON.stringify(exportRecord(turn, rows), null, 2);
  download(`matrixqa-retrieval-${turn.payload.id}.json`, text, "application/json");
}

function exportCsv(turn, rows) {
  const record = exportRecord(turn, rows);
  const decision = decisionFields(turn.payload);
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of record.passages) {
    lines.push(CSV_COLUMNS.map((column) => csvField(column in decision ? decision[column] : row[column])).join(","));
  }
  const text = `${BYTE_ORDER_MARK}${lines.join("\r\n")}\r\n`;
  download(`matrixqa-retrieval-${turn.payload.id}.csv`, text, "text/csv;charset=utf-8");
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
