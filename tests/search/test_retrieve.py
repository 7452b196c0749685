import dataclasses
import json

import numpy as np
import pytest

from matrixqa.cli import main
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.filters import FilterColumns, Filters
from matrixqa.search.relevance import MIN_EVIDENCE
from matrixqa.search.retrieve import CANDIDATES, Retriever

# A sentence of the real B3 cell, word for word: the hashing embedder finds its own words.
B3_SENTENCE = (
    "Supervision also forces the patient into what they may feel to be a stigmatising position, exposed as a drug "
    "user in the pharmacy."
)


def test_hits_carry_the_evidence_that_ranked_them(retriever: Retriever):
    result = retriever.search("Were the patients watched at the chemist?", 5)
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    assert all(0.0 <= h.score <= 1.0 for h in result.hits)
    top = result.hits[0]
    assert "pharmacy" in top.passage.text.lower()
    assert "chemist ≈ pharmacy" in top.matched_terms
    assert top.fused_rank == 1 and top.lexical_score > 0 and top.dense_rank >= 1
    assert top.best_sentence is not None and 0 <= top.best_sentence < len(top.passage.sentences)


def test_the_vocabulary_changes_what_lexical_search_finds(retriever: Retriever):
    from matrixqa.index.vocabulary import EMPTY_VOCABULARY

    plain = Retriever(retriever.index, retriever.embedder, EMPTY_VOCABULARY, "lexical")
    question = "the chemist's drugstore"
    with_vocabulary = retriever.with_mode("lexical").search(question, 3).hits
    without = plain.search(question, 3).hits
    assert "pharmacy" in with_vocabulary[0].passage.text.lower()
    assert with_vocabulary[0].lexical_score > 0 and without[0].lexical_score == 0


@pytest.mark.parametrize(
    "filters, check",
    [
        (Filters(types=frozenset({"K"})), lambda p: p.study and p.study.type == "K"),
        (Filters(types=frozenset({"commentary"})), lambda p: p.study is None),
        (Filters(cells=frozenset({"D4"})), lambda p: p.cell.code == "D4"),
        (Filters(matrix="alcohol"), lambda p: p.cell.matrix == "Alcohol Treatment Matrix"),
        (Filters(matrix="Drug Treatment Matrix"), lambda p: p.cell.matrix == "Drug Treatment Matrix"),
        (Filters(year_from=2000, year_to=2014), lambda p: p.study and 2000 <= p.study.year <= 2014),
        (Filters(year_to=1999), lambda p: p.study and p.study.year <= 1999),
        (
            Filters(types=frozenset({"K", "S"}), matrix=" drug ", year_from=2005),
            lambda p: p.study and p.study.type in "KS" and p.cell.matrix.startswith("Drug") and p.study.year >= 2005,
        ),
        # Each filter narrows what the one before it admitted: key studies of B3, not every passage of B3.
        (
            Filters(types=frozenset({"K"}), cells=frozenset({"B3"})),
            lambda p: p.study and p.study.type == "K" and p.cell.code == "B3",
        ),
    ],
)
def test_filters_admit_only_what_they_name(retriever: Retriever, filters: Filters, check):
    hits = retriever.search("methadone counsellors and doctors", 50, filters).hits
    assert hits and all(check(h.passage) for h in hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    # The mask over every passage, as search applies it, admits exactly the passages the rule names.
    passages = retriever.index.passages
    expected = [bool(check(p)) for p in passages]
    assert 0 < sum(expected) < len(passages)
    assert filters.admitted(FilterColumns.of(passages)).tolist() == expected
    assert [filters.admits(p) for p in passages] == expected


def test_each_candidates_best_sentence_is_the_best_among_its_own_sentences(retriever: Retriever):
    index = retriever.index
    # Two passages lose their sentences, to check that a passage without any gets none (-1) and shifts no other.
    keep = ~np.isin(index.sentence_owner, [0, 3])
    trimmed = dataclasses.replace(
        index, sentence_vectors=index.sentence_vectors[keep], sentence_owner=index.sentence_owner[keep]
    )
    searcher = Retriever(trimmed, retriever.embedder)
    vector = retriever.embedder.embed(["supervised methadone in the pharmacy"])[0]
    rows = np.random.default_rng(1).permutation(len(index.passages))  # any order, not only the sorted pool
    best, which = searcher.gatherer.sentence_scores(vector, rows)
    for score, offset, position in zip(best, which, rows, strict=True):
        span = trimmed.sentence_rows(int(position))
        if not len(span):
            assert (score, offset) == (-1.0, -1)
            continue
        similarity = trimmed.sentence_vectors[span.start : span.stop] @ vector
        assert offset == int(np.argmax(similarity)) and score == pytest.approx(similarity.max(), abs=1e-6)
    assert {0, 3} <= {int(p) for p, o in zip(rows, which, strict=True) if o == -1}
    assert len({len(trimmed.sentence_rows(int(p))) for p in rows}) > 2  # passages of several sentence counts


def test_years_given_the_other_way_round_name_the_years_between_them():
    assert Filters(year_from=2010, year_to=2000) == Filters(year_from=2000, year_to=2010)


def test_a_filter_nothing_passes_returns_nothing_relevant(retriever: Retriever):
    result = retriever.search("methadone", 5, Filters(cells=frozenset({"Z9"})))
    assert result.hits == [] and result.relevant is False


def test_abstention_weighs_sentence_similarity_and_coverage(retriever: Retriever):
    found = retriever.search(B3_SENTENCE, 5)
    assert found.relevant and found.relevance.sentence_score > 0.99
    assert found.relevance.evidence >= MIN_EVIDENCE
    unrelated = retriever.search("Who won the football world cup?", 5)
    assert not unrelated.relevant
    assert unrelated.relevance.coverage == 0.0 and unrelated.relevance.evidence < MIN_EVIDENCE
    assert unrelated.hits  # the nearest passages are still shown, marked not relevant


def test_api_search_reports_relevance_and_each_passages_evidence(client):
    body = client.post("/api/search", json={"question": B3_SENTENCE, "k": 3}).get_json()
    assert body["relevant"] is True
    fields = {"evidence", "threshold", "coverage_weight", "sentence_score", "coverage", "missing"}
    fields |= {"corrected", "matched", "unknown"}
    assert set(body["relevance"]) == fields
    evidence = body["passages"][0]["evidence"]
    assert {"dense_score", "lexical_score", "fused_rank", "matched_terms", "best_sentence"} <= set(evidence)
    assert evidence["best_sentence"].startswith("Supervision also forces")
    assert "Supervision" in evidence["matched_terms"]


def test_api_search_applies_filters(client):
    body = client.post("/api/search", json={"question": "counsellors", "k": 10, "filters": {"types": ["S"]}}).get_json()
    assert body["passages"] and all(p["study"]["type"] == "S" for p in body["passages"])


@pytest.fixture
def built(cli_env):
    from click.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0
    return runner


def test_cli_search_takes_filters_and_shows_evidence(built):
    result = built.invoke(main, ["search", "counsellors", "--type", "K", "--year-from", "1999", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["passages"] and all(p["study"]["type"] == "K" and p["study"]["year"] >= 1999 for p in body["passages"])
    text = built.invoke(main, ["search", "watched at the chemist", "--cell", "b3", "--k", "2"])
    assert text.exit_code == 0 and "matched: " in text.output and "chemist ≈ pharmacy" in text.output


def test_cli_search_reads_years_the_other_way_round_as_the_years_between(built):
    between = built.invoke(main, ["search", "counsellors", "--year-from", "1999", "--year-to", "2010", "--json"])
    reversed_ = built.invoke(main, ["search", "counsellors", "--year-from", "2010", "--year-to", "1999", "--json"])
    assert between.exit_code == reversed_.exit_code == 0 and json.loads(between.output)["passages"]
    assert json.loads(reversed_.output)["passages"] == json.loads(between.output)["passages"]


@pytest.mark.model
def test_real_model_abstains_off_topic_and_answers_in_practitioners_words(real_retriever: Retriever):
    assert not real_retriever.search("Who won the football world cup?", 5).relevant
    assert not real_retriever.search("How do needle exchanges reduce HIV transmission?", 5).relevant
    result = real_retriever.search("Is being watched at the chemist bad for patients?", 5)
    assert result.relevant
    assert any("pharmacy" in h.passage.text for h in result.hits[:3])


def test_a_named_cells_named_section_leads_and_is_answered_whatever_the_words_say(retriever: Retriever):
    result = retriever.search("cell B3 highlighted study", 5)
    assert result.relevant
    assert result.hits[0].passage.section == "Highlighted study"
    assert [h.passage.section for h in result.hits[:2]] == ["Highlighted study"] * 2


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_a_single_side_mode_ranks_and_scores_by_that_side_alone(retriever: Retriever, mode: str):
    hits = retriever.with_mode(mode).search("methadone counsellors and doctors", 50).hits
    hits = [h for h in hits if h.lexical_score > 0 or mode == "dense"]  # passages of no word tie at the end
    side = [h.dense_rank if mode == "dense" else h.lexical_rank for h in hits]
    assert [h.fused_rank for h in hits] == side
    by_score = sorted(hits, key=lambda h: -h.score)
    assert [h.fused_rank for h in by_score] == sorted(side) and len(set(side)) > 1


def test_asked_what_the_corpus_covers_every_score_stays_between_0_and_1(retriever: Retriever):
    hits = retriever.search("What does this matrix cell cover?", 10).hits
    assert hits[0].passage.section == SUMMARY_SECTION and hits[0].score == 1.0
    assert all(0.0 <= h.score <= 1.0 for h in hits)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_a_question_asking_of_both_matrices_has_evidence_from_each_among_its_hits(retriever: Retriever, k: int):
    question = "do methadone patients who are drinking do better with supervised dosing and urine testing?"
    result = retriever.search(question, k)
    assert len(result.query.matrices) == 2
    evidence = {h.passage.cell.matrix for h in result.hits if h.passage.section != SUMMARY_SECTION}
    assert evidence == set(result.query.matrices)
    assert len(result.hits) == k
    assert result.hits[0].fused_rank == 1  # the other matrix's evidence takes the last place it may, not the first
    # Asked of one matrix, the hits are the best alone.
    one = retriever.search("do methadone patients do better with supervised dosing and urine testing?", k)
    assert {h.passage.cell.matrix for h in one.hits} == {"Drug Treatment Matrix"}


def test_asked_of_both_matrices_each_already_evidenced_among_the_hits_takes_no_others_place(retriever: Retriever):
    # As many hits as CANDIDATES hold each matrix's evidence already: they are the CANDIDATES best, each passage once.
    question = "do methadone patients who are drinking do better with supervised dosing and urine testing?"
    result = retriever.search(question, CANDIDATES)
    assert len(result.query.matrices) == 2
    evidence = {h.passage.cell.matrix for h in result.hits if h.passage.section != SUMMARY_SECTION}
    assert evidence == set(result.query.matrices)
    assert sorted(h.fused_rank for h in result.hits) == list(range(1, CANDIDATES + 1))


def test_the_diverse_order_is_chosen_from_the_best_candidates_by_fused_score(retriever: Retriever):
    # As many hits as CANDIDATES: the diverse order changes their order, never which passages they are.
    assert len(retriever.index.passages) > CANDIDATES
    for question in ["supervised methadone at the pharmacy", "zebra stripes in the waiting room"]:
        hits = retriever.search(question, CANDIDATES).hits
        assert sorted(h.fused_rank for h in hits) == list(range(1, CANDIDATES + 1)), question
        assert [h.fused_rank for h in hits] != sorted(h.fused_rank for h in hits), question


def test_each_hit_reports_its_passages_cosine_with_the_question_as_its_dense_score(retriever: Retriever):
    result = retriever.search("supervised methadone at the pharmacy", 5)
    vectors = retriever.gatherer.passage_vectors
    cosines = [float(vectors[retriever.index.positions[h.passage.id]] @ result.question_vector) for h in result.hits]
    assert [h.dense_score for h in result.hits] == pytest.approx(cosines) and max(cosines) > 0.1
