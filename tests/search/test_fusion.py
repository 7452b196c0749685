import numpy as np
import pytest

from matrixqa.search.fusion import Signals, fuse, maximal_marginal_relevance, min_max, ranks, share_of_best


def signals(dense, sentence, lexical, coverage=None) -> Signals:
    coverage = [0.0] * len(dense) if coverage is None else coverage
    return Signals(*(np.array(values, dtype=np.float32) for values in (dense, sentence, lexical, coverage)))


def test_each_signal_is_put_on_one_scale():
    assert np.allclose(min_max(np.array([0.2, 0.6, 0.4])), [0.0, 1.0, 0.5])
    assert np.allclose(min_max(np.array([0.3, 0.3])), [0.0, 0.0])
    assert np.allclose(share_of_best(np.array([0.0, 4.0, 2.0])), [0.0, 1.0, 0.5])
    assert not share_of_best(np.zeros(3)).any()  # no word in common stays nothing


def test_hybrid_is_the_mean_of_dense_passage_sentence_and_lexical_with_coverage_at_half_weight():
    s = signals([0.2, 0.6, 0.4], [0.1, 0.3, 0.5], [0.0, 2.0, 4.0], [1.0, 0.5, 0.0])
    expected = [(0 + 0 + 0 + 0.5) / 3.5, (1 + 0.5 + 0.5 + 0.25) / 3.5, (0.5 + 1 + 1 + 0) / 3.5]
    assert np.allclose(fuse(s, "hybrid"), expected)
    assert np.allclose(fuse(signals([0.2, 0.6], [0.1, 0.3], [1.0, 2.0]), "hybrid"), [0.5 / 3.5, 3 / 3.5])


def test_a_passage_holding_every_word_of_the_question_beats_one_repeating_the_commonest():
    # Alike in meaning; BM25 favours the first (a word repeated), coverage the second (every distinctive word once).
    s = signals([0.5, 0.5, 0.1], [0.5, 0.5, 0.1], [4.0, 3.5, 0.0], [0.4, 1.0, 0.0])
    assert ranks(fuse(s, "hybrid"))[1] == 1
    assert ranks(fuse(s, "lexical"))[0] == 1


def test_a_passage_strong_on_both_sides_beats_one_strong_on_one():
    s = signals([0.70, 0.69, 0.40], [0.70, 0.69, 0.40], [0.0, 5.0, 6.0])
    assert ranks(fuse(s, "hybrid"))[1] == 1
    assert ranks(fuse(s, "dense"))[0] == 1
    assert ranks(fuse(s, "lexical"))[2] == 1


def test_single_modes_ignore_the_other_side():
    s = signals([0.2, 0.6], [0.2, 0.6], [9.0, 0.0], [1.0, 0.0])
    assert np.allclose(fuse(s, "dense"), [0.0, 1.0])
    assert np.allclose(fuse(s, "lexical"), [1.0, 0.0])
    with pytest.raises(ValueError):
        fuse(s, "other")  # type: ignore[arg-type]


def test_ranks_count_from_one_and_keep_page_order_on_ties():
    assert list(ranks(np.array([0.5, 0.9, 0.5]))) == [2, 1, 3]


def test_diversity_lets_a_different_passage_past_a_near_copy():
    vectors = np.array([[1.0, 0.0], [0.995, 0.0998], [0.0, 1.0]])
    relevance = np.array([0.9, 0.88, 0.8])
    assert maximal_marginal_relevance(vectors, relevance, 2, 1.0) == [0, 1]
    assert maximal_marginal_relevance(vectors, relevance, 2, 0.75) == [0, 2]
    assert maximal_marginal_relevance(vectors, relevance, 5, 0.75) == [0, 2, 1]
