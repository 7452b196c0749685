// The dialog that shows a cited passage in its context: section, highlighted sentences, neighbours, origin.
import { passageContext } from "./api.js";
import { append, clear, el, markRanges } from "./dom.js";
import { TYPE_NAMES, badge, cellLabel, evidenceType, linkList, newTabLink, refersTo, titleWithYear } from "./sources.js";

const $ = (id) => document.getElementById(id);
let opener = null;
let shown = null; // the passage on view: {passage, before, current, after}

export function initPassageDialog() {
  const dialog = $("passage-dialog");
  $("passage-close").addEventListener("click", () => dialog.close());
  // A click on the backdrop lands on the dialog element itself.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  $("passage-context-toggle").addEventListener("click", () => toggleContext(shown));
  dialog.addEventListener("close", () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
}

export function openPassage(citation) {
  const passage = citation.passage;
  opener = document.activeElement;
  const title = passage.study ? titleWithYear(passage) : TYPE_NAMES.commentary;
  $("passage-heading").textContent = `Source [${citation.n}]: ${title}`;
  append(clear($("passage-where")), [
    badge(evidenceType(passage)),
    ` ${cellLabel(passage.cell)}: ${passage.cell.title}`,
    refersTo(passage),
  ]);
  $("passage-section").textContent = passage.section;

  const cited = citation.sentences
    .map((sentence) => [passage.text.indexOf(sentence), sentence.length])
    .filter(([start]) => start >= 0)
    .map(([start, length]) => [start, start + length]);
  shown = {
    passage,
    before: el("div", { class: "context-before" }),
    current: el("p", { class: "context-current" }, markRanges(passage.text, cited, "cited")),
    after: el("div", { class: "context-after" }),
  };
  clear($("passage-body")).append(shown.before, shown.current, shown.after);
  showContextCollapsed();

  clear($("passage-links")).append(linkList(passage));
  const cell = passage.cell;
  clear($("passage-origin")).append(
    "Source: ",
    cell.acknowledgement || cellLabel(cell),
    ", ",
    newTabLink(cell.url, cell.url, "origin-link"),
    ". Small sections are reproduced with acknowledgement of origin.",
  );
  $("passage-dialog").showModal();
  $("passage-scroll").scrollTop = 0;
  $("passage-close").focus();
}

function showContextCollapsed() {
  const toggle = $("passage-context-toggle");
  toggle.setAttribute("aria-expanded", "false");
  toggle.textContent = "Show the rest of this section";
  $("passage-context-status").textContent = "";
}

async function toggleContext(view) {
  const toggle = $("passage-context-toggle");
  const status = $("passage-context-status");
  if (toggle.getAttribute("aria-expanded") === "true") {
    clear(view.before);
    clear(view.after);
    showContextCollapsed();
    return;
  }
  if (view.loading) return; // not disabled while loading: that would take the focus away from it
  view.loading = true;
  status.textContent = "Loading the rest of the section…";
  try {
    const context = await passageContext(view.passage.id);
    if (shown !== view) return; // another passage was opened meanwhile
    const index = context.paragraphs.findIndex((paragraph) => paragraph.current);
    const paragraph = (item) => el("p", { class: "context-neighbour", text: item.text });
    view.before.append(...context.paragraphs.slice(0, index).map(paragraph));
    view.after.append(...context.paragraphs.slice(index + 1).map(paragraph));
    // Keep the cited passage in view; scrollIntoView would scroll the page behind the dialog too.
    const scroller = $("passage-scroll");
    scroller.scrollTop += view.current.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 16;
    const others = context.paragraphs.length - 1;
    status.textContent = others
      ? `Showing ${others} more paragraph${others === 1 ? "" : "s"} of “${context.section}”.`
      : "This passage is the whole of its section.";
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "Hide the rest of this section";
  } catch (error) {
    if (shown === view) status.textContent = `The rest of the section could not be loaded: ${error.message}`;
  } finally {
    view.loading = false;
  }
}
