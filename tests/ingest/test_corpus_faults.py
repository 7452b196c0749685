"""A bad cell file is reported by name and skipped; the rest of the corpus still builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixqa.cli import main
from matrixqa.errors import ParseError
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_corpus
from matrixqa.ingest.parse import parse_cell_page
from matrixqa.settings import PROJECT_ROOT

REAL_PAGE = (PROJECT_ROOT / "corpus" / "drug-B3.txt").read_text(encoding="utf-8")


def problems(corpus_dir: Path) -> dict[str, str]:
    corpus = load_corpus(corpus_dir)
    assert sorted(c.key for c in corpus.cells) == ["alcohol-D4", "drug-B3"]  # the good cells always load
    return {p.file: p.reason for p in corpus.problems}


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (b" \n\t\n", "empty"),
        (b"\xff\xfe\x00D\x00r\x00u\x00g", "not UTF-8"),
        (b"\x00\x01\x02binary\x00", "first line"),
        (
            REAL_PAGE.replace("Drug Treatment Matrix cell B3", "Drug Treatment Matrix cell A1")
            .split("S Seminal")[0]
            .encode(),
            "legend",
        ),
    ],
    ids=["empty", "blank", "utf16", "binary", "truncated"],
)
def test_bad_page_is_reported_by_name(corpus_dir: Path, raw: bytes, reason: str):
    (corpus_dir / "drug-A1.txt").write_bytes(raw)
    assert reason in problems(corpus_dir)["drug-A1.txt"]


def test_folder_named_like_a_page_is_reported(corpus_dir: Path):
    (corpus_dir / "drug-A1.txt").mkdir()
    assert "cannot be read" in problems(corpus_dir)["drug-A1.txt"]


@pytest.mark.parametrize(
    "meta, reason",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"url": 5}', "'url' must be a string"),
        ('{"studies": ["a"]}', "'studies'"),
        ('{"studies": {"A title": 7}}', "'studies'"),
        ('{"studies": {"A title": {"authors": 7}}}', "'studies'"),
        ('{"studies": {"A title": {"doi": "10.1/x"}}}', "'studies'"),
        ('{"see_also": [{"title": "no address"}]}', "see_also"),
        ('{"see_also": "a link"}', "see_also"),
    ],
)
def test_bad_metadata_is_reported_with_its_page(corpus_dir: Path, meta: str, reason: str):
    (corpus_dir / "drug-A1.txt").write_text(REAL_PAGE.replace("cell B3", "cell A1"), encoding="utf-8")
    (corpus_dir / "drug-A1.json").write_text(meta, encoding="utf-8")
    assert reason in problems(corpus_dir)["drug-A1.txt"]


def test_second_file_for_the_same_cell_is_skipped_and_named(corpus_dir: Path):
    (corpus_dir / "zz-copy-of-B3.txt").write_text(REAL_PAGE, encoding="utf-8")
    reason = problems(corpus_dir)["zz-copy-of-B3.txt"]
    assert "cell B3" in reason and "drug-B3.txt" in reason


def test_build_reports_skipped_files_and_builds_the_rest(corpus_dir: Path, cli_env: dict[str, str]):
    (corpus_dir / "drug-A1.txt").write_bytes(b"\xff\xfe")
    (corpus_dir / "drug-A2.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "skipped drug-A1.txt: " in result.stderr and "skipped drug-A2.txt: " in result.stderr
    manifest = json.loads((Path(cli_env["MATRIXQA_INDEX_DIR"]) / "manifest.json").read_text())
    assert sorted(s["file"] for s in manifest["skipped"]) == ["drug-A1.txt", "drug-A2.txt"]
    assert len(manifest["cells"]) == 2


def test_build_with_no_usable_page_exits_with_one_line(corpus_dir: Path, cli_env: dict[str, str]):
    for page in corpus_dir.glob("*.txt"):
        page.write_bytes(b"")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "nothing was built" in result.stderr and "Traceback" not in result.output


@st.composite
def damaged_pages(draw) -> str:
    """The real page cut short, with lines dropped, repeated, shuffled or replaced by junk."""
    lines = REAL_PAGE.split("\n")
    damage = draw(st.sampled_from(["cut", "drop", "repeat", "junk", "shuffle"]))
    if damage == "cut":
        return REAL_PAGE[: draw(st.integers(0, len(REAL_PAGE)))]
    if damage == "drop":
        keep = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        return "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)
    at = draw(st.integers(0, len(lines) - 1))
    if damage == "repeat":
        return "\n".join(lines[:at] + [lines[at]] * 3 + lines[at:])
    if damage == "junk":
        return "\n".join(lines[:at] + [draw(st.text(max_size=200))] + lines[at + 1 :])
    return "\n".join([lines[0], *draw(st.permutations(lines[1:]))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_pages())
def test_damaged_page_parses_or_says_why(text: str):
    try:
        cell = parse_cell_page(text, "damaged.txt")
    except ParseError as error:
        assert str(error)
        return
    for passage in chunk_cell(cell):  # what parses must also chunk into quotable passages
        assert passage.text and all(passage.text[a:b].strip() for a, b in passage.sentences)
