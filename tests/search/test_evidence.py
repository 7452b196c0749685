"""Gathering a question's evidence: candidates and their scores, coverage, topics, authors."""

from __future__ import annotations

import shutil
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.chunk import SUMMARY_SECTION, top_section
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search import evidence
from matrixqa.search.cells import CellKey
from matrixqa.search.evidence import TERM_FLOOR, TERM_POWER, cell_breadth, named_authors, term_weights
from matrixqa.search.filters import NO_FILTERS, Filters
from matrixqa.search.fusion import MODES, Signals, fuse
from matrixqa.search.retrieve import Retriever
from tests.search.test_relevance_contract import ELSEWHERE, UNUSUAL, MeaningEmbedder

MANY_CELLS = Path(__file__).parents[1] / "data" / "many_cells"


def missing(retriever: Retriever, question: str) -> tuple[str, ...]:
    return retriever.gatherer.gather(retriever.reader.read(question), NO_FILTERS, "hybrid").missing


@pytest.mark.parametrize(
    ("question", "cells"), [("supervised methadone at the pharmacy", 1), ("alcohol at the clinic", 2)]
)
def test_each_leading_cell_gives_its_own_best_sentence_and_coverage(retriever: Retriever, question, cells):
    query = retriever.reader.read(question)
    found = retriever.gatherer.gather(query, NO_FILTERS, "hybrid")
    rows = found.candidates.rows
    leaders = rows[found.candidates.best_first(evidence.COVERAGE_DEPTH)]
    passages = retriever.index.passages
    cell_of = [CellKey.of(passages[int(p)].cell) for p in rows]
    assert [c.cell for c in found.cells] == list(dict.fromkeys(CellKey.of(passages[int(p)].cell) for p in leaders))
    for each in found.cells:
        shares = [
            query.coverage(retriever.lexical.token_sets[int(p)])
            for p in leaders
            if CellKey.of(passages[int(p)].cell) == each.cell
        ]
        sentences = [float(s) for s, cell in zip(found.candidates.sentence, cell_of, strict=True) if cell == each.cell]
        assert each.coverage == max(shares) and each.sentence_score == max(sentences)
    assert len(found.cells) == cells


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("Is Nyxoid safe in pregnancy?", ("Nyxoid (naloxone)", "pregnancy")),  # by any of its names, said once
        ("do drug consumption rooms work", ("drug consumption rooms",)),  # a phrase: its words are in the corpus
        ("naloxone and Narcan", ("naloxone",)),  # one topic, named twice
        ("can I breastfeed on methadone?", ("breastfeed (pregnancy)",)),  # a form the stemmer does not join
        ("alcohol and the clinic", ()),  # the fake D4 cell is about alcohol: a topic the corpus treats
        ("xylophone tuning", ()),  # no topic of the field
    ],
)
def test_a_topic_is_absent_when_no_passage_names_it(retriever: Retriever, question, absent):
    assert missing(retriever, question) == absent


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        # The fake alcohol D4 alone answers on zebra stripes: a drug's name is the drug matrix's subject, which none
        # of its passages treats.
        ("Do zebra-striped waiting rooms help heroin users keep their appointments?", ("heroin",)),
        # A drug passage among those that would answer does not make the other matrix's passage leading the answer
        # speak of it.
        ("Do zebra-striped waiting rooms help methadone patients keep appointments with counsellors?", ("methadone",)),
        ("Do zebra-striped waiting rooms help stimulant users keep their appointments?", ("stimulant",)),
        ("Do zebra-striped waiting rooms help drinkers keep their appointments?", ()),  # the alcohol matrix's own
        ("Do zebra-striped waiting rooms help clients keep their appointments?", ()),
        # "drug" alone is as often a medicine or a kind of worker ("drug keyworkers") as the drug matrix's subject
        ("Do zebra-striped waiting rooms help drug users keep their appointments?", ()),
        ("Do zebra stripes help people coming off drink or drugs keep appointments?", ()),  # both matrices named
        ("supervised methadone at the pharmacy", ()),  # the real drug B3 answers
        ("In cell D4, do zebra stripes help heroin users?", ()),  # asked of that cell: what it says is the answer
    ],
)
def test_a_question_naming_one_matrixs_subject_is_not_answered_from_the_other_matrix_alone(
    retriever: Retriever, question, absent
):
    assert missing(retriever, question) == absent


def test_a_corpus_of_one_matrix_reads_no_other_matrixs_subject(tmp_path: Path, corpus_dir: Path):
    (corpus_dir / "alcohol-D4.txt").unlink()
    build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "alone")
    alone = Retriever(load_index(tmp_path / "alone", HashingEmbedder(), corpus_dir), HashingEmbedder())
    assert alone.reader.read("do drinkers do better with a warm counsellor?").subject is None
    assert alone.reader.read("do heroin users do better with a warm counsellor?").subject == (
        "Drug Treatment Matrix",
        "heroin",
    )


def test_authors_are_named_by_surname_capitalised_or_rare(retriever: Retriever):
    passages = retriever.index.passages
    analyse = retriever.analyzer.analyse
    (luborsky,) = named_authors(analyse("luborsky therapist success"), passages)
    assert luborsky.startswith("luborsky = an author of ‘")
    assert named_authors(analyse("What did Kim et al find?"), passages)
    assert not named_authors(analyse("what did kim find"), passages)  # a common word in lower case
    assert not named_authors(analyse("Who wrote about Xylophones?"), passages)


def test_an_author_is_named_with_the_title_and_year_of_the_study_they_wrote(retriever: Retriever):
    passages = retriever.index.passages
    studies = {p.study for p in passages if p.study and "Luborsky" in p.study.authors}
    assert studies and all(s.year for s in studies)
    (named,) = named_authors(retriever.analyzer.analyse("luborsky therapist success"), passages)
    assert named in {f"luborsky = an author of ‘{s.title}’ ({s.year})" for s in studies}


def test_the_cells_summaries_answer_what_the_corpus_covers_above_the_candidate_pool(retriever: Retriever, monkeypatch):
    monkeypatch.setattr(evidence, "POOL", 1)  # fewer candidates than passages: the summaries must still be among them
    summaries = {p.id for p in retriever.index.passages if p.section == SUMMARY_SECTION}
    hits = retriever.search("What does this matrix cell cover?", 5).hits
    assert {h.passage.id for h in hits[: len(summaries)]} == summaries


def test_asked_what_the_corpus_covers_every_cells_summary_leads_alike_whichever_cell_is_broader(retriever: Retriever):
    # Each cell's summary says what the cell covers: none gives up any of its score for its cell's breadth.
    summaries = sum(p.section == SUMMARY_SECTION for p in retriever.index.passages)
    hits = retriever.search("What do the cells cover?", 10).hits
    assert [h.score for h in hits if h.passage.section == SUMMARY_SECTION] == [1.0] * summaries == [1.0, 1.0]
    assert [h.breadth_cost for h in hits] == [0.0] * 10


def test_a_cells_summary_comes_after_the_evidence_on_a_question_not_about_what_the_corpus_covers(
    retriever: Retriever,
):
    # The question is in B3's summary's own words (by its own evidence the summary would lead): a summary says what
    # its cell is about, and is no evidence on anything else.
    hits = retriever.search("influence of the practitioner on medical treatment", 10).hits
    assert hits[0].passage.section != SUMMARY_SECTION
    assert any(h.passage.section == SUMMARY_SECTION for h in hits)  # still among the hits, further down


@pytest.mark.parametrize("filters", [NO_FILTERS, Filters(cells=frozenset({"B3"}))])
def test_as_many_passages_as_the_candidate_pool_are_all_ranked(retriever: Retriever, monkeypatch, filters: Filters):
    # A pool exactly the size of what the filters admit holds every admitted passage: each is ranked, as in a
    # corpus smaller than the pool, and the search does not fail on a pool it cannot cut.
    admitted = retriever.gatherer.admitted_count(filters)
    everything = [h.passage.id for h in retriever.search("urine tests and supervision", 5, filters).hits]
    monkeypatch.setattr(evidence, "POOL", admitted)
    found = retriever.gatherer.gather(retriever.reader.read("urine tests and supervision"), filters, "hybrid")
    assert len(found.candidates.rows) == admitted
    assert [h.passage.id for h in retriever.search("urine tests and supervision", 5, filters).hits] == everything


def test_coverage_is_each_passages_share_of_the_weight_of_the_question_words_it_holds():
    term_scores = [(0, np.array([1.2, 0.0, 0.3])), (2, np.array([0.0, 0.0, 2.0]))]  # term 1: no passage holds it
    weights = np.array([2.0, 5.0, 1.0], dtype=np.float32)
    assert evidence.coverage_of(term_scores, weights, 3).tolist() == pytest.approx([2 / 8, 0.0, 3 / 8])
    assert not evidence.coverage_of([], np.zeros(1, dtype=np.float32), 3).any()


def test_a_candidate_holding_every_word_of_the_question_has_full_coverage_and_one_holding_none_none(retriever):
    query = retriever.reader.read("supervised methadone patients")
    found = retriever.gatherer.gather(query, NO_FILTERS, "hybrid").candidates
    held = [
        sum(bool(t.tokens & retriever.lexical.token_sets[int(row)]) for t in query.analysis.terms) for row in found.rows
    ]
    everything, nothing = len(query.analysis.terms), 0
    assert everything in held and nothing in held and 0 < min(found.coverage[np.array(held) == 1])
    assert [c == pytest.approx(1.0) for c in found.coverage] == [n == everything for n in held]
    assert [c == 0 for c in found.coverage] == [n == nothing for n in held]


def test_term_weights_keep_a_floor_and_follow_each_words_closeness_to_the_question():
    question = np.array([1.0, 0.0])
    words = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])  # cosines 1, 0.6, 0, -1
    weights = term_weights(question, words)
    assert weights[0] == pytest.approx(1.0)  # the closest word keeps all its score
    assert weights[1] == pytest.approx(TERM_FLOOR + (1 - TERM_FLOOR) * 0.6**TERM_POWER)
    assert weights[2] == weights[3] == pytest.approx(TERM_FLOOR)  # no word drops out
    assert list(term_weights(question, np.zeros((2, 2)))) == [1.0, 1.0]  # nothing to go by: plain BM25
    assert term_weights(question, np.zeros((0, 2))).shape == (0,)


@pytest.mark.model
def test_real_model_weighs_the_words_a_question_is_about_above_its_framing(real_retriever: Retriever):
    question = "Does taking methadone at the pharmacy make patients feel watched?"
    terms = real_retriever.analyzer.analyse(question).terms
    vector, words = real_retriever.gatherer.meanings.start(question, [t.word.lower() for t in terms])()
    weights = dict(zip((t.word for t in terms), term_weights(vector, words), strict=True))
    assert weights["methadone"] > weights["taking"] and weights["pharmacy"] > weights["make"]


def test_bm25_is_scored_while_the_model_embeds_the_question(retriever: Retriever):
    """An embedder with a model thread gets the question at once; the search scores BM25 before it waits."""
    events: list[str] = []
    meanings = retriever.gatherer.meanings
    hashing = meanings.embedder
    pending: Future = Future()

    class ThreadedEmbedder:
        name, fingerprint, dimension = hashing.name, hashing.fingerprint, hashing.dimension

        def embed(self, texts):
            events.append("embed")
            return hashing.embed(texts)

        def submit(self, texts):
            events.append("submitted")
            self.texts = texts
            return pending

    embedder = ThreadedEmbedder()
    term_scores = retriever.lexical.term_scores

    def scored_while_pending(analysis):
        events.append("bm25 while the model runs" if not pending.done() else "bm25 after the model")
        pending.set_result(hashing.embed(embedder.texts))
        return term_scores(analysis)

    meanings.embedder = embedder
    retriever.lexical.term_scores = scored_while_pending
    overlapped = retriever.search("supervised methadone at the pharmacy", 3)
    assert events == ["submitted", "bm25 while the model runs"]
    meanings.embedder, retriever.lexical.term_scores = hashing, term_scores
    plain = retriever.search("supervised methadone at the pharmacy", 3)
    assert [(h.passage.id, h.score) for h in overlapped.hits] == [(h.passage.id, h.score) for h in plain.hits]


def test_coverage_is_the_best_of_the_first_three_passages_not_of_the_first(retriever: Retriever):
    # A question's words may be spread over the passages that answer it: the first three are read, not one alone.
    questions = [
        "Do patients trust doctors who test them for drugs?",
        "Do GPs who know their patients well get better outcomes?",
        "Does feeling respected by the clinic matter to patients on methadone?",
        "Can buprenorphine be prescribed by pharmacists?",
    ]
    beyond_the_first = 0
    for question in questions:
        query = retriever.reader.read(question)
        found = retriever.gatherer.gather(query, NO_FILTERS, "hybrid")
        first = found.candidates.rows[found.candidates.leaders(4)]
        shares = [query.coverage(retriever.lexical.token_sets[int(p)]) for p in first]
        assert max(c.coverage for c in found.cells) == max(shares[:3]), question
        beyond_the_first += max(shares[:3]) > shares[0]
    assert beyond_the_first


@pytest.mark.parametrize(
    ("question", "filters", "admits"),
    [
        (
            "were patients watched at the chemist?",
            Filters(types=frozenset("K")),
            lambda p: p.study and p.study.type == "K",
        ),
        ("alcohol D4: were patients watched at the chemist?", NO_FILTERS, lambda p: p.cell.code == "D4"),
    ],
    ids=["filters", "a cell named"],
)
def test_a_search_above_the_candidate_pool_keeps_to_the_passages_admitted(
    retriever: Retriever, monkeypatch, question, filters, admits
):
    # Above POOL passages the dense side's best are looked up among the admitted passages, not in the whole index:
    # neither the filters nor the cells a question names let in another passage.
    passages = retriever.index.passages
    admitted = {n for n, p in enumerate(passages) if admits(p)}
    monkeypatch.setattr(evidence, "POOL", 3)
    assert len(admitted) > evidence.POOL
    found = retriever.gatherer.gather(retriever.reader.read(question), filters, "hybrid")
    assert set(found.candidates.rows.tolist()) <= admitted
    assert all(admits(h.passage) for h in retriever.search(question, 5, filters).hits)


def test_bm25_keeps_a_words_whole_score_as_near_as_it_is_to_the_question_and_a_floor_of_it_when_far(
    retriever: Retriever,
):
    # The question means what "counsellor" alone means: that word keeps its whole BM25 score, "urine", far from
    # that meaning, about TERM_FLOOR of it (a question of one word keeps all of it).
    embedder = MeaningEmbedder({"counsellor urine": HashingEmbedder().embed(["counsellor"])[0]})
    searcher = Retriever(retriever.index, embedder)

    def lexical(question: str) -> dict[int, float]:
        found = searcher.gatherer.gather(searcher.reader.read(question), NO_FILTERS, "lexical").candidates
        return dict(zip(found.rows.tolist(), found.lexical.tolist(), strict=True))

    both, counsellor, urine = lexical("counsellor urine"), lexical("counsellor"), lexical("urine")
    only_counsellor = [p for p in both if counsellor[p] > 0 and not urine[p]]
    only_urine = [p for p in both if urine[p] > 0 and not counsellor[p]]
    assert only_counsellor and only_urine
    assert all(both[p] == pytest.approx(counsellor[p]) for p in only_counsellor)
    assert all(TERM_FLOOR * urine[p] <= both[p] < 0.6 * urine[p] for p in only_urine)


def test_a_word_matched_by_meaning_weighs_the_bm25_of_its_stand_in_by_its_own_closeness(
    corpus_dir: Path, tmp_path: Path
):
    # "zop", which no passage uses, is searched as "urine" (cosine 0.9) and means what the question means: the stand-in
    # keeps all of urine's BM25 score, and "tests", far from the question's meaning, TERM_FLOOR of its own.
    near = 0.9 * UNUSUAL + np.sqrt(1 - 0.9**2) * ELSEWHERE
    embedder = MeaningEmbedder({"urine": UNUSUAL, "zop": near, "zop tests": UNUSUAL, "tests": ELSEWHERE})
    build_index(load_corpus(corpus_dir), embedder, tmp_path / "meaning-index")
    searcher = Retriever(load_index(tmp_path / "meaning-index", embedder, corpus_dir), embedder)

    def lexical(question: str) -> np.ndarray:
        return searcher.gatherer.gather(searcher.reader.read(question), NO_FILTERS, "lexical").candidates.lexical

    assert searcher.search("zop tests", 5).relevance.matched == ("zop ≈ urine",)
    tests, urine = lexical("tests"), lexical("urine")
    assert (tests > 0).any() and (urine > 0).any()
    assert lexical("zop tests").tolist() == pytest.approx((TERM_FLOOR * tests + urine).tolist())


@pytest.mark.parametrize(
    ("filters", "led"), [(NO_FILTERS, ("Key studies",)), (Filters(types=frozenset({"commentary"})), ())]
)
def test_a_section_the_question_names_counts_as_evidence_only_among_the_candidates(
    retriever: Retriever, filters: Filters, led
):
    # "key studies in cell B3" names a section of the cell it names; it leads the candidates, and counts as
    # evidence, only when the passages the filters admit include that section.
    query = retriever.reader.read("key studies in cell B3")
    found = retriever.gatherer.gather(query, filters, "hybrid")
    sections = {top_section(retriever.index.passages[int(p)].section) for p in found.candidates.rows}
    assert query.sections == ("Key studies",) and ("Key studies" in sections) == bool(led)
    assert found.sections == led


def test_a_section_the_question_names_leads_in_the_upper_half_of_the_scores_and_the_rest_in_the_lower(
    retriever: Retriever,
):
    # Each side keeps its own order, and a score stays within the 0 to 1 the API documents.
    passages = retriever.index.passages
    found = retriever.gatherer.gather(retriever.reader.read("key studies in cell B3"), NO_FILTERS, "hybrid")
    found = found.candidates
    asked = np.array([top_section(passages[int(p)].section) == "Key studies" for p in found.rows])
    own = fuse(Signals(found.dense, found.sentence, found.lexical, found.coverage), "hybrid")
    assert asked.any() and not asked.all()
    assert found.fused[asked].tolist() == pytest.approx((0.5 + own[asked] * 0.5).tolist())
    assert found.fused[~asked].tolist() == pytest.approx((own[~asked] * 0.5).tolist())
    hits = retriever.search("key studies in cell B3", 10).hits
    assert all(0.0 <= h.score <= 1.0 for h in hits)


def test_above_the_candidate_pool_a_cells_summary_is_a_candidate_only_when_a_side_finds_it(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch
):
    # Only a question about what the corpus covers adds every admitted summary to the pool of each side's best.
    monkeypatch.setattr(evidence, "POOL", 3)
    query = retriever.reader.read("supervised methadone at the pharmacy")
    rows = retriever.gatherer.gather(query, NO_FILTERS, "hybrid").candidates.rows
    assert len(retriever.index.passages) > 2 * evidence.POOL >= len(rows)
    assert not any(retriever.index.passages[int(p)].section == SUMMARY_SECTION for p in rows)


def test_a_cell_several_of_whose_passages_answer_leads_a_neighbour_with_one():
    fused = np.array([0.9, 0.5, 0.4, 0.95, 0.2], dtype=np.float32)
    cells = np.array([0, 0, 0, 1, 1])
    scored = cell_breadth(fused, cells)
    # Cell 0's next best (0.5, 0.4) make it broader than cell 1 (0.2): cell 1 gives up half the difference, 0.125.
    assert scored[:3].tolist() == pytest.approx([0.9, 0.5, 0.4])
    assert scored[3:].tolist() == pytest.approx([0.825, 0.075])
    assert np.argmax(scored) == 0 and np.argmax(fused) == 3


def test_a_cells_breadth_keeps_the_order_of_its_own_passages_and_a_one_cell_corpus_as_it_was():
    fused = np.array([0.3, 0.8, 0.55, 0.1], dtype=np.float32)
    assert cell_breadth(fused, np.zeros(4, dtype=np.int32)).tolist() == fused.tolist()
    two = cell_breadth(np.concatenate([fused, [0.6]]).astype(np.float32), np.array([0, 0, 0, 0, 1]))
    assert np.argsort(-two[:4]).tolist() == np.argsort(-fused).tolist()
    assert two.min() >= 0.0  # a narrow cell's weakest passages stop at nothing


def test_a_cells_breadth_is_its_own_second_and_third_best_passages_and_no_score_falls_below_0():
    # The lone passage of cell 1 leads on its own score, but its cell has no next best passages: it gives up half of
    # cell 0's breadth (0.5 and 0.4), whose fourth passage (0.1) takes nothing from it. Cell 2's breadth is its own
    # second best (0.05): each of its passages gives up half of 0.4, and the weaker stops at nothing.
    fused = np.array([0.9, 0.5, 0.4, 0.1, 0.95, 0.7, 0.05], dtype=np.float32)
    scored = cell_breadth(fused, np.array([0, 0, 0, 0, 1, 2, 2]))
    assert scored.tolist() == pytest.approx([0.9, 0.5, 0.4, 0.1, 0.725, 0.5, 0.0])


@pytest.fixture
def with_drug_a4(tmp_path: Path, corpus_dir: Path) -> Retriever:
    """The fast corpus and a second cell of the drug matrix, A4 from the many-cell fixture."""
    shutil.copy(MANY_CELLS / "drug-A4.txt", corpus_dir / "drug-A4.txt")
    build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "with_a4")
    return Retriever(load_index(tmp_path / "with_a4", HashingEmbedder(), corpus_dir), HashingEmbedder())


@pytest.mark.parametrize(
    "question",
    [
        "what do drug B3 and A4 say about counsellors?",  # two cells of one matrix
        "do counsellors help drinkers or drug users keep appointments?",  # the subjects of both matrices
    ],
)
def test_a_question_asking_of_several_cells_or_both_matrices_weighs_no_cells_breadth(with_drug_a4, question):
    # It asks of each cell or matrix alike: no passage gives up any of its score because its cell has fewer passages
    # that answer, as each does for a question asking of no cell in particular.
    assert any(h.breadth_cost > 0 for h in with_drug_a4.search("counsellors and appointments", 10).hits)
    result = with_drug_a4.search(question, 10)
    assert len(result.query.cells) == 2 or len(result.query.matrices) == 2
    assert [h.breadth_cost for h in result.hits] == [0.0] * 10
    # Each cell or matrix it names is among the hits, however few of its passages answer.
    asked = set(result.query.cells) or set(result.query.matrices)
    found = {CellKey.of(h.passage.cell) if result.query.cells else h.passage.cell.matrix for h in result.hits}
    assert found == asked


def test_among_candidates_tied_on_their_own_evidence_those_first_in_page_order_lead():
    # Asked what the corpus covers, every cell's summary scores 1.0: the decision weighs the first summaries in page
    # order, not any three (12 cells of 5 passages, each cell's first its summary, the others at half their score).
    own = np.where(np.arange(60) % 5 == 0, 1.0, np.linspace(0.5, 0.1, 60)).astype(np.float32)
    candidates = evidence.Candidates(*[np.arange(60)] * 9, own=own, coverage=np.zeros(60), decided=own)
    assert candidates.leaders(3).tolist() == [0, 5, 10]


def test_the_decision_weighs_each_passages_own_evidence_not_its_cells_breadth(retriever, monkeypatch):
    # A breadth that sinks every cell but the first passage's: the hits are then that cell's, yet the decision still
    # weighs the passages that lead on their own evidence, from both cells (the topics they treat, their coverage).
    def first_cell_only(fused, cells):
        return np.where(cells == cells[np.argmax(fused)], fused, 0.0).astype(np.float32)

    question = "counsellors and appointments"
    query = retriever.reader.read(question)
    before = retriever.gatherer.gather(query, NO_FILTERS, "hybrid")
    assert len(before.cells) == 2  # the question's own evidence leads from both cells
    monkeypatch.setattr(evidence, "cell_breadth", first_cell_only)
    after = retriever.gatherer.gather(query, NO_FILTERS, "hybrid")
    rows = after.candidates.rows[after.candidates.best_first(3)]
    assert len({retriever.index.passages[int(r)].cell.code for r in rows}) == 1  # the hits: one cell's
    assert [c.cell for c in after.cells] == [c.cell for c in before.cells]


@pytest.mark.parametrize("mode", MODES)
def test_the_decision_weighs_the_passages_first_on_their_own_evidence_without_their_coverage(retriever, mode):
    # The hybrid fuses each passage's coverage into its rank, but the decision weighs coverage itself
    # (relevance.py): it chooses the passages it weighs on the other signals, as the mode fuses them.
    query = retriever.reader.read("supervised methadone patients")
    found = retriever.gatherer.gather(query, NO_FILTERS, mode).candidates
    without = fuse(Signals(found.dense, found.sentence, found.lexical), mode)
    assert found.decided.tolist() == pytest.approx(without.tolist())
    assert found.leaders(3).tolist() == np.argsort(-without, kind="stable")[:3].tolist()
    if mode == "hybrid":  # here coverage changes which passages lead
        with_coverage = fuse(Signals(found.dense, found.sentence, found.lexical, found.coverage), mode)
        assert found.own.tolist() == pytest.approx(with_coverage.tolist())
        assert set(found.leaders(3).tolist()) != set(np.argsort(-with_coverage, kind="stable")[:3].tolist())


def test_coverage_weighs_each_word_by_its_weight_in_the_question_times_its_closeness_to_it(retriever, monkeypatch):
    # The share of the weight BM25 gives the question's words: each word's Query.weight times the share of its BM25
    # score it keeps for its closeness to the question (term_weights), here set to unequal shares.
    query = retriever.reader.read("supervised methadone patients")
    assert len(query.scoring) == len(query.analysis.terms) == 3 and not query.unknown
    closeness = np.array([1.0, 0.5, 0.25], dtype=np.float32)
    monkeypatch.setattr(evidence, "term_weights", lambda question, words: closeness[: len(words)])
    found = retriever.gatherer.gather(query, NO_FILTERS, "hybrid").candidates
    weight = np.asarray(query.weights) * closeness
    expected = [
        sum(
            w
            for t, w in zip(query.analysis.terms, weight, strict=True)
            if t.tokens & retriever.lexical.token_sets[int(p)]
        )
        / weight.sum()
        for p in found.rows
    ]
    assert found.coverage.tolist() == pytest.approx(expected)
    assert len(set(np.round(expected, 4))) > 3  # partial shares, not only all or nothing
