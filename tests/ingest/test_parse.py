from pathlib import Path

import pytest

from matrixqa.errors import CorpusError, ParseError
from matrixqa.ingest.corpus import load_cell, load_corpus
from matrixqa.ingest.parse import TEMPLATE_HEADINGS, parse_cell_page
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
