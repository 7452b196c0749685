from matrixqa.index.analysis import Analyzer
from matrixqa.index.lexical import LexicalIndex
from matrixqa.index.passagetext import author_names, searchable_texts
from matrixqa.index.vocabulary import load_vocabulary
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_corpus
from tests.conftest import REAL_CORPUS


def test_a_first_authors_name_finds_the_study_and_the_commentary_that_describes_it():
    passages = [p for cell in load_corpus(REAL_CORPUS).cells for p in chunk_cell(cell)]
    index = LexicalIndex(searchable_texts(passages), Analyzer(load_vocabulary()))
    scores = index.scores(index.analyzer.analyse("McLellan"))
    found = {passages[i].id for i in scores.nonzero()[0]}
    entry = next(p for p in passages if p.study and p.study.year == 1988)
    highlighted = next(p for p in passages if p.section == "Highlighted study")
    assert {entry.id, highlighted.id} <= found
    assert all(passages[i].study or passages[i].refers_to for i in scores.nonzero()[0])  # nothing else names him


def test_author_names_keep_the_surnames_and_whole_bodies():
    assert author_names("McLellan AT, Woody GE, Luborsky L, Goehl L") == "McLellan Woody Luborsky Goehl"
    assert author_names("Kim TW et al.") == "Kim"
    assert author_names("Clinks (with Revolving Doors)") == "Clinks (with Revolving Doors)"
