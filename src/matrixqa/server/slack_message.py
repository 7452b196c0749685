"""An answer as a Slack message: Block Kit blocks in Slack's mrkdwn, laid out as the chat page lays it out.

Answered: the framing line, the answer with each [n] a link to its source, the sources as a short list
(evidence type, title, year, cell) and the acknowledgement the site asks for. Declined: what the corpus
covers and questions it can answer. Text from the corpus is escaped, so Slack shows it as written.
The answer's blocks are named, so that an answer read back from a thread (`answer_of`) is the answer alone,
as /api/ask gave it.
"""

from __future__ import annotations

import re
from typing import Any

from matrixqa.ingest.cell import StudyType
from matrixqa.server.responses import AnswerResponse, CitationOut, PassageOut

EVIDENCE_TYPES = {**{kind.value: kind.label for kind in StudyType}, "commentary": "Matrix Bite commentary"}
MARKER = re.compile(r"(?<=\s)\[(\d+)\](?=\s|$)")  # as the page finds them (web/answer.js)
# Slack's markup in a message's text: a mention (<@U123>), a link (<url|label>), a channel (<#C1|name>).
MARKUP = re.compile(r"<(@)?([^<>|]*)(?:\|([^<>]*))?>")
ANSWER_BLOCK = "answer"  # the block_id of the answer's sections: answer-0, answer-1, ...
SECTION_LIMIT = 3000  # characters of text one section block may hold
MAX_SUGGESTIONS = 3
FEEDBACK_ACTIONS = {"feedback_helpful": ("Helpful", True), "feedback_not_helpful": ("Not helpful", False)}
Block = dict[str, Any]


def escape(text: str) -> str:
    """Text Slack shows as written: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(mrkdwn: str) -> str:
    """A message's text as words: mentions left out, a link as its label, Slack's escapes undone."""
    words = MARKUP.sub(lambda m: " " if m[1] else (m[3] or m[2]), mrkdwn)
    return words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def answer_of(message: dict[str, Any]) -> str:
    """The answer an earlier message of the app's gave, as /api/ask gave it ("... [1] ..."); empty for a decline."""
    blocks = message.get("blocks") or []
    named = [b for b in blocks if str(b.get("block_id", "")).startswith(f"{ANSWER_BLOCK}-") and b.get("text")]
    return plain(" ".join(b["text"].get("text", "") for b in named))


def link(url: str, label: str) -> str:
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def source_url(passage: PassageOut) -> str:
    """Where a citation leads: the study's analysis, or the cell page (a passage's links end with its cell)."""
    return passage.links[0].url


def answer_text(response: AnswerResponse) -> str:
    """The answer, each [n] a link to the source it cites."""
    by_number = {c.n: c for c in response.citations}

    def marker(match: re.Match[str]) -> str:
        citation = by_number.get(int(match[1]))
        return link(source_url(citation.passage), match[0]) if citation else match[0]

    return MARKER.sub(marker, escape(response.answer))


def source_line(citation: CitationOut) -> str:
    """`[1] <title (year)> · Seminal study · Drug Treatment Matrix cell B3 · section`, the title a link."""
    passage = citation.passage
    study = passage.study
    title = study.title if study else passage.section
    year = f" ({study.year})" if study and study.year else ""
    where = f"{passage.cell.matrix} cell {passage.cell.code}" + (f" · {passage.section}" if study else "")
    kind = EVIDENCE_TYPES[study.type if study else "commentary"]
    return f"[{citation.n}] {link(source_url(passage), title + year)} · {kind} · {escape(where)}"


def sections(text: str, name: str = "") -> list[Block]:
    """Section blocks holding `text`, cut between words (never inside a link) to Slack's size for one block;
    with a `name`, each block is given the block_id name-0, name-1, ..."""
    blocks, current = [], ""
    for token in re.findall(r"<[^>]*>|[^<\s]+|\s+", text):
        if current and len(current) + len(token) > SECTION_LIMIT:
            blocks.append(current.strip())
            current = ""
        current += token
    blocks.append(current.strip())
    named = [{"type": "section", "text": {"type": "mrkdwn", "text": b}} for b in blocks if b]
    return [{**block, "block_id": f"{name}-{n}"} for n, block in enumerate(named)] if name else named


def feedback_buttons(answer_id: str) -> Block:
    buttons = [
        {"type": "button", "action_id": action, "text": {"type": "plain_text", "text": label}, "value": answer_id}
        for action, (label, _) in FEEDBACK_ACTIONS.items()
    ]
    return {"type": "actions", "block_id": "feedback", "elements": buttons}


def answer_message(response: AnswerResponse, feedback: bool) -> tuple[str, list[Block]]:
    """The message's notification text and its blocks; with `feedback`, buttons that rate the answer."""
    if response.answered:
        text = escape(response.lead or response.answer)
        blocks = sections(escape(response.lead)) + sections(answer_text(response), ANSWER_BLOCK)
        blocks += sections("*Sources*\n" + "\n".join(source_line(c) for c in response.citations))
        acknowledgements = dict.fromkeys(c.passage.cell.acknowledgement for c in response.citations)
        source = escape("Source of the text: " + "; ".join(a for a in acknowledgements if a) + ".")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": source}]})
        heading = "You could also ask"
    else:
        text = escape(response.message)
        blocks = sections(text)
        heading = "Questions the matrices can answer"
    if response.suggestions:
        asks = "\n".join(f"• {escape(s)}" for s in response.suggestions[:MAX_SUGGESTIONS])
        blocks += sections(f"*{heading}*\n{asks}")
    if feedback:
        blocks.append(feedback_buttons(response.id))
    return text, blocks
