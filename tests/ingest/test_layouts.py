"""Every layout real copies of cell pages come in is read whole (docs/ingest.md), and what cannot be placed is named.

Each layout has a fake page of its own in tests/data/layouts/, named by its cell and its layout.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from matrixqa.cli import main
from matrixqa.errors import NotACellPage, ParseError
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.add import add_page
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.commentary import TEMPLATE_HEADINGS
from matrixqa.ingest.corpus import load_cell, load_corpus, parse_page
from matrixqa.ingest.identity import cell_title
from matrixqa.search.retrieve import Retriever
from tests.conftest import FAKE_CELL, REAL_CORPUS
from tests.html_pages import html_page

LAYOUTS = Path(__file__).parent.parent / "data" / "layouts"
TEXT_PAGES = sorted(LAYOUTS.glob("*.txt"))
NEWER = LAYOUTS / "alcohol-B2-newer-layout.txt"
CATALOGUE = LAYOUTS / "drug-A3-catalogue-record.txt"
COMMENTARY_ONLY = LAYOUTS / "drug-C2-commentary-only.txt"
TITLE_AFTER_LEGEND = LAYOUTS / "drug-E5-title-after-legend.txt"
CUT_OFF = LAYOUTS / "drug-D1-cut-off.txt"
NO_FULL_STOP = LAYOUTS / "drug-D2-year-without-full-stop.txt"
# An entry as the fixtures write it: a "Fixture" title (after its type letter, or with the letter on the line above)
# and a year in brackets.
FIXTURE_ENTRY = re.compile(r"^(?:[SKRG] )?Fixture.*?\([^()]*\b\d{4}\b[^()]*\)", re.MULTILINE)


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def key_of(page: Path) -> str:
    """The cell a fixture holds, by its name: `drug-C2-commentary-only.txt` holds drug-C2."""
    return "-".join(page.name.split("-")[:2])


def entries(cell) -> list[tuple[str, str, int | None, str]]:
    return [(s.type, s.title, s.year, s.note) for s in cell.studies]


@pytest.mark.parametrize("page", TEXT_PAGES, ids=lambda page: page.stem)
def test_every_layout_is_read_whole(page: Path):
    cell = load_cell(page)
    assert cell.key == key_of(page)
    assert cell.title == cell_title(cell.matrix, cell.code)  # however the page writes it
    assert len(cell.studies) == len(FIXTURE_ENTRY.findall(text(page)))
    assert all(s.year and s.note for s in cell.studies)
    assert cell.sections and cell.sections[0].heading == TEMPLATE_HEADINGS[0]
    assert cell.summary.startswith("FAKE TEST CELL") or page == CATALOGUE  # a catalogue record has no summary
    assert cell.unplaced == ()
    words = " ".join(p.text for p in chunk_cell(cell))
    for navigation in ("- Home", "Matrix cell logo", "Funded by", "Comment/query", "Matrix Bite", "PDF"):
        assert navigation not in words


@pytest.mark.parametrize("page", TEXT_PAGES, ids=lambda page: page.stem)
def test_every_layout_reads_the_same_saved_as_html(page: Path):
    copied, saved = load_cell(page), parse_page(html_page(text(page)), f"{page.stem}.html")
    assert (saved.key, saved.summary, saved.credits, saved.unplaced) == (
        copied.key,
        copied.summary,
        copied.credits,
        copied.unplaced,
    )
    assert entries(saved) == entries(copied)
    assert [(s.label, [p.text for p in s.paragraphs]) for s in saved.sections] == [
        (s.label, [p.text for p in s.paragraphs]) for s in copied.sections
    ]


@pytest.mark.parametrize("page", [*TEXT_PAGES, REAL_CORPUS / "drug-B3.txt"], ids=lambda page: page.stem)
@pytest.mark.parametrize(
    "space",
    ["\u00a0", "\u202f", "\u2009", "  ", "\u200b "],
    ids=["no-break", "narrow no-break", "thin", "doubled", "zero-width"],
)
def test_a_page_whose_spaces_are_no_break_doubled_or_thin_reads_as_with_plain_spaces(page: Path, space: str):
    copied = parse_page(text(page), page.name)
    spaced = text(page).replace(" ", space)
    for saved in (parse_page(spaced, page.name), parse_page(html_page(spaced), f"{page.stem}.html")):
        assert (saved.key, saved.summary, saved.unplaced, entries(saved)) == (
            copied.key,
            copied.summary,
            copied.unplaced,
            entries(copied),
        )
        assert [[p.text for p in s.paragraphs] for s in saved.sections] == [
            [p.text for p in s.paragraphs] for s in copied.sections
        ]


@pytest.mark.parametrize("page", [*TEXT_PAGES, REAL_CORPUS / "drug-B3.txt"], ids=lambda page: page.stem)
def test_a_page_whose_template_headings_are_in_capitals_reads_as_in_their_own_case(page: Path):
    copied = parse_page(text(page), page.name)
    template = re.compile(
        r"^(?:What is (?:this )?cell(?: [A-E][1-5])? about\?|Where should I start\?|"
        r"Highlighted study|Issues to consider and discuss)",
        re.MULTILINE,
    )
    shouted = template.sub(lambda m: m.group().upper(), text(page))
    assert shouted != text(page)
    saved = parse_page(shouted, page.name)
    assert (saved.key, saved.summary, entries(saved), saved.unplaced) == (
        copied.key,
        copied.summary,
        entries(copied),
        copied.unplaced,
    )
    assert [(s.label, [p.text for p in s.paragraphs]) for s in saved.sections] == [
        (s.label, [p.text for p in s.paragraphs]) for s in copied.sections
    ]


def test_the_newer_layouts_html_keeps_each_entrys_links_once_its_letter_is_joined_to_it():
    copied, saved = load_cell(NEWER), load_cell(NEWER.with_suffix(".html"))
    assert entries(saved) == entries(copied) and saved.summary == copied.summary
    assert all(s.url and s.url.startswith("https://example.org/fixture/") for s in saved.studies)
    first = saved.studies[0]
    assert [(link.text, first.text[link.start : link.end]) for link in first.links] == [("Ruritania", "Ruritania")]


def test_a_title_both_matrices_have_takes_its_matrix_from_where_the_page_was_found():
    page = text(NEWER)
    with pytest.raises(ParseError, match=r"name the file drug-B2\.txt .* or alcohol-B2\.txt"):
        parse_page(page, "saved copy.txt")
    with pytest.raises(ParseError, match="alcohol-B2.html"):
        parse_page(html_page(page), "saved copy.html")
    # A name or an address naming another cell says nothing of this one.
    with pytest.raises(ParseError, match="both matrices"):
        parse_page(page, "alcohol-B3.txt", "https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/B3.htm")
    assert parse_page(page, "alcohol-B2 (saved).txt").key == "alcohol-B2"
    assert parse_page(page, "drug-b2.txt").key == "drug-B2"
    addressed = parse_page(page, "page.txt", "https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/B2.htm")
    assert addressed.key == "alcohol-B2"


def test_a_row_only_one_matrix_has_names_the_matrix_itself():
    page = text(NEWER).replace("Practitioners; Generic and cross-cutting issues", "Practitioners; Reducing harm")
    cell = parse_page(page, "saved copy.txt")
    assert (cell.key, cell.title) == ("drug-B1", "Practitioners; Reducing harm")
    assert len(cell.studies) == 4 and cell.summary.startswith("FAKE TEST CELL")


def test_add_takes_the_matrix_from_the_saved_files_name_or_says_how_to_give_it(tmp_path: Path):
    corpus = tmp_path / "corpus"
    unnamed = tmp_path / "cell page.txt"
    unnamed.write_text(text(NEWER), encoding="utf-8")
    with pytest.raises(NotACellPage, match=r"alcohol-B2\.txt"):
        add_page(str(unnamed), corpus)
    assert not corpus.exists()
    named = tmp_path / "alcohol-B2 from the site.txt"
    named.write_text(text(NEWER), encoding="utf-8")
    assert add_page(str(named), corpus).file == corpus / "alcohol-B2.txt"
    assert [c.key for c in load_corpus(corpus).cells] == ["alcohol-B2"]


def test_a_cell_named_only_after_its_legend_is_named_and_its_summary_follows():
    cell = load_cell(TITLE_AFTER_LEGEND)
    assert cell.summary.startswith("FAKE TEST CELL") and len(cell.studies) == 4


def test_a_catalogue_record_is_named_by_its_breadcrumb_and_its_citation_is_no_content():
    cell = load_cell(CATALOGUE)
    assert (cell.matrix, cell.code, cell.title) == ("Drug Treatment Matrix", "A3", "Interventions; Medical treatment")
    assert cell.studies == () and cell.summary == ""
    passages = chunk_cell(cell)
    assert not any("Fixture Press" in p.text or "fixture copy" in p.text for p in passages)
    assert passages[0].text.startswith("FAKE TEST CELL")


@pytest.mark.parametrize("heading", ["What is this cell D4 about?", "What is cell D4 about?"])
def test_a_first_heading_naming_the_cell_is_the_first_template_heading(heading: str):
    cell = parse_page(text(FAKE_CELL).replace("What is this cell about?", heading), "alcohol-D4.txt")
    assert [s.label for s in cell.sections] == [s.label for s in load_cell(FAKE_CELL).sections]
    assert cell.sections[0].paragraphs[0].text.startswith("About invented")


def test_an_entry_without_a_full_stop_after_its_year_is_read():
    cell = load_cell(NO_FULL_STOP)
    notes = [(1991, "Invented"), (2006, "Made-up"), (2013, "Imaginary")]
    assert [(s.year, s.note.split()[0]) for s in cell.studies] == notes
    assert cell.studies[1].free_source


def test_a_year_in_brackets_inside_a_title_is_not_the_entrys_year():
    page = text(NO_FULL_STOP).replace("Fixture review of punctual", "Fixture (1999 cohort) review of punctual")
    assert parse_page(page, "drug-D2.txt").studies[2].title == "Fixture (1999 cohort) review of punctual organisations"


def test_a_title_joined_by_a_colon_is_the_cells_title_and_the_summary_follows_it():
    page = text(LAYOUTS / "drug-C4-colon-title.txt")
    for copy in (page, page.split("\n", 1)[1]):  # with and without the title line that opens the page
        cell = parse_page(copy, "drug-C4.txt")
        assert cell.title == "Management/supervision; Psychosocial therapies"
        assert cell.summary.startswith("FAKE TEST CELL")


def test_a_sentence_the_pages_end_cut_short_is_kept_but_never_quotable():
    last = chunk_cell(load_cell(CUT_OFF))[-1]
    fragment = len(last.sentences) - 1
    assert last.sentence_texts[fragment].endswith("whenever the") and not last.quotable(fragment)
    assert all(last.quotable(i) for i in range(fragment))
    # Every other passage of the page is whole.
    assert all(p.quotable(len(p.sentences) - 1) for p in chunk_cell(load_cell(CUT_OFF))[:-1])


def test_a_short_fragment_on_a_line_of_its_own_is_text_not_a_heading():
    page = text(CUT_OFF).rsplit(" The invented clients", 1)[0] + "\n\nThe invented clients said"
    cell = parse_page(page, "drug-D1.txt")
    assert [s.label for s in cell.sections] == [s.label for s in load_cell(CUT_OFF).sections]
    last = chunk_cell(cell)[-1]
    assert last.text == "The invented clients said" and not last.quotable(0)


def test_an_entry_the_pages_end_cut_short_is_kept_but_its_last_sentence_never_quoted():
    page = text(NO_FULL_STOP).split("\nMatrix Bite")[0].rsplit(" kept more", 1)[0]
    passages = chunk_cell(parse_page(page, "drug-D2.txt"))
    review = next(p for p in passages if p.study and p.study.type == "R")
    assert review.text.endswith("punctual services") and not review.quotable(len(review.sentences) - 1)
    assert all(p.quotable(len(p.sentences) - 1) for p in passages if p is not review)


def test_a_page_with_commentary_only_builds_into_an_index(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(COMMENTARY_ONLY, corpus / "drug-C2.txt")
    loaded = load_corpus(corpus)
    assert loaded.problems == () and loaded.cells[0].studies == ()
    build_index(loaded, HashingEmbedder(), tmp_path / "index")
    retriever = Retriever(load_index(tmp_path / "index", HashingEmbedder(), corpus), HashingEmbedder())
    hit = retriever.search("supervisors met their teams by candlelight", 1).hits[0]
    assert hit.passage.cell.code == "C2" and hit.passage.kind == "commentary" and "candlelight" in hit.passage.text


def test_a_corpus_of_every_layout_builds_whole(corpus_dir: Path, tmp_path: Path):
    for page in TEXT_PAGES:
        shutil.copy(page, corpus_dir / page.name)
    loaded = load_corpus(corpus_dir)
    assert loaded.problems == ()
    assert sorted(c.key for c in loaded.cells) == sorted(["drug-B3", "alcohol-D4", *map(key_of, TEXT_PAGES)])
    assert all(c.unplaced == () for c in loaded.cells)  # the real B3 page too
    manifest = build_index(loaded, HashingEmbedder(), tmp_path / "index")
    assert len(manifest["cells"]) == len(loaded.cells)


STRAY_SUMMARY = "Fixture stray paragraph between the summary and the list, which no part of a cell takes."
UNREADABLE_ENTRY = "K Fixture entry whose year is missing. Its note is here."


def with_stray_lines(page: str) -> str:
    """The page with a second paragraph after its summary, and in its list a line that is not an entry."""
    summary = next(line for line in page.splitlines() if line.startswith("FAKE TEST CELL"))
    page = page.replace(summary, f"{summary}\n\n{STRAY_SUMMARY}", 1)
    return page.replace("\nR Fixture review", f"\n{UNREADABLE_ENTRY}\n\nR Fixture review", 1)


def test_lines_no_part_of_the_cell_takes_are_kept_as_unplaced():
    cell = parse_page(with_stray_lines(text(TITLE_AFTER_LEGEND)), "drug-E5.txt")
    assert cell.unplaced == (STRAY_SUMMARY, UNREADABLE_ENTRY)
    assert cell.summary.startswith("FAKE TEST CELL") and len(cell.studies) == 4
    # A type letter on a line of its own above a line that is no entry is no entry either.
    yearless = (
        "Fixture review of whistling at work. Imaginary review of twelve invented trials of cheerful counsellors."
    )
    newer = text(NEWER).replace("Fixture review of whistling at work (2012).", "Fixture review of whistling at work.")
    assert parse_page(newer, "alcohol-B2.txt").unplaced == ("R", yearless)


def test_build_names_every_line_it_could_not_place(corpus_dir: Path, cli_env: dict[str, str]):
    (corpus_dir / "drug-E5.txt").write_text(with_stray_lines(text(TITLE_AFTER_LEGEND)), encoding="utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    reported = [line for line in result.stderr.splitlines() if line.startswith("unplaced")]
    assert reported == [
        f"unplaced in drug-E5.txt (left out of the index): {STRAY_SUMMARY}",
        f"unplaced in drug-E5.txt (left out of the index): {UNREADABLE_ENTRY}",
    ]


def test_the_real_page_has_nothing_unplaced():
    assert load_cell(REAL_CORPUS / "drug-B3.txt").unplaced == ()
