// Filters for the next question (study type, cell, year) and the 5 x 5 matrix view that picks a cell.
import { announce, clear, el } from "./dom.js";
import { TYPE_NAMES, cellLabel } from "./sources.js";

const COLUMNS = [
  "Interventions",
  "Practitioners",
  "Management/supervision",
  "Organisational functioning",
  "Treatment systems",
];
const MATRICES = [
  {
    name: "Drug Treatment Matrix",
    rows: [
      "Reducing harm",
      "Generic and cross-cutting issues",
      "Medical treatment",
      "Psychosocial therapies",
      "Safeguarding the community",
    ],
  },
  {
    name: "Alcohol Treatment Matrix",
    rows: [
      "Screening and brief intervention",
      "Generic and cross-cutting issues",
      "Medical treatment",
      "Psychosocial therapies",
      "Safeguarding the community",
    ],
  },
];
const LETTERS = ["A", "B", "C", "D", "E"];
const CELL_SEPARATOR = "|";

let knownCells = [];
const listeners = [];

const $ = (id) => document.getElementById(id);

export function initFilters(onChange) {
  listeners.push(onChange);
  $("filters-form").addEventListener("change", changed);
  $("filters-form").addEventListener("input", changed);
  $("filters-form").addEventListener("submit", (event) => event.preventDefault());
  $("clear-filters").addEventListener("click", () => clearFilters());
  $("clear-active-filters").addEventListener("click", () => clearFilters());
  renderMatrices();
  changed();
}

export function setCells(cells) {
  knownCells = cells;
  const select = $("filter-cell");
  const chosen = select.value;
  clear(select).append(el("option", { value: "", text: "Any cell" }));
  for (const cell of cells) {
    select.append(
      el("option", {
        value: `${cell.matrix}${CELL_SEPARATOR}${cell.code}`,
        text: `${cellLabel(cell)}: ${cell.title}`,
      }),
    );
  }
  select.value = chosen;
  renderMatrices();
  changed();
}

export function clearFilters() {
  $("filters-form").reset();
  changed();
  announce("Filters cleared: the next question searches every cell.");
}

function chooseCell(cell) {
  const select = $("filter-cell");
  const value = `${cell.matrix}${CELL_SEPARATOR}${cell.code}`;
  select.value = select.value === value ? "" : value;
  changed();
  announce(
    select.value
      ? `The next question is restricted to ${cellLabel(cell)}: ${cell.title}.`
      : `${cellLabel(cell)} is no longer chosen: the next question searches every cell.`,
  );
}

// The filters as /api/ask takes them, or an error to show instead of asking.
export function readFilters() {
  const filters = {};
  const types = [...document.querySelectorAll("input[name=type]:checked")].map((input) => input.value);
  if (types.length) filters.types = types;
  const cell = $("filter-cell").value;
  if (cell) {
    const [matrix, code] = cell.split(CELL_SEPARATOR);
    filters.matrix = matrix;
    filters.cells = [code];
  }
  for (const [id, name] of [["year-from", "year_from"], ["year-to", "year_to"]]) {
    const raw = $(id).value.trim();
    if (!raw) continue;
    if (!/^\d{4}$/.test(raw)) return { filters, error: "A year filter must be a four-digit year such as 2010." };
    filters[name] = Number(raw);
  }
  if (filters.year_from && filters.year_to && filters.year_from > filters.year_to) {
    return { filters, error: "The 'from' year is later than the 'to' year." };
  }
  return { filters, error: null };
}

export function describeFilters(filters) {
  if (!filters) return "";
  const parts = [];
  if (filters.types && filters.types.length) parts.push(filters.types.map((type) => TYPE_NAMES[type] || type).join(", "));
  if (filters.cells && filters.cells.length) {
    parts.push(filters.cells.map((code) => (filters.matrix ? `${filters.matrix} cell ${code}` : `cell ${code}`)).join(", "));
  } else if (filters.matrix) {
    parts.push(filters.matrix);
  }
  if (filters.year_from && filters.year_to) parts.push(`years ${filters.year_from} to ${filters.year_to}`);
  else if (filters.year_from) parts.push(`from ${filters.year_from}`);
  else if (filters.year_to) parts.push(`up to ${filters.year_to}`);
  return parts.join(" · ");
}

function changed() {
  const { filters, error } = readFilters();
  const text = describeFilters(filters);
  const count = Object.keys(filters).filter((key) => key !== "matrix").length;
  $("filters-count").textContent = count ? ` (${count} on)` : "";
  $("active-filters").hidden = !text;
  $("active-filters-text").textContent = text;
  $("filters-error").textContent = error || "";
  $("filters-error").hidden = !error;
  for (const button of document.querySelectorAll(".matrix-cell[data-cell]")) {
    button.setAttribute("aria-pressed", String(button.dataset.cell === $("filter-cell").value));
  }
  for (const listener of listeners) listener(filters, error);
}

function renderMatrices() {
  const container = $("matrix-grids");
  clear(container);
  const present = new Map(knownCells.map((cell) => [`${cell.matrix}${CELL_SEPARATOR}${cell.code}`, cell]));
  container.append(
    el("p", { class: "hint", text: "Cells with a solid border are in the corpus: choose one to ask about it only." }),
  );
  for (const matrix of MATRICES) container.append(matrixTable(matrix, present));
  container.append(legend());
}

function matrixTable(matrix, present) {
  const header = el(
    "tr",
    {},
    el("td", { class: "corner" }),
    LETTERS.map((letter, i) =>
      el(
        "th",
        { scope: "col", title: COLUMNS[i] },
        el("span", { "aria-hidden": "true", text: letter }),
        el("span", { class: "visually-hidden", text: `${letter}: ${COLUMNS[i]}` }),
      ),
    ),
  );
  const body = matrix.rows.map((rowName, r) =>
    el(
      "tr",
      {},
      el(
        "th",
        { scope: "row", title: rowName },
        el("span", { "aria-hidden": "true", text: String(r + 1) }),
        el("span", { class: "visually-hidden", text: `${r + 1}: ${rowName}` }),
      ),
      LETTERS.map((letter) => el("td", {}, gridCell(matrix.name, `${letter}${r + 1}`, present))),
    ),
  );
  return el(
    "table",
    { class: "matrix" },
    el("caption", { text: matrix.name }),
    el("thead", {}, header),
    el("tbody", {}, body),
  );
}

function gridCell(matrixName, code, present) {
  const key = `${matrixName}${CELL_SEPARATOR}${code}`;
  const cell = present.get(key);
  if (!cell) {
    return el(
      "span",
      { class: "matrix-cell absent" },
      code,
      el("span", { class: "visually-hidden", text: ", not in the corpus" }),
    );
  }
  return el("button", {
    type: "button",
    class: "matrix-cell present",
    "data-cell": key,
    "aria-pressed": String($("filter-cell").value === key),
    "aria-label": `${code}: ${cell.title}, in the corpus; ask about this cell only`,
    title: `${cell.title} (${cell.passages} passages)`,
    text: code,
    on: { click: () => chooseCell(cell) },
  });
}

function legend() {
  const list = (items, mark) =>
    el("ul", { class: "legend-list" }, items.map((name, i) => el("li", {}, el("strong", { text: mark(i) }), ` ${name}`)));
  return el(
    "details",
    { class: "legend" },
    el("summary", { text: "What the letters and numbers mean" }),
    el("p", { text: "Columns (both matrices):" }),
    list(COLUMNS, (i) => LETTERS[i]),
    MATRICES.map((matrix) => [el("p", { text: `Rows of the ${matrix.name}:` }), list(matrix.rows, (i) => String(i + 1))]),
  );
}
