"""Which sentences an answer quotes, from which passages (answer/choose.py). Most of its tests are in
tests/answer/test_compose_contract.py and tests/answer/test_asks.py, which have no room for more.

Written against the mutants mutmut left alive in choose.choose_sentences and choose._giving_further_back
(docs/mutation.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from matrixqa.answer.asks import read_asked
from matrixqa.answer.choose import LENGTHS, Quoting, choose_sentences, with_title_line
from matrixqa.answer.compose import Answerer, compose_answer
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Hit, Retriever
from tests.conftest import FAKE_CELL

# Invented for this test: each sentence after the first leans on the one before, and only the last gives a number.
CHESS_CLUBS = (
    "Chess clubs were tried in the imaginary waiting rooms of a fake alcohol service.",
    "They met before counselling sessions.",
    "Its organisers kept a register of the players.",
    "This register was kept for the whole trial.",
    "It counted 412 clients who played chess.",
)


def test_an_answer_to_a_question_naming_both_matrices_subjects_quotes_each_matrix(retriever: Retriever):
    # The fast corpus: the alcohol D4 passage ranks sixth, its best sentence too far below the drug B3 passages' to
    # be drawn on by a short answer, unless the question asks of both matrices.
    result = retriever.search("do patients with drug or alcohol problems do better with a good counsellor?", 8)
    assert len(result.query.matrices) == 2
    chosen = choose_sentences(result, retriever, result.query, LENGTHS["short"], None)
    assert {chosen.sources[source].passage.cell.matrix for source, _ in chosen.picked} == set(result.query.matrices)


def test_another_cells_sentence_giving_what_was_asked_is_quoted_after_the_best_passages_cell(retriever: Retriever):
    # The fake D4 cell's lighthouse study put first, just ahead of B3's passages: it gives no number, B3's counsellor
    # study does. The best passage's cell still leads; B3's number is quoted after it, so nothing is lacking.
    result = retriever.search("How many patients and counsellors were in the larger US study?", 5)
    lighthouse = next(p for p in retriever.index.passages if p.text.startswith("Lighthouse keepers as counsellors"))
    first = replace(result.hits[0], passage=lighthouse, score=result.hits[0].score + 0.01)
    answer = compose_answer(replace(result, hits=[first, *result.hits]), retriever)
    assert answer.asks_for == "a number" and answer.lacking == ()
    assert answer.citations[0].passage.cell.matrix == "Alcohol Treatment Matrix"
    assert any("265 patients" in s for c in answer.citations[1:] for s in c.sentences)


def test_a_sentence_leaning_back_further_than_usual_is_quoted_only_when_it_gives_what_was_asked(answerer: Answerer):
    # B3's "... another larger US study involving 265 patients and 13 counsellors" leans back three sentences: it is
    # quoted with them for how many were in that study (tests/answer/test_compose_contract.py), but gives no yes or no
    # to this question, for which no sentence of the sources gives one.
    answer = answerer.answer("Does the doctor's attitude affect how patients do?")
    assert answer.answered and answer.lacking == ("a yes or no",)
    assert "265 patients" not in answer.answer and "The stand-out counsellor" not in answer.answer


def test_a_lead_giving_what_was_asked_only_with_its_entrys_title_line_is_quoted_after_that_line(answerer: Answerer):
    # The year is in the guidance's title line, which the citation shows; the answer says it too, before the
    # sentence of the entry that gives it only with that line.
    answer = answerer.answer("When was the Clinks guidance on co-occurring mental health and substance use published?")
    assert answer.answered and answer.asks_for == "a time" and not answer.lacking
    first = answer.citations[0]
    assert (
        first.sentences[0].startswith("Competencies for working with co-occurring") and "(2019)" in first.sentences[0]
    )
    assert len(first.sentences) > 1 and "(2019)" not in first.sentences[1]
    # Asked what to do, which the entry's sentence gives itself, the sentence is quoted without the title line.
    answer = answerer.answer("What does the Clinks guidance advise about values, knowledge and skills?")
    assert answer.answered and all(not s.startswith("Competencies for") for c in answer.citations for s in c.sentences)


def _entry(title: str, retriever: Retriever) -> Hit:
    passage = next(p for p in retriever.index.passages if p.study and p.study.title.startswith(title))
    return Hit(passage, 1.0, 1)


@pytest.mark.parametrize(
    ("question", "title", "quoted"),
    [
        # A study asked for, and the finding names none itself: its entry's title line comes first.
        ("Which study found patients did best with GPs who knew them as a whole person?", "Patients do best", True),
        # A title line naming too little of what the question asks about gives it no more than the sentence does.
        ("Which study found the counsellor a patient was assigned to affected retention?", "Quasi-random", False),
        # Who made an entry is the title line's to say, though the sentence names a body too ("the US professional
        # association").
        ("Which organisation wrote the consensus guidelines for US addiction doctors?", "What US specialist", True),
        # A yes or no is a claim the quoted sentence must make: a title line is no answer to it.
        ("Do patients do best with GPs who know them as a whole person?", "Patients do best", False),
        # The sentence gives the time asked for ("six months in to treatment"), the rest of its entry naming some of its
        # subject: the title line's year, another time, is not quoted before it.
        (
            "At what point in treatment was the patient-doctor relationship measured in the methadone study?",
            "Patients more likely",
            False,
        ),
        # The words of the rest of the entry name the subject for the title line only in part, as for the sentence.
        (
            "Which study found that clinicians' training and experience do not predict their different results?",
            "Clinicians’ impact",
            False,
        ),
    ],
)
def test_a_title_line_leads_an_entrys_sentence_only_when_it_gives_what_that_sentence_lacks(
    retriever: Retriever, question: str, title: str, quoted: bool
):
    result = retriever.search(question, 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked is not None
    picked = with_title_line([(0, 1)], (0, 1), [_entry(title, retriever)], asked, retriever)
    assert picked == ([(0, 0), (0, 1)] if quoted else [(0, 1)])


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("When was the review of comfortable chairs and punctual staff published?", "Review of imaginary furniture"),
        ("When were long-term buprenorphine maintenance patients in France interviewed?", "Not just an addict"),
    ],
)
def test_a_title_line_dates_a_later_sentence_of_its_entry_past_one_never_quoted(
    retriever: Retriever, question: str, title: str
):
    # The entry's second sentence ("Free source at the time of writing.") is never quoted; its third gives the finding,
    # the year of which is in the title line.
    entry = _entry(title, retriever)
    assert entry.passage.unquotable[0] == 1
    result = retriever.search(question, 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked is not None and asked.kind.name == "a time"
    assert with_title_line([(0, 2)], (0, 2), [entry], asked, retriever) == [(0, 0), (0, 2)]


def test_a_title_line_quoted_already_or_never_to_be_quoted_is_not_put_before_the_lead(retriever: Retriever):
    # The title line gives what the lead lacks (above). Quoted already (the lead leaning on it, or chosen with it), it
    # is quoted once; marked never to be quoted (as a page's navigation is), not at all.
    result = retriever.search("Which study found patients did best with GPs who knew them as a whole person?", 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked is not None
    entry = _entry("Patients do best", retriever)
    assert with_title_line([(0, 0), (0, 1)], (0, 1), [entry], asked, retriever) == [(0, 0), (0, 1)]
    hidden = Hit(replace(entry.passage, unquotable=(0,)), entry.score, entry.rank)
    assert with_title_line([(0, 1)], (0, 1), [hidden], asked, retriever) == [(0, 1)]


@pytest.fixture
def with_chess_clubs(tmp_path: Path, corpus_dir: Path) -> Retriever:
    """The test corpus with a paragraph of chess clubs added to the fake D4 cell's issues to consider."""
    page = corpus_dir / FAKE_CELL.name
    anchor = "Most preferred spots.\n"
    assert anchor in page.read_text()
    page.write_text(page.read_text().replace(anchor, f"{anchor}\n{' '.join(CHESS_CLUBS)}\n"))
    build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "chess-index")
    return Retriever(load_index(tmp_path / "chess-index", HashingEmbedder(), corpus_dir), HashingEmbedder())


@pytest.mark.parametrize("k", [1, 3, 8])
def test_a_sentence_giving_what_was_asked_is_quoted_with_the_four_it_leans_back_on(with_chess_clubs: Retriever, k):
    # The count leans back four sentences (GIVING_CONTEXT), further than any other sentence may (MAX_CONTEXT): it is
    # quoted with all four, whether the search found its passage alone or among others.
    passage = next(p for p in with_chess_clubs.index.passages if "412 clients" in p.text)
    assert passage.sentence_texts == list(CHESS_CLUBS) and passage.leans == (1, 2, 3, 4)
    result = with_chess_clubs.search("How many clients played chess in the waiting room clubs?", k)
    answer = compose_answer(result, with_chess_clubs)
    assert answer.asks_for == "a number" and answer.lacking == ()
    assert answer.answer.startswith(" ".join(f"{sentence} [1]" for sentence in CHESS_CLUBS))


def test_a_sentence_exactly_as_relevant_as_the_floor_is_quoted(answerer: Answerer):
    # On the fast index "If relationships are as important, ..." shares no hashed word with the question (cosine 0) and
    # holds every one of its distinctive words by synonym: its relevance is MIN_SENTENCE exactly, which is quoted
    # (with the sentence it leans on); only a sentence less relevant than that is left out.
    answer = answerer.answer("therapeutic alliance")
    assert answer.answer.endswith(
        "Sufficient dosing is one of the most solidly established success factor in methadone maintenance. [1] "
        "If relationships are as important, then they are very important. [1]"
    )


def test_hits_without_a_sentence_that_may_be_quoted_are_not_covered_rather_than_an_error(retriever: Retriever):
    # Passages every sentence of which is marked never quotable (navigation, a widget) give an answer nothing, whether
    # or not the question asks for something in particular.
    for question in ["How many patients were in the studies?", "counsellors and methadone"]:
        result = retriever.search(question, 5)
        hits = [
            replace(h, passage=replace(h.passage, unquotable=tuple(range(len(h.passage.sentences)))))
            for h in result.hits
        ]
        assert hits and result.relevant
        assert choose_sentences(replace(result, hits=hits), retriever, result.query, LENGTHS["short"], None) is None
        answer = compose_answer(replace(result, hits=hits), retriever)
        assert not answer.answered and answer.citations == (), question


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        # The lead opens its passage: the close of the passage before it on the page follows it, with the sentence that
        # close leans on.
        (
            "Did the study with 265 patients and 13 counsellors confirm the findings?",
            ["Differences between patients and", "Despite higher methadone doses", "In contrast, over a six-month"],
        ),
        # The lead closes its passage: the opening of the passage after it follows it.
        (
            "What did mental health service users want to change about their clinicians?",
            [
                "In this section we examine",
                "It is the adoption by",
                "It was there strongly",
            ],
        ),
        (
            "How many patients and counsellors were in the larger US counsellor study?",
            [
                "The stand-out counsellor",
                "He or she was not only",
                "The authors speculated",
                "This was one small",
            ],
        ),
        # Within its passage: the next sentence follows it, and nothing across a cut the lead stands away from.
        ("How many mg of methadone were the Philadelphia patients on?", ["Before the transfer", "After the transfer"]),
        (
            "Does the relationship with the prescriber affect the dose patients get?",
            ["Relationships could act partly", "The interaction might work", "Only the whole-person relationship"],
        ),
    ],
)
def test_a_long_answer_quotes_the_leads_neighbour_on_the_page_right_after_it(answerer: Answerer, question, opening):
    quoted = re.findall(r"(.+?) \[\d+\](?: |$)", answerer.answer(question, detail="long").answer)
    assert len(quoted) > len(opening)
    assert [
        sentence.strip()[: len(start)] for sentence, start in zip(quoted[: len(opening)], opening, strict=True)
    ] == opening


def test_a_source_has_the_passage_before_it_as_lead_in_only_when_its_first_sentence_leans_on_it(
    answerer: Answerer, retriever: Retriever
):
    question = "Is being watched at the chemist bad for patients?"
    result = retriever.search(question, 8)
    quoting = Quoting.of(result.hits, result.hits, retriever.index)
    index = retriever.index
    before = {h.passage.id: index.passages[index.positions[h.passage.id] - 1] for h in result.hits}
    following = [h for h in result.hits if h.passage.follows(before[h.passage.id])]
    assert any(0 not in h.passage.leans for h in following) and any(0 in h.passage.leans for h in following)
    leaning = {n for n, h in enumerate(result.hits) if h in following and 0 in h.passage.leans}
    assert set(quoting.lead_in) == leaning
    assert all(quoting.sources[quoting.lead_in[n]].passage == before[result.hits[n].passage.id] for n in leaning)
    # A passage that stands on its own is quoted for its own sentences, not cut back to the close of the one before.
    answer = answerer.answer(question, detail="long")
    guidelines = [c for c in answer.citations if c.passage.text.startswith("The guidelines are also relatively")]
    assert guidelines and guidelines[0].sentences[0].startswith("How long supervision lasts should")
