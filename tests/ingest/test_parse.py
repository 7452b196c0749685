import re
from pathlib import Path

import pytest

from matrixqa.errors import CorpusError, ParseError
from matrixqa.ingest.commentary import TEMPLATE_HEADINGS
from matrixqa.ingest.corpus import load_cell, load_corpus
from matrixqa.ingest.parse import parse_cell_page
from tests.conftest import FAKE_CELL, REAL_CORPUS

WIDGET_TEXT = ("Opens new window", "Close Matrix Bite", "Unfold supplementary text", "Funded by", "Matrix cell logo")


def all_text(cell) -> str:
    parts = [cell.summary] + [s.text for s in cell.studies]
    parts += [p.text for section in cell.sections for p in section.paragraphs]
    return "\n".join(parts)


def test_real_cell_identity_and_documents():
    cell = load_cell(REAL_CORPUS / "drug-B3.txt")
    assert (cell.matrix, cell.code, cell.title) == ("Drug Treatment Matrix", "B3", "Practitioners; Medical treatment")
    assert cell.url == "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/B3.htm"
    assert [s.type for s in cell.studies] == list("SSKKKKKRRGGGG")
    first = cell.studies[0]
    assert first.title == "Quasi-randomisation reveals methadone counsellor is an ‘active ingredient’"
    assert first.year == 1988
    assert first.url == "https://findings.org.uk/PHP/dl.php?file=McLellan_AT_10.txt"
    # No other address is known: the others stay without one (and link to the cell page later).
    assert all(s.url is None for s in cell.studies[1:])
    guidance = cell.studies[9]
    assert guidance.year == 2012 and "Royal College of Psychiatrists" in guidance.source
    assert [s.free_source for s in cell.studies].count(True) == 4
    assert "click here" not in first.note and first.note.endswith("Related study below.")


def test_real_cell_sections_follow_the_page():
    cell = load_cell(REAL_CORPUS / "drug-B3.txt")
    labels = [s.label for s in cell.sections]
    assert labels == [
        "What is this cell about?",
        "Where should I start?",
        "Highlighted study",
        "Issues to consider and discuss › What do rules do to relationships?",
        "Not just an addiction",
    ]
    assert cell.sections[2].paragraphs[0].text.startswith("Philadelphia in the USA")
    assert cell.credits.startswith("Thanks for their comments")
    text = all_text(cell)
    for widget in WIDGET_TEXT:
        assert widget not in text
    # The display quote repeats a sentence of the next paragraph and is dropped.
    assert not any(p.text.startswith("Creating a new identity is") for s in cell.sections for p in s.paragraphs)
    assert "Unfold the supplementary text for more on how" in text


def test_fake_cell_parses_with_its_own_headings():
    cell = load_cell(FAKE_CELL)
    assert (cell.matrix, cell.code) == ("Alcohol Treatment Matrix", "D4")
    assert cell.url == "https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/D4.htm"
    assert [(s.type, s.year) for s in cell.studies] == [("S", 1971), ("K", 2003), ("R", 2011), ("G", 2020)]
    assert [s.free_source for s in cell.studies] == [False, True, True, False]
    labels = [s.label for s in cell.sections]
    assert labels == list(TEMPLATE_HEADINGS[:3]) + [
        "Issues to consider and discuss › Do stripes distract clients?",
        "Lighthouses and listening",
    ]
    assert "Patience is the keeper's craft" not in [p.text for s in cell.sections for p in s.paragraphs]
    for widget in WIDGET_TEXT:
        assert widget not in all_text(cell)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Some other page\n\nhello", "first line"),
        ("Drug Treatment Matrix cell B3: Practitioners; Medical treatment\n\nno legend here", "legend"),
        ("Drug Treatment Matrix cell B3: X\n\nS Seminal studiesK Key studies\n\nnothing listed", "no entry"),
    ],
)
def test_unparseable_pages_say_why(text: str, reason: str):
    with pytest.raises(ParseError, match=reason):
        parse_cell_page(text)


def test_bad_files_are_reported_and_the_rest_loads(corpus_dir: Path):
    (corpus_dir / "drug-A1.txt").write_bytes(b"")
    (corpus_dir / "drug-A2.txt").write_bytes("Drug Treatment Matrix cell A2: caf\xe9".encode("latin-1"))
    (corpus_dir / "drug-A3.txt").write_text("not a cell page")
    corpus = load_corpus(corpus_dir)
    assert sorted(c.key for c in corpus.cells) == ["alcohol-D4", "drug-B3"]
    reasons = {p.file: p.reason for p in corpus.problems}
    assert "empty" in reasons["drug-A1.txt"]
    assert "UTF-8" in reasons["drug-A2.txt"]
    assert "first line" in reasons["drug-A3.txt"]


def test_metadata_that_contradicts_the_page_is_reported(corpus_dir: Path):
    (corpus_dir / "alcohol-D4.json").write_text('{"code": "D5"}')
    corpus = load_corpus(corpus_dir)
    assert [p.file for p in corpus.problems] == ["alcohol-D4.txt"]


def test_missing_corpus_folder(tmp_path: Path):
    with pytest.raises(CorpusError, match="MATRIXQA_CORPUS_DIR"):
        load_corpus(tmp_path / "nowhere")


# How real copies of cell pages vary (see the guide); each variant is made from the real B3 text.
B3_TEXT = (REAL_CORPUS / "drug-B3.txt").read_text(encoding="utf-8")
B3_HEADER = "Drug Treatment Matrix cell B3: Practitioners; Medical treatment"
FIRST_ENTRY_NOTE = "Related study below. For discussion click here and scroll down to highlighted heading."


def without_title_line(text: str) -> str:
    return text.replace(B3_HEADER + "\n", "", 1)


def other_funders(text: str) -> str:
    return text.replace(
        "Funded by\n",
        "2015/16 update funded by\n\nAn Imaginary Trust web site. Opens new Window\n\nAn Imaginary Trust\n\n"
        "Previously also funded by\n\n",
        1,
    )


def other_navigation(text: str) -> str:
    return (
        text.replace("Skills Consortium web site. Opens new window", "Skills Consortium web site. Opens a new window")
        .replace("Effectiveness Bank Drug Treatment Matrix", "Effectiveness Bank: Drug Treatment Matrix")
        .replace("Comment/query", "Comment/query\n\nSend email for updates\n\nSign up to our mailing list", 1)
        .replace("Effectiveness bank home page. Opens new window", "Effectiveness bank home page. Opens a new window")
    )


def cell_named_heading(text: str) -> str:
    return text.replace("What is this cell about? About", "What is cell B3 about? About", 1)


def heading_naming_this_cell(text: str) -> str:
    return text.replace("What is this cell about? About", "What is this cell B3 about? About", 1)


def years_without_full_stop(text: str) -> str:
    return re.sub(r"^([SKRG] .*?\([^()]*\b(?:19|20)\d\d\b[^()]*\))\.", r"\1", text, flags=re.MULTILINE)


def colon_in_title(text: str) -> str:
    return text.replace("Practitioners; Medical treatment", "Practitioners: Medical treatment")


def title_after_legend(text: str) -> str:
    """The older layout: the legend first, then the line naming the cell, its summary and its entries."""
    legend = next(line for line in text.splitlines() if line.startswith("S Seminal studies"))
    named = "Drug Treatment Matrix cell B3 Matrix cell logo\n\nPractitioners; Medical treatment\n"
    return without_title_line(text).replace(legend, "", 1).replace(named, f"{legend}\n\n{B3_HEADER}\n", 1)


def other_entry_notes(text: str) -> str:
    return (
        text.replace(
            FIRST_ENTRY_NOTE, "Related study below. For discussion click and scroll down to highlighted heading."
        )
        .replace(
            "One of the three was the study below.",
            "One of the three was the study below. For related discussion click and scroll down to highlighted "
            "heading.",
        )
        .replace("More on the importance of not doing the wrong things in cell B2.", "See study 1 in linked PDF file.")
    )


def parse_both_ways(text: str):
    from matrixqa.ingest.corpus import parse_page
    from tests.html_pages import html_page

    return parse_page(text, "variant.txt"), parse_page(html_page(text), "variant.html")


@pytest.mark.parametrize(
    "vary",
    [
        without_title_line,
        other_funders,
        other_navigation,
        cell_named_heading,
        heading_naming_this_cell,
        other_entry_notes,
        years_without_full_stop,
        colon_in_title,
        title_after_legend,
    ],
)
def test_a_varied_copy_of_a_page_parses_as_the_original(vary):
    original = parse_cell_page(B3_TEXT)
    for cell in parse_both_ways(vary(B3_TEXT)):
        assert (cell.matrix, cell.code, cell.title) == (original.matrix, original.code, original.title)
        assert cell.summary == original.summary and cell.unplaced == ()
        assert [s.label for s in cell.sections] == [s.label for s in original.sections]
        assert [p.text for s in cell.sections for p in s.paragraphs if not p.supplementary] == [
            p.text for s in original.sections for p in s.paragraphs
        ]
        assert [(s.type, s.title, s.year) for s in cell.studies] == [
            (s.type, s.title, s.year) for s in original.studies
        ]
        for widget in WIDGET_TEXT + ("Opens a new window", "Send email", "click and scroll", "Window"):
            assert widget not in all_text(cell)


def test_entry_note_variants_drop_only_the_navigation_sentence():
    cell = parse_cell_page(other_entry_notes(B3_TEXT))
    assert cell.studies[0].note.endswith("Related study below.")
    assert cell.studies[2].note.endswith("One of the three was the study below.")
    assert cell.studies[8].note.endswith("See study 1 in linked PDF file.")


def test_a_page_without_its_title_line_takes_the_title_from_the_cell_line_or_the_matrix():
    cell = parse_cell_page(without_title_line(B3_TEXT))
    assert cell.title == "Practitioners; Medical treatment"
    bare = without_title_line(B3_TEXT).replace("\nPractitioners; Medical treatment\n", "\n", 1)
    assert parse_cell_page(bare).title == "Practitioners; Medical treatment"  # "column; row" of the matrix


def test_a_varied_page_in_a_corpus_builds_and_an_unparseable_one_is_named(corpus_dir: Path):
    (corpus_dir / "drug-B3.txt").write_text(without_title_line(other_funders(B3_TEXT)), encoding="utf-8")
    (corpus_dir / "drug-B4.txt").write_text(B3_TEXT.split("S Seminal studies")[0], encoding="utf-8")
    corpus = load_corpus(corpus_dir)
    assert sorted(c.key for c in corpus.cells) == ["alcohol-D4", "drug-B3"]
    assert [(p.file, "legend" in p.reason) for p in corpus.problems] == [("drug-B4.txt", True)]
