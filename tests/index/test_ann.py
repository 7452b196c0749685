import faiss
import numpy as np
import pytest

from matrixqa.index import ann
from matrixqa.index.ann import exact_view, make_passage_index, ranked_rows, recall
from matrixqa.search.evidence import POOL


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _hnsw_and_queries() -> tuple[faiss.Index, np.ndarray]:
    """An HNSW index over 3,000 vectors in tight topics, as passages are, some of them duplicates (the same
    text twice), and 100 questions near passages."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(40, 384))
    vectors = centres[rng.integers(0, len(centres), 3000)] + rng.normal(scale=0.6, size=(3000, 384))
    vectors[1500:1550] = vectors[:50]
    vectors = _unit(vectors)
    index = make_passage_index(vectors, ann_threshold=1000)
    assert isinstance(index, faiss.IndexHNSW) and index.ntotal > 10 * POOL
    queries = _unit(vectors[rng.choice(len(vectors), 100, replace=False)] + rng.normal(scale=0.05, size=(100, 384)))
    return index, queries


def test_recall_counts_a_tied_duplicate_as_found_and_a_lesser_passage_as_missed():
    vectors = _unit(np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.9, 0.4, 0.0], [0.0, 1.0, 0.0]]))
    exact = faiss.IndexFlatIP(3)
    exact.add(vectors)
    query = _unit(np.array([[1.0, 0.1, 0.0]]))
    assert recall(exact, query, np.array([[0]]), 1) == recall(exact, query, np.array([[1]]), 1) == 1.0
    assert recall(exact, query, np.array([[2]]), 1) == 0.0
    assert recall(exact, query, np.array([[1, 0]]), 2) == 1.0
    assert recall(exact, query, np.array([[0, -1]]), 2) == 0.5  # FAISS marks a place it could not fill with -1


def test_hnsw_above_the_candidate_pool_finds_the_exact_nearest_passages():
    index, queries = _hnsw_and_queries()
    _, found = index.search(queries, 10)
    assert recall(exact_view(index), queries, found, 10) >= 0.99
    # What search asks of it: the best ten of the POOL dense candidates are the exact ten nearest.
    pools = np.array([ranked_rows(index, query, POOL)[1] for query in queries])
    assert recall(exact_view(index), queries, pools, 10) == 1.0


def test_a_starved_graph_loses_recall(monkeypatch: pytest.MonkeyPatch):
    """The test above can fail: with two links a node and a beam of one, the graph misses neighbours."""
    monkeypatch.setattr(ann, "HNSW_LINKS", 2)
    monkeypatch.setattr(ann, "HNSW_EF_SEARCH", 1)
    monkeypatch.setattr(ann, "HNSW_EF_CONSTRUCTION", 1)
    index, queries = _hnsw_and_queries()
    _, found = index.search(queries, 10)
    assert recall(exact_view(index), queries, found, 10) < 0.99


@pytest.mark.parametrize("every", [False, True])
def test_one_question_is_searched_on_one_openmp_thread_and_the_callers_setting_is_kept(every: bool):
    # Two threads on one question would leave the second spinning on a core the model needs.
    index = make_passage_index(np.eye(4, dtype=np.float32), ann_threshold=0)
    seen = []
    search = index.search
    index.search = lambda query, k: seen.append(faiss.omp_get_max_threads()) or search(query, k)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        _, rows = ranked_rows(index, np.array([0, 1, 0, 0], dtype=np.float32), 2, every=every)
        assert seen == [ann.SEARCH_THREADS] == [1] and rows[0] == 1
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(before)
