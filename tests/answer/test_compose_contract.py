"""What an answer quotes, in which order, and what a follow-up or a declined question gets.

Written against the mutants mutmut left alive in compose.py (docs/mutation.md).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from matrixqa.answer.asks import read_asked
from matrixqa.answer.choose import (
    LENGTHS,
    MIN_SENTENCE,
    Length,
    Quoting,
    _quotable,
    choose_sentences,
    in_reading_order,
)
from matrixqa.answer.compose import Answerer, compose_answer
from matrixqa.answer.conversation import Turn
from matrixqa.answer.sources import CELL_REPEAT, across_cells, sources_of
from matrixqa.index.embed import HashingEmbedder
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.ingest.identity import plain_name
from matrixqa.search.filters import Filters
from matrixqa.search.retrieve import Hit, Retriever, SearchResult
from matrixqa.server.responses import AnswerResponse
from matrixqa.textrules import leans_back


def _quoted(answer) -> list[tuple[str, int]]:
    return [(s.strip(), int(n)) for s, n in re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.answer)]


def test_an_answer_quotes_no_question_and_no_study_title_line(answerer: Answerer):
    questions = ["Do stripes distract clients?", "What is this cell about?", "Zebra stripes calm the waiting room"]
    for question in [*questions, "Lighthouse keepers as counsellors", "Review of imaginary furniture effects"]:
        answer = answerer.answer(question, detail="long")
        assert answer.answered, question
        for citation in answer.citations:
            study = citation.passage.study
            for sentence in citation.sentences:
                assert not sentence.rstrip().endswith("?"), (question, sentence)
                assert not (study and sentence == citation.passage.sentence_texts[0]), (question, sentence)


class MeaningEmbedder(HashingEmbedder):
    """The hashing embedder, except that one text is given the vector of another."""

    def __init__(self, text: str, meaning: str):
        self.text, self.meaning = text, meaning

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = super().embed(texts)
        meaning = super().embed([self.meaning])[0]
        for row, text in enumerate(texts):
            if text == self.text:
                vectors[row] = meaning
        return vectors


def test_the_sentence_closest_in_meaning_to_the_question_is_quoted_first(retriever: Retriever):
    # A question sharing no word with the corpus, meaning exactly what one sentence (not its passage's
    # first) says: only the sentences' vectors can put that sentence first.
    sentence = "Missed appointments halved where the stripes were."
    meaning = Retriever(retriever.index, MeaningEmbedder("qqzx wvvkj", sentence))
    answer = Answerer(meaning).answer("qqzx wvvkj")
    assert answer.answered and _quoted(answer)[0] == (sentence, 1)


def test_a_sentence_opening_its_passage_that_leans_on_the_one_before_is_quoted_after_that_one(retriever: Retriever):
    # B3's paragraph "It may, however, be false to ask which is the greater influence ..." opens by leaning on the
    # last sentence of the paragraph before it, in the same section: quoted, it comes after that sentence, which
    # is cited to its own passage; alone it would answer nothing.
    index = retriever.index
    opening = next(p for p in index.passages if p.sentence_texts[0].startswith("It may, however, be false"))
    before = index.passages[index.positions[opening.id] - 1]
    assert 0 in opening.leans and before.section == opening.section
    meaning = Retriever(index, MeaningEmbedder("qqzx wvvkj", opening.sentence_texts[0]))
    answer = Answerer(meaning).answer("qqzx wvvkj")
    quoted = _quoted(answer)
    at = [s for s, _ in quoted].index(opening.sentence_texts[0])
    assert at > 0 and quoted[at - 1][0] == before.sentence_texts[-1]
    cited = {c.n: c.passage.id for c in answer.citations}
    assert cited[quoted[at - 1][1]] == before.id and cited[quoted[at][1]] == opening.id
    # Searched for one passage alone, the passage before it is looked up: still among the answer's passages.
    alone = Answerer(meaning).answer("qqzx wvvkj", k=1)
    assert [h.passage.id for h in alone.hits] == [opening.id, before.id] and not alone.hits[1].searched
    assert {c.passage.id for c in alone.citations} == {opening.id, before.id}
    body = AnswerResponse.of(alone, 1.0)  # the API's answer: every citation's passage among its passages
    assert {c.passage.id for c in body.citations} == {p.id for p in body.passages} and body.passages[1].score is None


def test_an_answer_opens_with_its_lead_though_another_quoted_passage_leans_on_the_leads(retriever: Retriever):
    index = retriever.index
    opening = next(p for p in index.passages if p.sentence_texts[0].startswith("It may, however, be false"))
    before = index.passages[index.positions[opening.id] - 1]
    other = next(p for p in index.passages if p.cell == opening.cell and p.section != opening.section and not p.leans)
    hits = [Hit(before, 0.9, 1, 1), Hit(other, 0.8, 2, 2), Hit(opening, 0.7, 3, 3)]
    quoting = Quoting.of(hits, hits, index)
    assert quoting.lead_in == {2: 0}
    last = len(before.sentences) - 1
    # The lead's passage is the one the third leans on: it stays first, and the third follows it.
    close = quoting.chain(0, last)  # the lead with the sentences it leans on
    assert close[-1] == (0, last) and quoting.chain(2, 0) == [*close, (2, 0)]
    picked = in_reading_order([(0, last, 0.9), (1, 0, 0.8), (2, 0, 0.7)], quoting, (0, last))
    assert picked == [*close, (2, 0), (1, 0)]
    # The third is the lead: the close it leans on opens the answer, right before it, and nothing else of the
    # passage that close ends.
    picked = in_reading_order([(2, 0, 0.9), (1, 0, 0.8), (0, 0, 0.7)], quoting, (2, 0))
    assert picked == [*close, (2, 0), (1, 0)]


def test_a_sentence_holding_the_questions_distinctive_words_beats_one_of_its_small_words(answerer: Answerer):
    # By similarity alone a sentence full of "the", "of", "and" would lead; the word the question is about decides.
    answer = answerer.answer("the stripes of the and in a the")
    assert "stripes" in _quoted(answer)[0][0]


def test_a_misspelt_question_gets_the_tidy_questions_answer(answerer: Answerer):
    tidy = answerer.answer("zebra stripes in the waiting room", detail="long")
    typed = answerer.answer("zebra stripse in the waitng room", detail="long")
    assert typed.answer == tidy.answer and typed.searched_for == "zebra stripse in the waitng room"


def test_answers_draw_on_the_best_fused_passages(answerer: Answerer):
    # The best by fused score, as many as the length allows, a cell's further passages giving way to another cell's
    # close behind them (sources.across_cells): not the hits' diverse order, which is for browsing.
    for question in ["zebra stripes in the waiting room", "urine tests and supervision", "punctual staff"]:
        for detail, passages in [("short", 3), ("long", 5)]:
            answer = answerer.answer(question, detail=detail)
            evidence = sorted(
                (h for h in answer.hits if h.passage.section != SUMMARY_SECTION), key=lambda h: h.fused_rank
            )
            drawn_on = {h.passage.id for h in across_cells(evidence, passages)}
            assert {c.passage.id for c in answer.citations} <= drawn_on, (question, detail)


def test_the_best_fused_passage_answers_first(answerer: Answerer):
    # Retrieval ranked it on more evidence than one sentence's similarity: its best sentence opens the answer.
    questions = ["zebra stripes in the waiting room", "urine tests and supervision", "punctual staff"]
    for question in [*questions, "Do stripes distract clients?", "lighthouse keepers as counsellors"]:
        for detail in ("short", "long"):
            answer = answerer.answer(question, detail=detail)
            best = min(answer.hits, key=lambda h: h.fused_rank).passage
            assert answer.citations[0].passage.id == best.id, (question, detail)


def test_every_answer_has_an_id_of_its_own(answerer: Answerer):
    answers = [answerer.answer(q) for q in ["zebra stripes", "zebra stripes", "xylophone chromodynamics"]]
    ids = [a.id for a in answers]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == 3


def test_a_declined_question_keeps_what_was_asked_the_nearest_passages_and_why(
    retriever: Retriever, answerer: Answerer
):
    question = "xylophone quantum chromodynamics"
    answer = answerer.answer(question)
    assert answer.answered is False and answer.question == question and answer.lead == "" and answer.answer == ""
    assert answer.hits  # shown, marked not relevant
    assert answer.relevance is not None and answer.relevance.relevant is False
    assert answer.relevance.unknown  # the words the corpus lacks are said
    assert answer.message.startswith("The evidence in this corpus does not cover that question")
    for passage in retriever.index.passages:
        assert plain_name(passage.cell.matrix, passage.cell.code) in answer.message


def test_a_follow_up_is_searched_with_the_conversations_subject_even_where_its_own_words_would_answer(
    answerer: Answerer,
):
    # "and for buprenorphine?" after a question on guidance must stay on guidance, though its one word alone finds
    # other passages: a short follow-up is read in the frame of the question it follows.
    previous = Turn("Were the patients watched at the chemist?", "")
    answer = answerer.answer("what about zebra stripes?", [previous], filters=Filters(cells=frozenset({"D4"})))
    assert answer.mode == "follow_up" and answer.answered
    assert answer.searched_for == f"what about zebra stripes? {previous.question}"
    assert answer.hits and all(h.passage.cell.code == "D4" for h in answer.hits)


def test_a_follow_up_of_a_follow_up_keeps_the_subject_that_stood_alone(answerer: Answerer):
    history = [Turn("Do stripes distract clients?", ""), Turn("and what about spots?", "")]
    for question in ["why?", "what about in the waiting room?", "is the same true for counsellors?"]:
        answer = answerer.answer(question, history)
        assert answer.mode == "follow_up" and answer.searched_for == f"{question} Do stripes distract clients?"
    assert answerer.answer("Were the patients watched at the chemist?", history).mode == "standalone"


def test_a_follow_up_its_own_words_do_not_answer_is_searched_with_the_previous_question(answerer: Answerer):
    previous = Turn("Were the patients watched at the chemist?", "")
    answer = answerer.answer("and what about teenagers?", [previous], filters=Filters(cells=frozenset({"B3"})))
    assert answer.mode == "follow_up" and answer.question == "and what about teenagers?"
    assert "and what about teenagers?" in answer.searched_for and previous.question in answer.searched_for
    assert answer.hits and all(h.passage.cell.code == "B3" for h in answer.hits)


def test_a_follow_up_found_only_through_other_words_is_searched_with_the_previous_question(
    retriever: Retriever, answerer: Answerer
):
    # "chemist" finds the pharmacy passages (the field's vocabulary), which never say "chemist": the
    # follow-up's own words do not show it is a new topic, so it is read in the previous question's frame.
    previous = Turn("Do stripes distract clients?", "")
    assert retriever.search("what about the chemist?", 8).relevant
    answer = answerer.answer("what about the chemist?", [previous])
    assert answer.mode == "follow_up" and previous.question in answer.searched_for


def test_which_study_lists_only_the_studies_behind_the_previous_answer(answerer: Answerer):
    first = answerer.answer("Where were zebra stripes painted in a waiting room in Atlantis?")
    follow = answerer.answer("which study showed that?", [Turn(first.question, first.answer)])
    assert follow.mode == "source" and follow.searched_for == first.question
    assert {h.passage.study.title for h in follow.hits} == {"Zebra stripes calm the waiting room"}
    assert [h.rank for h in follow.hits] == list(range(1, len(follow.hits) + 1))
    assert all(0.0 <= h.score <= 1.0 for h in follow.hits)


def test_which_study_cites_every_study_behind_the_previous_answer(retriever: Retriever, answerer: Answerer):
    # A previous answer quoting a commentary sentence about one study and an entry of another.
    passages = retriever.index.passages
    france = next(p for p in passages if p.text.startswith("So much for the theory"))
    entry = next(p for p in passages if p.study and p.study.year == 2014)
    quoted = [france.sentence_texts[1], entry.sentence_texts[1]]
    previous = Turn(
        "How did patients in France see their doctors?", " ".join(f"{s} [{n}]" for n, s in enumerate(quoted))
    )
    follow = answerer.answer("which study showed that?", [previous])
    assert [c.passage for c in follow.citations] == [h.passage for h in follow.hits]  # every one, in page order
    assert {c.passage.study.title for c in follow.citations} == {france.refers_to[0].title, entry.study.title}
    for citation in follow.citations:  # each quoted by its first quotable sentence after the title (cited anyway)
        passage = citation.passage
        first = next(t for i, t in enumerate(passage.sentence_texts) if i and passage.quotable(i))
        assert citation.sentences == (first,)
    # The answer quotes them in that order, each marked with its citation's number, counted from 1.
    assert [c.n for c in follow.citations] == list(range(1, len(follow.citations) + 1))
    assert _quoted(follow) == [(s, c.n) for c in follow.citations for s in c.sentences]


def test_which_study_passes_over_a_study_entry_with_nothing_to_quote_and_cites_those_after_it(retriever: Retriever):
    entries = [p for p in retriever.index.passages if p.study and len(p.sentences) > 1][:3]
    silent = replace(entries[0], unquotable=tuple(range(len(entries[0].sentences))))
    hits = [Hit(p, 1.0, rank) for rank, p in enumerate([silent, *entries[1:]], start=1)]
    vector = retriever.embedder.embed(["which study?"])[0]
    result = SearchResult("How did patients see their doctors?", hits, True, vector, studies_behind=True)
    answer = compose_answer(result, retriever)
    assert [c.passage for c in answer.citations] == entries[1:]
    assert [c.n for c in answer.citations] == [1, 2]


def test_which_study_after_an_answer_quoting_nothing_looks_for_studies_on_its_question(answerer: Answerer):
    previous = Turn("zebra stripes in the waiting room", "Nothing here comes from the corpus. [1]")
    follow = answerer.answer("which study showed that?", [previous])
    assert follow.mode == "source" and follow.searched_for == previous.question
    assert follow.hits and all(h.passage.study for h in follow.hits)
    assert "Zebra stripes calm the waiting room" in {h.passage.study.title for h in follow.hits}


def test_which_study_keeps_to_the_filters(answerer: Answerer):
    previous = Turn("zebra stripes in the waiting room", "Nothing here comes from the corpus. [1]")
    follow = answerer.answer("which study showed that?", [previous], filters=Filters(types=frozenset("K")))
    assert follow.hits and all(h.passage.study.type == "K" for h in follow.hits)


def test_suggestions_leave_out_what_was_asked_earlier_in_the_conversation(answerer: Answerer):
    offered = answerer.answer("stripes and clients").suggestions
    assert offered
    later = answerer.answer("stripes and clients", [Turn(offered[0], "")])
    assert later.mode == "standalone" and offered[0] not in later.suggestions


# Caught no planted fault before (docs/mutation.md): the floor under a quoted sentence, and the passage margin.
QUESTIONS = [
    "Do patients trust doctors who test them for drugs?",
    "What characteristics did effective methadone counsellors share?",
    "Which qualities make a drug worker effective?",
    "What is the best treatment for cocaine addiction?",
    "Does a warm and supportive counsellor help methadone patients?",
    "Can buprenorphine be prescribed by pharmacists?",
    "zebra stripes in the waiting room",
    "urine tests and supervision",
]


@pytest.mark.parametrize("detail", ["short", "long"])
def test_an_answer_quotes_no_sentence_below_the_floor(retriever: Retriever, detail: str):
    # The question means exactly one sentence of a passage (of the real B3 cell) whose other sentences say other
    # things, and shares no word with the corpus: a sentence's relevance is its cosine with that sentence alone.
    # Every sentence quoted is at least 0.25 relevant, the floor, whatever room the answer has left.
    sentence = (
        "From Clinks, a national charity supporting voluntary organisations in the criminal justice system in "
        "England and Wales, and developed through Public Health England based on their related guidance."
    )
    meaning = Retriever(retriever.index, MeaningEmbedder("qqzx wvvkj", sentence))
    answer = Answerer(meaning).answer("qqzx wvvkj", detail=detail)
    quoted = [text for text, _ in _quoted(answer)]
    similarity = HashingEmbedder().embed(quoted) @ HashingEmbedder().embed([sentence])[0]
    assert quoted[0] == sentence
    assert all(similarity >= 0.25), list(zip(quoted, similarity.round(2), strict=True))


@pytest.mark.parametrize("detail", ["short", "long"])
def test_an_answer_whose_sentences_all_fall_below_the_floor_quotes_its_lead_and_its_best_sentence_only(
    retriever: Retriever, answerer: Answerer, detail: str
):
    # A question naming only an author of a study is answered (the study is among the first passages), yet its
    # one word is in no sentence and near none in meaning: no sentence clears the floor. The answer then quotes
    # the first-ranked passage, which leads, and the single most relevant sentence, not all it has room for.
    author = "McLellan"
    texts = [text for passage in retriever.index.passages for text in passage.sentence_texts]
    similarity = HashingEmbedder().embed(texts) @ HashingEmbedder().embed([author])[0]
    assert similarity.max() < MIN_SENTENCE and not any(author.lower() in t.lower() for t in texts)
    answer = answerer.answer(author, detail=detail)
    best = min(answer.hits, key=lambda h: h.fused_rank).passage
    assert answer.answered and answer.citations[0].passage.id == best.id
    assert len(answer.citations) == 2 and len(answer.citations[1].sentences) == 1, _quoted(answer)


def by_cell_repeat(hits, count):
    """The best hit by fused score, then the next by their own fused score less CELL_REPEAT for each hit of the same
    cell taken before."""
    taken = [max(hits, key=lambda h: h.score)] if hits else []
    while len(taken) < min(count, len(hits)):
        cells = [h.passage.cell for h in taken]
        left = [h for h in hits if h not in taken]
        taken.append(max(left, key=lambda h: h.own_score - CELL_REPEAT * cells.count(h.passage.cell)))
    return taken


@pytest.mark.parametrize("detail", ["short", "long"])
def test_an_answer_quotes_both_of_two_sentences_the_question_means_alike(retriever: Retriever, detail: str):
    # The question means two sentences of one passage (of the real B3 cell), not neighbours, equally: both are
    # within a short answer's margin of the best, so neither is left out, at either length.
    passage = next(p for p in retriever.index.passages if p.text.startswith("Before the transfer each of the sets"))
    first, third = passage.sentence_texts[0], passage.sentence_texts[2]
    meaning = Retriever(retriever.index, MeaningEmbedder("qqzx wvvkj", f"{first} {third}"))
    quoted = [text for text, _ in _quoted(Answerer(meaning).answer("qqzx wvvkj", detail=detail))]
    assert first in quoted and third in quoted, quoted


def test_an_answer_cites_the_top_passage_and_those_whose_best_sentence_is_within_the_margin(answerer: Answerer):
    narrowed = 0
    for question in QUESTIONS:
        for detail, length in LENGTHS.items():
            answer = answerer.answer(question, detail=detail)
            if not answer.answered:
                continue
            evidence = [h for h in answer.hits if h.passage.section != SUMMARY_SECTION] or list(answer.hits)
            leaders = by_cell_repeat(sorted(evidence, key=lambda h: h.fused_rank or h.rank), length.passages)
            best = max(h.sentence_score for h in leaders)
            allowed = {leaders[0].passage.id} | {
                h.passage.id for h in leaders if h.sentence_score >= best - length.passage_margin
            }
            assert {c.passage.id for c in answer.citations} <= allowed, (question, detail)
            narrowed += len(allowed) < len(leaders)
    assert narrowed  # the margin left some leader out somewhere: the test can tell


def test_sources_draw_on_another_cell_close_behind_the_first_cells_passages(retriever: Retriever):
    passages = [p for p in retriever.index.passages if p.section != SUMMARY_SECTION]
    b3 = [p for p in passages if p.cell.code == "B3"][:3]
    d4 = next(p for p in passages if p.cell.code == "D4")

    def ranked(*scored):
        return [Hit(p, score, n, fused_rank=n) for n, (p, score) in enumerate(scored, 1)]

    close = ranked((b3[0], 0.9), (b3[1], 0.88), (b3[2], 0.87), (d4, 0.84))
    assert [h.passage for h in across_cells(close, 3)] == [b3[0], d4, b3[1]]
    far = ranked((b3[0], 0.9), (b3[1], 0.88), (b3[2], 0.87), (d4, 0.7))
    assert [h.passage for h in across_cells(far, 3)] == b3
    one_cell = ranked((b3[0], 0.9), (b3[1], 0.85), (b3[2], 0.8))
    assert across_cells(one_cell, 2) == one_cell[:2]
    looked_up = [Hit(p, 0.0, n) for n, p in enumerate([*b3, d4], 1)]  # study entries: no fused rank
    assert across_cells(looked_up, 3) == looked_up[:3]


def test_sources_beside_the_first_are_weighed_by_their_own_evidence_not_their_cells_breadth(retriever: Retriever):
    # The cell's breadth decides which passage leads (search/evidence.py, cell_breadth); the passages drawn on beside
    # it are those whose own evidence is nearly as good, whichever cell gave more passages.
    passages = [p for p in retriever.index.passages if p.section != SUMMARY_SECTION]
    b3 = [p for p in passages if p.cell.code == "B3"][:3]
    d4 = next(p for p in passages if p.cell.code == "D4")

    def ranked(*scored):
        return [Hit(p, score, n, fused_rank=n, breadth_cost=cost) for n, (p, score, cost) in enumerate(scored, 1)]

    narrow = ranked((b3[0], 0.9, 0.0), (b3[1], 0.88, 0.0), (b3[2], 0.87, 0.0), (d4, 0.7, 0.14))
    assert [h.passage for h in across_cells(narrow, 3)] == [b3[0], d4, b3[1]]
    # Its own evidence above the first passage's: still second, as the breadth ranked it below.
    stronger = ranked((b3[0], 0.9, 0.0), (d4, 0.85, 0.1), (b3[1], 0.8, 0.0))
    assert [h.passage for h in across_cells(stronger, 2)] == [b3[0], d4]
    assert narrow[3].own_score == pytest.approx(0.84)


def test_a_question_naming_both_matrices_subjects_draws_on_each_matrix(retriever: Retriever):
    passages = [p for p in retriever.index.passages if p.section != SUMMARY_SECTION]
    b3 = [p for p in passages if p.cell.code == "B3"][:3]
    d4 = next(p for p in passages if p.cell.code == "D4")
    # The alcohol D4 passage ranks last, with a best sentence far below the margin.
    hits = [
        Hit(p, s, n, fused_rank=n, sentence_score=s)
        for n, (p, s) in enumerate([*zip(b3, (0.9, 0.88, 0.87), strict=True), (d4, 0.3)], 1)
    ]
    assert d4 not in [h.passage for h in sources_of(hits, LENGTHS["short"].passages, LENGTHS["short"].passage_margin)]
    both = sources_of(
        hits, LENGTHS["short"].passages, LENGTHS["short"].passage_margin, (d4.cell.matrix, b3[0].cell.matrix)
    )
    assert d4 in [h.passage for h in both] and both[0].passage == b3[0]
    names = retriever.reader.cells
    assert names.subjects_named("does seeing one GP help people coming off drink or drugs?") == (
        d4.cell.matrix,
        b3[0].cell.matrix,
    )
    assert names.subjects_named("do patients with drug or alcohol problems do better?") != ()
    assert names.subjects_named("do drug workers drink too much coffee?") == ()  # "drink" alone is no matrix
    assert names.subjects_named("do drug workers burn out?") == ()  # one matrix: no question across them
    # The drugs and medicines of one matrix name its subject; naltrexone, used in both, names neither.
    assert names.subjects_named("supervised consumption of methadone or Antabuse: does it help?") != ()
    assert names.subjects_named("heroin users and acamprosate") != ()
    assert names.subjects_named("naltrexone for opioids or drinking?") != ()  # opioids and drinking
    assert names.subjects_named("naltrexone or disulfiram?") == ()


def test_the_lead_names_the_cells_in_the_order_the_answer_quotes_them(answerer: Answerer):
    # The fast corpus: the drug B3 cell answers first, the alcohol D4 cell after (alphabetically, Alcohol first).
    answer = answerer.answer("urine testng guidlines uk")
    quoted = list(dict.fromkeys(c.passage.cell.label for c in answer.citations))
    assert len(quoted) == 2 and quoted[0].startswith("Drug")
    assert answer.lead == f"From the Effectiveness Bank, {quoted[0]}, and {quoted[1]}."


@pytest.mark.parametrize("sentences", [1, 2])
def test_a_lead_from_outside_the_most_relevant_sentences_takes_the_place_of_the_least_of_them(
    retriever: Retriever, sentences: int
):
    # The fast corpus: the most relevant sentences of this question are not the best-ranked passage's, whose best
    # sentence leads all the same; the answer still quotes no more sentences than its length allows.
    result = retriever.search("how often should i urine test someone on a script", 8)
    asked = read_asked(result.query, retriever, result.question_vector)
    chosen = choose_sentences(result, retriever, result.query, Length(sentences, 3, 0.15, None), asked)
    assert chosen.picked[0][0] == 0 and len(chosen.picked) == sentences, chosen.picked


def test_asked_what_the_corpus_covers_the_answer_quotes_every_summary_numbered_from_1(answerer: Answerer):
    # The summaries answer is composed apart from the others: its id, its citations' numbers and its text too.
    answer = answerer.answer("What does this matrix cell cover?")
    assert answer.answered and isinstance(answer.id, str) and answer.id
    assert [c.n for c in answer.citations] == [1, 2]  # the fast corpus's two cells
    for citation in answer.citations:
        passage = citation.passage
        assert passage.section == SUMMARY_SECTION
        assert citation.sentences == tuple(t for i, t in enumerate(passage.sentence_texts) if passage.quotable(i))
    assert _quoted(answer) == [(s.strip(), c.n) for c in answer.citations for s in c.sentences]


def test_an_answer_quoting_fewer_of_the_cells_a_question_names_says_how_many_of_those_it_quotes(answerer: Answerer):
    one = answerer.answer("what do cells B3 and D4 cover?", k=1)
    assert one.answered and len(one.reading.cells) == 2 and len(one.citations) == 1
    assert one.lead.startswith("From the Effectiveness Bank, 1 of the 2 cells named: ")
    assert one.citations[0].passage.cell.label in one.lead


def test_a_passage_none_of_whose_sentences_can_be_quoted_takes_no_place_among_an_answers_sources(retriever: Retriever):
    # B3's "This was one small – if virtually unique – study, ..." leans on the passage before it in each sentence,
    # and that passage's close needs three sentences: nothing of it may be quoted. Ranked first, it must not take a
    # source's place, nor make the cell's next passage give way to another cell's (CELL_REPEAT).
    index = retriever.index
    leaning = next(p for p in index.passages if p.text.startswith("This was one small"))
    same = next(p for p in index.passages if p.cell == leaning.cell and p.section == "Key studies")
    other = next(p for p in index.passages if p.cell != leaning.cell and p.section == "Key studies")
    hits = [
        Hit(passage, score, rank, rank, sentence_score=0.9)
        for rank, (passage, score) in enumerate([(leaning, 0.95), (same, 0.9), (other, 0.89)], 1)
    ]
    assert not _quotable(Quoting.of(hits[:1], hits, index), range(1), index)
    result = replace(retriever.search("methadone counsellors", 3), hits=hits)
    chosen = choose_sentences(result, retriever, result.query, Length(4, 2, 0.15, None), None)
    assert [h.passage.id for h in chosen.sources[:2]] == [same.id, other.id]
    assert chosen.sources[chosen.picked[0][0]].passage.id == same.id


def test_a_sentence_giving_what_was_asked_comes_with_all_it_leans_on(answerer: Answerer):
    # B3's "This was one small ... study, but ... another larger US study involving 265 patients and 13 counsellors"
    # opens its passage leaning on the close of the passage before, which leans back two sentences itself: three
    # sentences of context, more than MAX_CONTEXT, so quoted only as the sentence giving what was asked.
    answer = answerer.answer("How many patients and counsellors were in the larger US counsellor study?")
    quoted = [sentence for sentence, _ in _quoted(answer)]
    at = next(n for n, sentence in enumerate(quoted) if "265 patients and 13 counsellors" in sentence)
    assert answer.lacking == ()
    assert [s.split()[:2] for s in quoted[at - 3 : at]] == [["The", "stand-out"], ["He", "or"], ["The", "authors"]]
    assert not any(leans_back(s) for s in quoted[:1])  # the answer opens with a sentence that stands alone
    # Asked for no figure, the same sentence needs more context than an answer quotes: left out.
    plain = answerer.answer("larger US study confirmed methadone counsellors alter the prospects of their patients")
    assert not any("265 patients" in sentence for sentence, _ in _quoted(plain))
