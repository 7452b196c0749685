// Filters for the next question (study type, cell, year) and the 5 x 5 matrix view that picks a cell.
import { announce, clear, el } from "./dom.js";
import { TYPE_NAMES, cellLabel } from "./sources.js";

const LETTERS = ["A", "B", "C", "D", "E"];
const CELL_SEPARATOR = "|";

let knownCells = [];
let matrices = []; // both grids from /api/cells: {name, columns, rows, addresses}
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

export function setCells(cells, layout) {
  knownCells = cells;
  matrices = layout;
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
  // Years the other way round are left to the API, which searches the years between them and says so.
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
  $("tools-count").textContent = count ? ` (${count} on)` : "";
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
  $("matrix-note").replaceChildren();
  if (!matrices.length) return;
  const present = new Map(knownCells.map((cell) => [`${cell.matrix}${CELL_SEPARATOR}${cell.code}`, cell]));
  container.append(
    el("p", { class: "hint", text: "Cells with a solid border are in the corpus: choose one to ask about it only. A dashed cell is not in the corpus: choose it to see how to add it." }),
  );
  for (const matrix of matrices) container.append(matrixTable(matrix, present));
  container.append(legend());
}

function matrixTable(matrix, present) {
  const header = el(
    "tr",
    {},
    el("td", { class: "corner" }),
    matrix.columns.map((column, i) =>
      el(
        "th",
        { scope: "col", title: column },
        el("span", { "aria-hidden": "true", text: LETTERS[i] }),
        el("span", { class: "visually-hidden", text: `${LETTERS[i]}: ${column}` }),
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
      LETTERS.map((letter) => el("td", {}, gridCell(matrix, `${letter}${r + 1}`, present))),
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

// "practitioners in medical treatment": a cell by its column and row, the words a reader knows without the grid.
function cellWords(matrix, code) {
  const column = matrix.columns[LETTERS.indexOf(code[0])];
  const row = matrix.rows[Number(code[1]) - 1];
  return `${column.toLowerCase()} in ${row.toLowerCase()}`;
}

function gridCell(matrix, code, present) {
  const key = `${matrix.name}${CELL_SEPARATOR}${code}`;
  const cell = present.get(key);
  const words = cellWords(matrix, code);
  if (!cell) {
    return el("button", {
      type: "button",
      class: "matrix-cell absent",
      "aria-label": `${code}: ${words}, not in the corpus; how to add it`,
      title: `${words}: not in the corpus`,
      text: code,
      on: { click: () => explainAbsent(matrix, code) },
    });
  }
  return el("button", {
    type: "button",
    class: "matrix-cell present",
    "data-cell": key,
    "aria-pressed": String($("filter-cell").value === key),
    "aria-label": `${code}: ${words}, in the corpus; ask about this cell only`,
    title: `${words} (${cell.passages} passages)`,
    text: code,
    on: { click: () => chooseCell(cell) },
  });
}

// A cell not in the corpus cannot restrict a question: say so, and how to add it from the site.
function explainAbsent(matrix, code) {
  const address = matrix.addresses[code];
  const command = `matrixqa add "${address}" --build`;
  $("matrix-note").replaceChildren(
    el("p", {}, el("strong", { text: `${matrix.name} cell ${code}` }), ` (${cellWords(matrix, code)}) is not in this corpus, so questions cannot be restricted to it.`),
    el("p", {}, "Its page on the Effectiveness Bank: ", el("a", { href: address, target: "_blank", rel: "noopener noreferrer", text: address })),
    el("p", { text: "To add it, run on the server:" }),
    el("code", { class: "command", text: command }),
  );
}

function legend() {
  const list = (items, mark) =>
    el("ul", { class: "legend-list" }, items.map((name, i) => el("li", {}, el("strong", { text: mark(i) }), ` ${name}`)));
  return el(
    "details",
    { class: "legend" },
    el("summary", { text: "What the letters and numbers mean" }),
    el("p", { text: "Columns (both matrices):" }),
    list(matrices[0].columns, (i) => LETTERS[i]),
    matrices.map((matrix) => [el("p", { text: `Rows of the ${matrix.name}:` }), list(matrix.rows, (i) => String(i + 1))]),
  );
}
