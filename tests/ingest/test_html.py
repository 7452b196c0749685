"""A cell page saved as HTML: the same text as its plain copy, plus its links and its folded text."""

import shutil
from pathlib import Path

import pytest

from matrixqa.errors import ParseError
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_cell, load_corpus, parse_page
from matrixqa.ingest.html import read_html_page
from matrixqa.search.retrieve import Retriever
from matrixqa.server.responses import PassageOut
from tests.conftest import FAKE_CELL, REAL_CORPUS
from tests.html_pages import (
    FAKE_SUPPLEMENTARY,
    FOOTER_WORDS,
    NAVIGATION_WORDS,
    SCRIPT_WORDS,
    analysis_url,
    html_page,
    phrase_url,
    reference_url,
)

B3_TEXT = (REAL_CORPUS / "drug-B3.txt").read_text(encoding="utf-8")
B3_TITLE = "Drug Treatment Matrix cell B3: Practitioners; Medical treatment"


@pytest.fixture(scope="module")
def text_cell():
    return parse_page(B3_TEXT, "drug-B3.txt")


@pytest.fixture(scope="module")
def html_cell():
    return parse_page(html_page(B3_TEXT, title=B3_TITLE), "drug-B3.html")


def commentary(cell, supplementary: bool | None = None) -> list:
    return [p for s in cell.sections for p in s.paragraphs if supplementary is None or p.supplementary == supplementary]


def test_html_gives_the_text_the_plain_copy_gives(text_cell, html_cell):
    assert (html_cell.matrix, html_cell.code, html_cell.title) == (text_cell.matrix, text_cell.code, text_cell.title)
    assert html_cell.summary == text_cell.summary
    assert [s.text for s in html_cell.studies] == [s.text for s in text_cell.studies]
    assert [s.label for s in html_cell.sections] == [s.label for s in text_cell.sections]
    assert [p.text for p in commentary(html_cell, supplementary=False)] == [p.text for p in commentary(text_cell)]
    assert html_cell.credits == text_cell.credits


def test_a_study_entry_carries_the_link_on_its_title(html_cell, text_cell):
    assert [s.url for s in html_cell.studies] == [analysis_url(n) for n in range(1, 14)]
    assert all(s.url is None for s in text_cell.studies)  # the text copy has lost them
    # "For discussion click here ..." is site navigation, dropped from the entry with its link.
    assert not any(link.text == "here" for s in html_cell.studies for link in s.links)


def test_a_reference_run_becomes_one_link_a_number(html_cell):
    paragraph = next(p for p in commentary(html_cell) if "(1 2 3 4)" in p.text)
    numbers = [link for link in paragraph.links if link.text.isdigit()]
    assert [link.text for link in numbers] == ["1", "2", "3", "4"]
    run = paragraph.text.index("(1 2 3 4)")
    assert [link.start for link in numbers] == [run + 1, run + 3, run + 5, run + 7]
    assert all(paragraph.text[link.start : link.end] == link.text for link in paragraph.links)
    assert len({link.url for link in numbers}) == 4 and numbers[0].url.startswith(reference_url(0, "")[:-2])


def test_commentary_passages_carry_the_links_inside_them(html_cell):
    passages = chunk_cell(html_cell)
    linked = [p for p in passages if p.kind == "commentary" and p.text_links]
    assert linked
    for passage in linked:
        for link in passage.text_links:
            assert passage.text[link.start : link.end] == link.text
    pointing = next(p for p in linked if any(link.text == "study listed above" for link in p.text_links))
    link = next(link for link in pointing.text_links if link.text == "study listed above")
    assert link.url.startswith(phrase_url(0, "")[: -len("/0/")])
    in_text = [entry for entry in pointing.links if entry["kind"] == "in text"]
    assert {"title": "study listed above", "url": link.url, "kind": "in text"} in in_text
    assert pointing.links[-1]["kind"] == "cell"


def test_a_long_paragraph_split_in_two_keeps_each_link_in_its_part(html_cell):
    passages = chunk_cell(html_cell)
    carried = [link.url for p in passages for link in p.text_links]
    on_page = [link.url for p in commentary(html_cell) for link in p.links]
    assert carried == on_page


def test_supplementary_text_is_kept_marked_and_searchable(html_cell, tmp_path: Path):
    folded = commentary(html_cell, supplementary=True)
    assert [p.text for p in folded] == [FAKE_SUPPLEMENTARY]
    passage = next(p for p in chunk_cell(html_cell) if p.supplementary)
    assert passage.text == FAKE_SUPPLEMENTARY and passage.section == "Not just an addiction"

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "drug-B3.html").write_text(html_page(B3_TEXT, title=B3_TITLE), encoding="utf-8")
    build_index(load_corpus(corpus), HashingEmbedder(), tmp_path / "index")
    retriever = Retriever(load_index(tmp_path / "index", HashingEmbedder(), corpus), HashingEmbedder())
    hit = retriever.search("quokka-shaped pill boxes", 1).hits[0]
    assert hit.passage.text == FAKE_SUPPLEMENTARY
    assert PassageOut.of(hit).model_dump(mode="json")["supplementary"] is True


def test_navigation_scripts_styles_and_footers_never_reach_a_passage(html_cell):
    text = "\n".join(p.text for p in chunk_cell(html_cell))
    for words in (NAVIGATION_WORDS, SCRIPT_WORDS, FOOTER_WORDS, "color: teal"):
        assert words not in text
    lines = [line.text for line in read_html_page(html_page(B3_TEXT, title=B3_TITLE), "https://example.org/")]
    assert NAVIGATION_WORDS not in " ".join(lines) and FOOTER_WORDS not in " ".join(lines)


@pytest.mark.parametrize(
    "title, keep_header",
    [
        (B3_TITLE, False),  # only the document's <title> names the cell
        ("Findings", True),  # the body's title line does
        (None, False),  # neither: the "Drug Treatment Matrix cell B3 Matrix cell logo" line does
    ],
)
def test_the_cell_is_recognised_from_the_page_not_its_file_name(title, keep_header):
    cell = parse_page(html_page(B3_TEXT, title=title, keep_header=keep_header), "saved page (3).html")
    assert (cell.matrix, cell.code, cell.title) == ("Drug Treatment Matrix", "B3", "Practitioners; Medical treatment")
    assert len(cell.studies) == 13


def test_an_html_page_that_is_not_a_cell_is_refused_with_the_reason():
    with pytest.raises(ParseError, match="never names its cell"):
        parse_page("<html><head><title>Findings home</title></head><body><p>Welcome</p></body></html>", "x.html")


def test_relative_addresses_resolve_against_the_pages_base():
    page = html_page(B3_TEXT, title=B3_TITLE).replace(analysis_url(2), "analysis-two.htm")
    page = page.replace("<head>", '<head><base href="https://example.org/saved/">')
    cell = parse_page(page, "drug-B3.html", "https://findings.org.uk/PHP/dl.php")
    assert cell.studies[1].url == "https://example.org/saved/analysis-two.htm"


def test_the_corpus_reads_html_pages_beside_text_pages(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FAKE_CELL, corpus / FAKE_CELL.name)
    shutil.copy(REAL_CORPUS / "drug-B3.json", corpus / "drug-B3.json")
    (corpus / "drug-B3.htm").write_text(html_page(B3_TEXT, title=B3_TITLE), encoding="utf-8")
    loaded = load_corpus(corpus)
    assert sorted(c.key for c in loaded.cells) == ["alcohol-D4", "drug-B3"] and not loaded.problems
    b3 = load_cell(corpus / "drug-B3.htm")
    # The page's own title link comes first; the metadata's facts about the study stay.
    assert b3.studies[0].url == analysis_url(1)
    assert b3.studies[0].authors.startswith("McLellan AT")
    before = loaded.fingerprint
    (corpus / "drug-B3.htm").write_text(html_page(B3_TEXT, title=B3_TITLE) + "<!-- changed -->", encoding="utf-8")
    assert load_corpus(corpus).fingerprint != before
