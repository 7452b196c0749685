"""The invented many-cell fixture (tests/data/many_cells/) and the questions about it that eval/many_cells.py asks."""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.chunk import SUMMARY_SECTION, chunk_cell
from matrixqa.ingest.commentary import TEMPLATE_HEADINGS
from matrixqa.ingest.corpus import load_cell, load_corpus
from matrixqa.ingest.identity import cell_title
from matrixqa.search.retrieve import Retriever
from matrixqa.settings import PROJECT_ROOT

from .conftest import REAL_CORPUS

sys.path.insert(0, str(PROJECT_ROOT / "eval"))
try:
    import many_cells
finally:
    sys.path.remove(str(PROJECT_ROOT / "eval"))

PAGES = sorted(many_cells.FIXTURE.glob("*.txt"))
# A second fixture, written apart from the first and from the code, in the layouts real copies vary by.
SECOND = many_cells.SECOND


def test_the_fixture_is_many_cells_of_both_matrices_beside_the_real_b3():
    names = [page.stem for page in PAGES]
    assert len(names) >= 12 and (many_cells.FIXTURE / "README.md").exists()
    assert "drug-B3" not in names and "alcohol-B3" in names  # the real drug B3 is never rewritten
    codes = Counter(name.split("-")[1] for name in names)
    assert {name.split("-")[0] for name in names} == {"drug", "alcohol"} and codes["A3"] == codes["B4"] == 2


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_each_fixture_cell_parses_with_its_matrix_code_and_real_title(page: Path):
    cell = load_cell(page)
    assert cell.key == page.stem and cell.title == cell_title(cell.matrix, cell.code)
    assert page.read_text(encoding="utf-8").startswith(f"{cell.matrix} cell {cell.code}: {cell.title}\n")
    assert 3 <= len(cell.studies) <= 6 and cell.summary and cell.credits
    headings = {section.parent or section.heading for section in cell.sections}
    assert set(TEMPLATE_HEADINGS) <= headings


@pytest.mark.parametrize("page", sorted(SECOND.glob("*.txt")), ids=lambda page: page.stem)
def test_each_cell_of_the_second_fixture_is_read_whole_whatever_its_layout(page: Path):
    cell = load_cell(page)
    assert cell.key == page.stem and cell.title == cell_title(cell.matrix, cell.code)
    assert len(cell.studies) >= 3 and cell.summary and not cell.unplaced


@pytest.mark.parametrize("pages", [PAGES, sorted(SECOND.glob("*.txt"))], ids=["first", "second"])
def test_the_whole_fixture_builds_beside_the_real_cell(tmp_path: Path, pages: list[Path]):
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(REAL_CORPUS, corpus_dir)
    for page in pages:
        shutil.copy(page, corpus_dir / page.name)
    corpus = load_corpus(corpus_dir)
    assert not corpus.problems and len(pages) >= 12
    assert sorted(cell.key for cell in corpus.cells) == sorted(["drug-B3", *(page.stem for page in pages)])
    manifest = build_index(corpus, HashingEmbedder(), tmp_path / "index")
    assert manifest["passages"] == sum(len(chunk_cell(cell)) for cell in corpus.cells)
    retriever = Retriever(load_index(tmp_path / "index", HashingEmbedder(), corpus_dir), HashingEmbedder())
    assert retriever.search("supervision of nurse prescribers", k=5).hits


def test_each_fixture_is_asked_the_questions_written_about_it():
    first = many_cells.question_files(many_cells.FIXTURE, final=True)
    assert first == [many_cells.TUNE, *many_cells.SPENT, *many_cells.FINAL]
    second = many_cells.question_files(SECOND, final=True)
    assert second and all(path.name.startswith("second_cells_final") for path in second)
    assert not set(first) & set(second) and many_cells.question_files(PROJECT_ROOT / "corpus", final=True) == []


@pytest.mark.parametrize(
    ("fixture", "path"),
    [(fixture, path) for fixture in (many_cells.FIXTURE, SECOND) for path in many_cells.question_files(fixture, True)],
    ids=lambda value: value.name,
)
def test_the_question_files_name_only_cells_of_their_fixture_and_the_real_b3(fixture: Path, path: Path):
    questions = many_cells.read_cell_questions(path)
    known = {page.stem for page in fixture.glob("*.txt")} | {"drug-B3"}
    for question in questions:
        assert set(question.cells) <= known, question
        assert (question.kind == "passing") == (not question.cells), question
        assert question.kind != "across" or len(question.cells) >= 2, question
    kinds = Counter(question.kind for question in questions)
    assert all(kinds[kind] >= 5 for kind in many_cells.KINDS)
    assert kinds["in_cell"] > max(n for kind, n in kinds.items() if kind != "in_cell")


def test_question_ids_are_unique_across_the_files_and_every_cell_is_asked_about():
    files = (many_cells.TUNE, *many_cells.SPENT, *many_cells.FINAL)
    questions = [q for path in files for q in many_cells.read_cell_questions(path)]
    assert len({q.id for q in questions}) == len(questions)
    alone = {q.cells[0] for q in questions if q.kind == "about_cell" and len(q.cells) == 1}
    assert alone == {page.stem for page in PAGES} | {"drug-B3"}


def test_a_malformed_question_line_is_named(tmp_path: Path):
    path = tmp_path / "questions.jsonl"
    path.write_text('{"id": "x1", "question": "Why?", "kind": "in_cell", "cells": ["drug-B3"]}\n{"id": "x2"}\n')
    with pytest.raises(ValueError, match="questions.jsonl line 2"):
        many_cells.read_cell_questions(path)


@pytest.fixture(scope="module")
def many_cells_answerer(tmp_path_factory, real_embedder):
    """The real B3 beside every fixture cell, indexed with the real model."""
    folder = tmp_path_factory.mktemp("many-cells")
    _, retriever = many_cells.build([REAL_CORPUS / "drug-B3.txt", *PAGES], folder, real_embedder, lambda _: None)
    return Answerer(retriever)


def tune_questions(kind: str) -> list:
    return [q for q in many_cells.read_cell_questions(many_cells.HERE / "many_cells_tune.jsonl") if q.kind == kind]


@pytest.mark.model
def test_real_model_declines_every_topic_the_fixture_only_mentions_in_passing(many_cells_answerer):
    questions = [q.question for q in tune_questions("passing")]
    assert [q for q in questions if many_cells_answerer.answer(q).answered] == []


@pytest.mark.model
def test_real_model_ranks_first_a_passage_of_the_cell_a_question_is_about(many_cells_answerer):
    # The issue's figure: the intended cell first for at least 90% of the questions. Two of the 32 lead with B3's
    # passages on methadone doses, which B3 discusses at length, rather than drug C3's audit of prescribing; a cell's
    # breadth of evidence weighed the wrong way round puts five others first.
    questions = tune_questions("in_cell")
    wrong = [
        q.question for q in questions if not many_cells.judge(q, many_cells_answerer.answer(q.question))["first hit"]
    ]
    assert len(wrong) <= 0.1 * len(questions), wrong


@pytest.mark.model
def test_real_model_answers_what_is_cell_x_about_with_xs_own_summary(many_cells_answerer):
    for question in tune_questions("about_cell"):
        answer = many_cells_answerer.answer(question.question)
        assert many_cells.judge(question, answer)["leads with its summary"], question.question


@pytest.mark.model
def test_real_model_quotes_each_cell_of_evidence_spanning_cells_grouped_by_cell(many_cells_answerer):
    questions = tune_questions("across")
    judged = []
    for question in questions:
        answer = many_cells_answerer.answer(question.question)
        judged.append(many_cells.judge(question, answer)["cites two intended cells"])
        # The answer reads cell by cell: a cell's quotes are never interleaved with another's.
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
        cells = [many_cells.cell_key(answer.citations[n - 1].passage) for n in numbers]
        runs = [cell for i, cell in enumerate(cells) if i == 0 or cells[i - 1] != cell]
        assert len(runs) == len(set(runs)), question.question
    assert sum(judged) >= 0.75 * len(questions)


def every_question() -> list:
    return [q for path in [many_cells.TUNE, *many_cells.SPENT] for q in many_cells.read_cell_questions(path)]


@pytest.mark.model
def test_real_model_answers_a_question_naming_both_matrices_subjects_from_each_matrix(many_cells_answerer):
    # "... help people coming off drink or drugs?": the alcohol cell's passages lead, the drug cell's is quoted too.
    # (Of those some cell answers: one on a topic no cell treats, homelessness, is declined.)
    reader = many_cells_answerer.retriever.reader
    questions = [q for q in every_question() if q.cells and reader.read(q.question).matrices]
    assert len(questions) >= 5
    for question in questions:
        answer = many_cells_answerer.answer(question.question)
        if not answer.answered:  # only for a topic it names ("what does it cost the relationship?" names funding)
            assert answer.relevance and answer.relevance.missing, question.question
            continue
        quoted = {c.passage.cell.matrix for c in answer.citations}
        assert set(answer.reading.matrices) <= quoted, question.question
        assert quoted <= set(answer.reading.matrices), question.question


@pytest.mark.model
def test_real_model_quotes_a_cells_summary_only_when_asked_what_a_cell_covers(many_cells_answerer):
    questions = [
        *every_question(),
        many_cells.CellQuestion("x", "do drug workers drink too much coffee?", "in_cell", ()),
    ]
    for question in questions:
        answer = many_cells_answerer.answer(question.question)
        if answer.answered and not answer.reading.about_the_corpus:
            assert all(c.passage.section != SUMMARY_SECTION for c in answer.citations), question.question


@pytest.mark.model
def test_real_model_declines_in_a_short_message_naming_the_nearest_cells(many_cells_answerer):
    answer = many_cells_answerer.answer("what is the capital of australia")
    assert not answer.answered and len(answer.message) < 600
    assert f"covers {len(many_cells_answerer.retriever.index.cells)} cells; the nearest" in answer.message


@pytest.mark.model
@pytest.mark.parametrize(
    "question, not_held",
    [
        ("what is cell E5 about?", {"Alcohol Treatment Matrix E5", "Drug Treatment Matrix E5"}),
        ("alcohol D3 key studies", {"Alcohol Treatment Matrix D3"}),
        ("what does the drug matrix cell C1 say about prescribing?", {"Drug Treatment Matrix C1"}),
        ("what does the practitioners reducing harm cell cover?", {"Drug Treatment Matrix B1"}),
    ],
)
def test_real_model_declines_a_question_naming_only_cells_the_fixture_lacks(many_cells_answerer, question, not_held):
    # Fourteen cells held, thirty-six not: answered from other cells, these would read as if those were the one asked.
    answer = many_cells_answerer.answer(question)
    assert not answer.answered and answer.decline and {str(key) for key in answer.decline.not_held} == not_held
    assert answer.message.startswith("This corpus does not hold the cell on")
