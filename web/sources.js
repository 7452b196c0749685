// How a source is described everywhere on the page: evidence badge, title, year, cell, section, links.
import { el } from "./dom.js";

export const TYPE_NAMES = {
  S: "Seminal study",
  K: "Key study",
  R: "Review",
  G: "Guidance",
  commentary: "Matrix Bite commentary",
};

export function evidenceType(passage) {
  return passage.study ? passage.study.type : "commentary";
}

export function badge(type) {
  const name = TYPE_NAMES[type] || type;
  const short = type === "commentary" ? "Commentary" : type;
  return el(
    "span",
    { class: `badge badge-${type === "commentary" ? "C" : type}`, title: name },
    el("span", { "aria-hidden": "true", text: short }),
    el("span", { class: "visually-hidden", text: name }),
  );
}

export function cellLabel(cell) {
  return `${cell.matrix} cell ${cell.code}`;
}

// A study entry is named by its title; a commentary passage by the section it sits in.
export function sourceTitle(passage) {
  return passage.study ? passage.study.title : passage.section;
}

export function sourceYear(passage) {
  return passage.study && passage.study.year ? String(passage.study.year) : "";
}

export function titleWithYear(passage) {
  const year = sourceYear(passage);
  return year ? `${sourceTitle(passage)} (${year})` : sourceTitle(passage);
}

export function whereText(passage) {
  const cell = `${cellLabel(passage.cell)} (${passage.cell.title})`;
  return passage.study ? `${cell} · ${passage.section}` : cell;
}

export function newTabLink(url, text, className) {
  return el(
    "a",
    { href: url, target: "_blank", rel: "noopener noreferrer", class: className },
    text,
    el("span", { class: "visually-hidden", text: " (opens in a new tab)" }),
  );
}

// What a citation points to, in the words a reader needs to find it.
export function describeSource(passage) {
  return el(
    "span",
    { class: "source-description" },
    badge(evidenceType(passage)),
    " ",
    el("span", { class: "source-title", text: titleWithYear(passage) }),
    el("span", { class: "source-where", text: whereText(passage) }),
    authorsLine(passage),
    passage.supplementary ? el("span", { class: "source-supplementary", text: "Supplementary text (unfolded on the page)" }) : null,
    refersTo(passage),
  );
}

export function refersTo(passage) {
  if (!passage.refers_to || !passage.refers_to.length) return null;
  const studies = passage.refers_to.map((study) => `${study.type} ${study.title}${study.year ? ` (${study.year})` : ""}`);
  return el("span", { class: "source-refers", text: `Refers to: ${studies.join("; ")}` });
}

// Each link says what it leads to; the cell page is named as such, the line above already says which cell.
export function linkText(link, passage) {
  if (link.url === passage.cell.url) return "The cell's page in the Effectiveness Bank";
  if (link.kind === "analysis") return `Effectiveness Bank analysis: ${link.title}`;
  if (link.kind === "publication") return `Original publication: ${link.title}`;
  if (link.kind === "in text") return /^\d+$/.test(link.title) ? `Reference ${link.title} in this passage` : `Linked in this passage: “${link.title}”`;
  return link.title;
}

export function linkList(passage) {
  return el(
    "ul",
    { class: "source-links" },
    (passage.links || []).map((link) => el("li", { class: `link-${(link.kind || "").replace(" ", "-")}` }, newTabLink(link.url, linkText(link, passage)))),
  );
}

export function authorsLine(passage) {
  const study = passage.study;
  if (!study || !study.authors) return null;
  return el("span", { class: "source-authors", text: study.journal ? `${study.authors}. ${study.journal}` : study.authors });
}

export function plainSource(n, passage) {
  const type = evidenceType(passage);
  const links = (passage.links || []).map((link) => link.url).join(" ");
  return `[${n}] ${type === "commentary" ? "Commentary" : type}: ${titleWithYear(passage)}. ${whereText(passage)}. ${links}`;
}
