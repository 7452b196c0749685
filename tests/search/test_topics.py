"""A topic counts as treated only where the passages that would answer treat it, not where one passes it by."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.cells import CellKey
from matrixqa.search.retrieve import Retriever
from matrixqa.search.topics import TREATED_MENTIONS
from tests.conftest import FAKE_CELL

STRIPES = "Do stripes distract clients? Some imaginary clients reported feeling dizzy."


def retriever_with(tmp_path: Path, corpus_dir: Path, added: str) -> Retriever:
    """The tiny corpus with sentences added to the fake cell's discussion of stripes."""
    page = FAKE_CELL.read_text(encoding="utf-8")
    assert STRIPES in page
    (corpus_dir / FAKE_CELL.name).write_text(page.replace(STRIPES, f"{STRIPES} {added}"), encoding="utf-8")
    folder = tmp_path / "index-topics"
    embedder = HashingEmbedder()
    build_index(load_corpus(corpus_dir), embedder, folder)
    return Retriever(load_index(folder, embedder, corpus_dir), embedder)


QUESTION = "Do zebra stripes distract pregnant clients?"


def test_a_topic_one_sentence_of_a_cell_passes_by_is_not_treated(tmp_path: Path, corpus_dir: Path):
    retriever = retriever_with(tmp_path, corpus_dir, "Pregnant women were excluded from the stripes trial.")
    result = retriever.search(QUESTION, 5)
    # The passage mentioning pregnancy leads, yet the cell says nothing about pregnancy that would answer.
    assert "Pregnant" in result.hits[0].passage.text
    assert result.relevance.missing == ("pregnant (pregnancy)",)


def test_a_question_naming_a_cell_asks_what_it_says_even_in_passing(tmp_path: Path, corpus_dir: Path):
    retriever = retriever_with(tmp_path, corpus_dir, "Pregnant women were excluded from the stripes trial.")
    # Asked of the cell by name, the passing mention is what the cell says about it.
    result = retriever.search(f"In alcohol D4, {QUESTION[0].lower()}{QUESTION[1:]}", 5)
    assert result.relevance.missing == () and result.relevance.relevant
    assert "Pregnant" in result.hits[0].passage.text
    # A cell that never names the topic still has nothing on it.
    assert retriever.search("In alcohol D4, do zebra stripes distract people in prison?", 5).relevance.missing


def test_a_topic_a_cell_names_in_several_sentences_is_treated(tmp_path: Path, corpus_dir: Path):
    added = " ".join(["Pregnant clients found the stripes calming."] * TREATED_MENTIONS)
    retriever = retriever_with(tmp_path, corpus_dir, added)
    assert retriever.search(QUESTION, 5).relevance.missing == ()


def test_a_topic_is_treated_only_by_the_passages_that_would_answer(tmp_path: Path, corpus_dir: Path):
    added = " ".join(["Pregnant clients found the stripes calming."] * TREATED_MENTIONS)
    retriever = retriever_with(tmp_path, corpus_dir, added)
    # Asked about the B3 cell's subject, the fake cell's treatment of pregnancy is not the evidence.
    result = retriever.search("Is supervised methadone dosing at the pharmacy safe in pregnancy?", 5)
    assert all("Pregnant" not in h.passage.text for h in result.hits[:3])
    assert result.relevance.missing == ("pregnancy",)


@pytest.mark.parametrize("where", ["heading", "summary"])
def test_a_topic_in_a_cells_heading_or_summary_is_treated_though_named_once(
    tmp_path: Path, corpus_dir: Path, where: str
):
    page = FAKE_CELL.read_text(encoding="utf-8")
    if where == "heading":
        page = page.replace("Issues to consider and discuss", "Issues to consider and discuss\n\nPregnancy")
        page = page.replace(STRIPES, f"{STRIPES} Pregnant clients found the stripes calming.")
    else:
        page = page.replace("Imagined research on how", "Imagined research on pregnant clients and how")
    (corpus_dir / FAKE_CELL.name).write_text(page, encoding="utf-8")
    folder = tmp_path / "index-topics"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    retriever = Retriever(load_index(folder, HashingEmbedder(), corpus_dir), HashingEmbedder())
    assert retriever.search("zebra stripes for pregnant clients", 5).relevance.missing == ()


def test_a_topic_in_the_title_of_a_study_a_cell_lists_is_treated(tmp_path: Path, corpus_dir: Path):
    page = FAKE_CELL.read_text(encoding="utf-8").replace(
        "K Lighthouse keepers as counsellors (2003;", "K Lighthouse keepers as counsellors for pregnant clients (2003;"
    )
    (corpus_dir / FAKE_CELL.name).write_text(page, encoding="utf-8")
    folder = tmp_path / "index-topics"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    retriever = Retriever(load_index(folder, HashingEmbedder(), corpus_dir), HashingEmbedder())
    assert retriever.search("lighthouse keepers as counsellors for pregnant clients", 5).relevance.missing == ()
    # The same words in the entry's note, once, are a passing mention.
    page = FAKE_CELL.read_text(encoding="utf-8").replace(
        "Related study below.", "Pregnant clients were excluded. Related study below."
    )
    (corpus_dir / FAKE_CELL.name).write_text(page, encoding="utf-8")
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    retriever = Retriever(load_index(folder, HashingEmbedder(), corpus_dir), HashingEmbedder())
    assert retriever.search("lighthouse keepers as counsellors for pregnant clients", 5).relevance.missing


@pytest.mark.parametrize(
    "finding, treated",
    [
        # The study's finding, the first sentence after its title, is about the topic it names.
        ("Fictional study of lighthouse keepers retrained as counsellors for pregnant clients", True),
        # Named in an aside of the finding, after its opening clause, or in a later sentence, the topic is passed by.
        ("Fictional study of lighthouse keepers retrained as counsellors, including some for pregnant clients", False),
        ("Fictional study of lighthouse keepers retrained as counsellors (pregnant clients among them)", False),
        ("Fictional study of lighthouse keepers retrained as counsellors, in jails, wards and pregnant clients", False),
        ("Fictional study of lighthouse keepers retrained as counsellors. Pregnant clients were excluded", False),
    ],
)
def test_a_topic_the_opening_clause_of_a_listed_studys_finding_names_is_treated(
    tmp_path: Path, corpus_dir: Path, finding: str, treated: bool
):
    page = FAKE_CELL.read_text(encoding="utf-8").replace(
        "Fictional study of lighthouse keepers retrained as counsellors", finding
    )
    (corpus_dir / FAKE_CELL.name).write_text(page, encoding="utf-8")
    folder = tmp_path / "index-topics"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    retriever = Retriever(load_index(folder, HashingEmbedder(), corpus_dir), HashingEmbedder())
    result = retriever.search("lighthouse keepers retrained as counsellors for pregnant clients", 5)
    assert "pregnant" in result.hits[0].passage.text.lower()
    assert (result.relevance.missing == ()) is treated


MANY_CELLS = Path(__file__).parent.parent / "data" / "many_cells"
BRIEF_ADVICE = re.compile(r"brief (?:interventions?|advice)|identification and|\bIBA\b|\bAUDIT\b|screening tool", re.I)


def test_a_cell_treats_what_its_matrix_and_title_name_though_its_text_never_does(tmp_path: Path, corpus_dir: Path):
    # The fake D4 cell without the one sentence naming alcohol, and alcohol B1 (whose title names brief
    # interventions) without any words for them but its header's.
    d4 = FAKE_CELL.read_text(encoding="utf-8").replace("in a fake alcohol service", "in a fake service")
    (corpus_dir / FAKE_CELL.name).write_text(d4, encoding="utf-8")
    header, rest = (MANY_CELLS / "alcohol-B1.txt").read_text(encoding="utf-8").split("\n", 1)
    (corpus_dir / "alcohol-B1.txt").write_text(f"{header}\n{BRIEF_ADVICE.sub('short talk', rest)}", encoding="utf-8")
    folder = tmp_path / "index-topics"
    build_index(load_corpus(corpus_dir), HashingEmbedder(), folder)
    retriever = Retriever(load_index(folder, HashingEmbedder(), corpus_dir), HashingEmbedder())
    topics, passages = retriever.gatherer.topics, retriever.index.passages
    d4_cell, b1_cell = (CellKey("Alcohol Treatment Matrix", code) for code in ("D4", "B1"))
    alcohol, brief, missed_dose = "@alcohol", "@brief_intervent", "@miss_dose"
    # Every passage is about what its cell's matrix and title name, whatever its own words.
    for position, passage in enumerate(passages):
        for named in (topics.named_by(position), topics.treated_by(position)):
            assert (alcohol in named) == (CellKey.of(passage.cell) in (d4_cell, b1_cell))
            assert (brief in named) == (CellKey.of(passage.cell) == b1_cell)
    # A cell treats a topic by its name alone (alcohol in D4, brief interventions in B1), or by its own
    # sentences alone (missed doses in D4, whose name does not say it).
    assert topics.cells_treating(alcohol) == [b1_cell, d4_cell]
    assert topics.cells_treating(brief) == [b1_cell]
    assert topics.cells_treating(missed_dose) == [d4_cell]


def test_the_topics_a_passage_names_are_those_of_its_own_words_whichever_passage_holds_them(retriever: Retriever):
    topics, analyzer = retriever.gatherer.topics, retriever.analyzer
    field = analyzer.topic_tokens & set(retriever.lexical.known_tokens)
    for position, passage in enumerate(retriever.index.passages):
        own = field & set(analyzer.tokens(f"{passage.section}. {passage.text}"))
        subject = analyzer.topic_tokens & set(analyzer.tokens(f"{passage.cell.matrix}: {passage.cell.title}"))
        assert topics.named_by(position) == subject | own, passage.id


def test_a_question_asking_of_both_matrices_has_each_ones_best_passage_among_those_that_would_answer(
    retriever: Retriever,
):
    # B3's counsellor passages lead; the alcohol cell's best passage is quoted too, and its matrix treats alcohol.
    result = retriever.search("do counsellors matter for people with drug or alcohol problems?", 5)
    assert {h.passage.cell.code for h in result.hits[:3]} == {"B3"}
    assert result.relevance.relevant and result.relevance.missing == ()
    # Asked of one matrix, the alcohol matrix's passage is not one of those that would answer.
    one = retriever.search("do counsellors matter for people with alcohol problems?", 5)
    assert one.relevance.missing == ("alcohol",)
