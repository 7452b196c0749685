"""Retrieval's promises to its callers: filters, searches that admit nothing, the candidate pool, the settings.

Written against the mutants mutmut left alive in retrieve.py (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.errors import IndexUnusable
from matrixqa.index.embed import HashingEmbedder
from matrixqa.search import evidence
from matrixqa.search.filters import Filters
from matrixqa.search.relevance import Relevance
from matrixqa.search.retrieve import Retriever, open_retriever
from tests.search.test_relevance_contract import MeaningEmbedder


def _years(retriever: Retriever) -> list[int]:
    return sorted({p.study.year for p in retriever.index.passages if p.study and p.study.year})


def test_year_bounds_are_inclusive_and_each_works_alone(retriever: Retriever):
    years = _years(retriever)
    low, high = years[1], years[-2]
    for passage in retriever.index.passages:
        year = passage.study.year if passage.study else None
        if year is None:
            assert not Filters(year_from=low).admits(passage) and not Filters(year_to=high).admits(passage)
            continue
        assert Filters(year_from=low).admits(passage) == (year >= low)
        assert Filters(year_to=high).admits(passage) == (year <= high)
        assert Filters(year_from=low, year_to=high).admits(passage) == (low <= year <= high)


def test_a_one_year_range_is_allowed_and_holds_that_years_studies(retriever: Retriever):
    year = _years(retriever)[0]
    hits = retriever.search("counsellors", 50, Filters(year_from=year, year_to=year)).hits
    assert hits and {h.passage.study.year for h in hits} == {year}


def test_a_search_nothing_is_admitted_to_still_says_what_it_read_and_finds_no_evidence(retriever: Retriever):
    result = retriever.search("methadne", 5, Filters(cells=frozenset({"Z9"})))
    assert result.question == "methadne" and result.read_as == "methadone"
    assert result.hits == [] and result.relevance == Relevance(False, 0.0, 0.0, 0.0)


def test_a_question_no_passage_is_admitted_to_is_declined_with_suggestions(answerer: Answerer):
    answer = answerer.answer("methadone counsellors", filters=Filters(cells=frozenset({"Z9"})))
    assert not answer.answered and not answer.citations
    assert answer.suggestions and "Your filters (cell Z9) leave out the evidence" in answer.message


@pytest.mark.parametrize("mode", ["dense", "lexical"])
@pytest.mark.parametrize("filters", [Filters(), Filters(types=frozenset({"S", "K", "R", "G"}))])
def test_a_candidate_pool_smaller_than_the_corpus_keeps_the_best_of_each_side(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch, mode, filters
):
    # Above POOL passages only the best POOL of the dense side and of BM25 are ranked; the best of
    # each must be among them, so each side's first passage is the one it finds ranking every passage.
    # (Fused scores are scaled among the candidates, so a hybrid ranking may change with the pool.)
    searcher = retriever.with_mode(mode)
    questions = ["Were the patients watched at the chemist?", "zebra stripes in the waiting room", "urine tests"]
    everything = {q: [h.passage.id for h in searcher.search(q, 3, filters).hits] for q in questions}
    monkeypatch.setattr(evidence, "POOL", 3)
    assert len(retriever.index.passages) > 3
    for question in questions:
        pooled = [h.passage.id for h in searcher.search(question, 3, filters).hits]
        assert pooled[0] == everything[question][0], question


def test_open_retriever_reads_the_configured_index_vocabulary_and_mode(config, tmp_path):
    empty = tmp_path / "vocabulary.txt"
    empty.write_text("")
    question = "the chemist's drugstore"
    with_vocabulary = open_retriever(config, "lexical").search(question, 3).hits
    without = open_retriever(config.model_copy(update={"vocabulary": empty}), "lexical").search(question, 3).hits
    assert "pharmacy" in with_vocabulary[0].passage.text.lower() and with_vocabulary[0].lexical_score > 0
    assert without[0].lexical_score == 0  # no synonyms: no passage holds "chemist" or "drugstore"
    for mode, side in [("dense", "dense_rank"), ("lexical", "lexical_rank")]:
        hits = open_retriever(config, mode).search("zebra stripes in the waiting room", 5).hits
        assert [h.fused_rank for h in hits] == [getattr(h, side) for h in hits], mode


@pytest.mark.parametrize("few_admitted", [1, 10**9], ids=["admitted vectors scored", "every vector scored"])
def test_a_filtered_search_in_a_pool_keeps_the_best_dense_passage_bm25_misses(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch, few_admitted: int
):
    # A question sharing no word with the corpus (BM25 scores every passage 0) that means what one
    # study passage says: only the dense side can find it, among the admitted passages, whichever
    # way the admitted passages' similarity is computed (FEW_ADMITTED).
    study = [p for p in retriever.index.passages if p.study and p.study.type == "K"][-1]
    embedder = MeaningEmbedder({"qqzx wvvkj": HashingEmbedder().embed([study.text])[0]})
    monkeypatch.setattr(evidence, "POOL", 3)
    monkeypatch.setattr(evidence, "FEW_ADMITTED", few_admitted)
    hits = (
        Retriever(retriever.index, embedder)
        .with_mode("dense")
        .search("qqzx wvvkj", 3, Filters(types=frozenset("SKRG")))
        .hits
    )
    assert hits[0].passage.id == study.id


def test_open_retriever_refuses_an_index_its_corpus_has_changed_since(config):
    (config.corpus_dir / "alcohol-D4.txt").write_text(
        (config.corpus_dir / "alcohol-D4.txt").read_text() + "\nOne more invented sentence.\n"
    )
    with pytest.raises(IndexUnusable, match="has changed since the index was built"):
        open_retriever(config)
