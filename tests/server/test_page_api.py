"""The endpoints and files the chat page relies on: its shell, its assets, the cell list and passage context."""

from __future__ import annotations

import re
from types import SimpleNamespace

from matrixqa.ingest.corpus import cell_url
from matrixqa.ingest.identity import COLUMNS, ROWS
from matrixqa.server.responses import ContextResponse
from matrixqa.settings import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
LOADED_FROM_ELSEWHERE = (
    r'<(?:script|link|img|iframe|source)\b[^>]*(?:src|href)="(?:https?:)?//|@import|url\(|from "(?:https?:)?//'
)


def test_page_shell_and_every_asset_it_names_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert "/static/app.js" in assets and "/static/style.css" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_page_has_no_inline_script_style_or_handler_and_nothing_from_elsewhere():
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b|\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for name in ("index.html", *(p.name for p in WEB.glob("*.js")), "style.css"):
        text = (WEB / name).read_text(encoding="utf-8")
        # Links the reader follows may lead elsewhere; what the page loads must not.
        assert not re.search(LOADED_FROM_ELSEWHERE, text), name
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "document.write" not in text, name


def test_every_module_the_page_imports_exists():
    for script in WEB.glob("*.js"):
        for target in re.findall(r'from "\./([^"]+)"', script.read_text(encoding="utf-8")):
            assert (WEB / target).is_file(), f"{script.name} imports a missing {target}"


def test_cells_lists_each_cell_of_the_corpus_with_its_passages(client):
    cells = client.get("/api/cells").get_json()["cells"]
    assert [(c["matrix"], c["code"]) for c in cells] == [
        ("Alcohol Treatment Matrix", "D4"),
        ("Drug Treatment Matrix", "B3"),
    ]
    drug = cells[1]
    assert drug["title"] == "Practitioners; Medical treatment"
    assert drug["url"] == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm"
    assert drug["acknowledgement"].endswith("Drug Treatment Matrix cell B3")
    assert sum(c["passages"] for c in cells) == client.get("/api/health").get_json()["passages"]


def sections(passages):
    """The passages of each section of each cell, in page order."""
    grouped = {}
    for passage in passages:
        grouped.setdefault((passage.cell, passage.section), []).append(passage)
    return list(grouped.values())


def test_context_gives_the_whole_section_around_a_passage_in_page_order(client, retriever):
    section = next(s for s in sections(retriever.index.passages) if len(s) >= 3)
    middle = section[1]
    context = client.get(f"/api/passages/{middle.id}/context").get_json()
    assert context["section"] == middle.section
    assert context["cell"]["code"] == middle.cell.code
    assert [p["id"] for p in context["paragraphs"]] == [p.id for p in section]
    assert [p["text"] for p in context["paragraphs"]] == [p.text for p in section]
    assert [p["id"] for p in context["paragraphs"] if p["current"]] == [middle.id]


def test_context_of_a_passage_alone_in_its_section_is_that_passage(client, retriever):
    (alone,) = next(s for s in sections(retriever.index.passages) if len(s) == 1)
    context = client.get(f"/api/passages/{alone.id}/context").get_json()
    assert context["paragraphs"] == [{"id": alone.id, "text": alone.text, "current": True}]


def test_context_of_an_unknown_passage_is_a_json_404(client):
    response = client.get("/api/passages/drug-B3-0000000000/context")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no passage with id 'drug-B3-0000000000' in the index"}


def test_context_of_every_passage_is_exactly_its_section(client, retriever):
    # The first and last passages of the index and of each section included: the edges are where it goes wrong.
    passages = retriever.index.passages
    for passage in passages:
        section = [p.id for p in passages if p.cell == passage.cell and p.section == passage.section]
        context = client.get(f"/api/passages/{passage.id}/context").get_json()
        assert [p["id"] for p in context["paragraphs"]] == section


def test_context_reaches_the_first_passage_of_an_index_that_opens_with_a_long_section(retriever):
    # The index's first section here has one passage; an index whose first section has several (and one
    # of a single section) is where the edges differ.
    grouped = sections(retriever.index.passages)
    section = next(s for s in grouped if len(s) >= 3)
    others = [p for s in grouped if s is not section for p in s]
    for index in (SimpleNamespace(passages=section), SimpleNamespace(passages=[*section, *others])):
        for position in range(len(section)):
            context = ContextResponse.of(index, position)  # type: ignore[arg-type]
            assert [p.id for p in context.paragraphs] == [p.id for p in section]


def test_cells_gives_the_address_of_every_cell_of_both_matrices_held_or_not(client):
    matrices = client.get("/api/cells").get_json()["matrices"]
    assert sorted(m["name"] for m in matrices) == sorted(ROWS)
    for matrix in matrices:
        codes = [f"{column}{row}" for row in range(1, len(ROWS[matrix["name"]]) + 1) for column in COLUMNS]
        assert matrix["addresses"] == {code: cell_url(matrix["name"], code) for code in codes}
    drug = next(m for m in matrices if m["name"] == "Drug Treatment Matrix")
    assert drug["addresses"]["E5"] == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/E5.htm"
