import re

import pytest

from matrixqa.answer.compose import Answerer
from matrixqa.answer.conversation import Turn, answer_sentences, resolve
from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.retrieve import Retriever


@pytest.mark.parametrize(
    "question, mode",
    [
        ("and what about urine tests?", "follow_up"),
        ("What about GPs?", "follow_up"),
        ("which study showed that?", "source"),
        ("What's the source?", "source"),
        ("Does supervision of methadone dosing damage trust between patients and prescribers?", "standalone"),
        ("What do UK guidelines say about urine testing?", "standalone"),
    ],
)
def test_follow_ups_are_told_from_stand_alone_questions(question, mode):
    history = [Turn("does supervised dosing harm relationships?", "Supervision is unpopular. [1]")]
    assert resolve(question, history).mode == mode
    assert resolve(question, []).mode == "standalone"


def test_answer_sentences_drop_markers():
    assert answer_sentences("One sentence. [1] Another one? [2]") == ["One sentence.", "Another one?"]


def test_every_answer_sentence_is_in_the_passage_its_marker_points_to(answerer: Answerer):
    for question in [
        "zebra stripes",
        "lighthouse keepers retrained as counsellors",
        "urine tests and supervision",
        "punctual staff",
    ]:
        answer = answerer.answer(question)
        assert answer.answered
        cited = {c.n: c.passage.text for c in answer.citations}
        pairs = re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.answer)
        assert pairs
        for sentence, n in pairs:
            assert sentence.strip() in cited[int(n)]
        assert sorted(cited) == list(range(1, len(cited) + 1))  # sources numbered as first cited


def test_which_study_cites_the_study_behind_the_previous_answer(answerer: Answerer):
    first = answerer.answer("Where were zebra stripes painted in a waiting room in Atlantis?")
    assert any(c.passage.section == "Highlighted study" for c in first.citations)
    follow = answerer.answer("which study showed that?", [Turn(first.question, first.answer)])
    assert follow.mode == "source" and follow.answered
    assert [c.passage.study.title for c in follow.citations] == ["Zebra stripes calm the waiting room"]


def test_which_study_after_an_answer_quoting_five_entries_names_every_one(retriever: Retriever, answerer: Answerer):
    entries = list({p.study.title: p for p in retriever.index.passages if p.study and len(p.sentences) > 1}.values())
    quoted = [p.sentence_texts[1] for p in entries[:5]]  # more studies than a short answer draws passages from
    previous = Turn("What did the studies find?", " ".join(f"{s} [{n}]" for n, s in enumerate(quoted, start=1)))
    follow = answerer.answer("which study showed that?", [previous])
    assert follow.mode == "source" and follow.answered
    assert {p.study.title for p in entries[:5]} <= {c.passage.study.title for c in follow.citations}


def test_a_question_whose_best_passage_quotes_nothing_alone_gets_a_response_with_an_id_of_its_own(answerer: Answerer):
    # Each sentence of the passage that ranks first leans on the close of the passage before, too long to quote with it.
    question = "some counselors obtained better results than others in the heroin and cocaine use of their patients"
    answer = answerer.answer(question)
    assert answer.hits[0].passage.text.startswith("This was one small")
    assert re.fullmatch(r"[0-9a-f]{32}", answer.id) and answer.id != answerer.answer(question).id
    assert answer.answered or answer.message  # an answer, or a decline that says why: never an error


def test_long_answers_are_longer(answerer: Answerer):
    short = answerer.answer("zebra stripes in the waiting room")
    long = answerer.answer("zebra stripes in the waiting room", detail="long")
    assert 1 <= short.answer.count("[") <= 4
    assert long.answer.count("[") > short.answer.count("[")


def test_asked_what_the_corpus_covers_the_answer_quotes_each_cells_summary(retriever, answerer: Answerer):
    answer = answerer.answer("What does this matrix cell cover?")
    summaries = [p for p in retriever.index.passages if p.section == SUMMARY_SECTION]
    assert answer.answered and {c.passage.id for c in answer.citations} == {p.id for p in summaries}
    for citation in answer.citations:
        assert citation.sentences and all(sentence in citation.passage.text for sentence in citation.sentences)


@pytest.mark.parametrize("question", ["list the cells", "what cells are there?", "What does this matrix cell cover?"])
def test_an_answer_quoting_fewer_cells_than_asked_about_says_how_many_of_them_it_quotes(answerer: Answerer, question):
    every = answerer.answer(question)
    assert every.answered and len(every.citations) == 2  # the fast corpus's two cells, each quoted
    assert every.lead.startswith("From the Effectiveness Bank, ") and "of the" not in every.lead
    one = answerer.answer(question, k=1)
    assert one.lead.startswith("From the Effectiveness Bank, 1 of the 2 cells this corpus holds: ")
    assert one.citations[0].passage.cell.label in one.lead


def test_nothing_relevant_gives_covered_cells_and_answerable_questions(retriever, answerer: Answerer):
    answer = answerer.answer("xylophone quantum chromodynamics")
    assert not answer.answered and answer.answer == "" and not answer.citations
    assert (
        "the cell on organisational functioning in psychosocial therapies (Alcohol Treatment Matrix)" in answer.message
    )
    # The words no passage uses are for the inspector, not repeated to the asker.
    assert set(answer.relevance.unknown) == {"xylophone", "quantum", "chromodynamics"}
    assert "xylophone" not in answer.message and "cell D4" not in answer.message
    assert 1 <= len(answer.suggestions) <= 3
    corpus = " ".join(p.text for p in retriever.index.passages)
    for question in answer.suggestions:
        templates = ("What is the cell on", "Where should I start in the cell on", "What did the ")
        assert question in corpus or question.startswith(templates)


def test_cells_that_share_a_code_are_each_named_with_their_matrix(corpus_dir, tmp_path):
    """B3 is a cell of both matrices, with the same title: the matrix is what tells them apart."""
    page = (corpus_dir / "drug-B3.txt").read_text(encoding="utf-8")
    alcohol = page.replace("Drug Treatment Matrix", "Alcohol Treatment Matrix")
    (corpus_dir / "alcohol-B3.txt").write_text(alcohol, encoding="utf-8")
    embedder = HashingEmbedder()
    build_index(load_corpus(corpus_dir), embedder, tmp_path / "both")
    answerer = Answerer(Retriever(load_index(tmp_path / "both", embedder, corpus_dir), embedder))
    b3 = "practitioners in medical treatment ({} Treatment Matrix)"

    declined = answerer.answer("xylophone quantum chromodynamics")
    assert b3.format("Drug") in declined.message and b3.format("Alcohol") in declined.message
    offered = {c.question for c in answerer.suggestions.candidates}
    assert {f"What is the cell on {b3.format(m)} about?" for m in ("Drug", "Alcohol")} <= offered
    answer = answerer.answer("supervised consumption and trust", detail="long")  # no one matrix's substance
    assert answer.answered and answer.lead.startswith("From the Effectiveness Bank, ")
    assert all(c.passage.cell.label in answer.lead for c in answer.citations)


def test_suggestions_never_repeat_what_was_asked(answerer: Answerer):
    answer = answerer.answer("Do stripes distract clients?")
    assert answer.answered
    assert "Do stripes distract clients?" not in answer.suggestions


def test_a_suggestion_asked_is_not_offered_again_with_its_answer(answerer: Answerer):
    for candidate in answerer.suggestions.candidates:  # a suggestion clicked is asked as it was offered
        assert candidate.question not in answerer.answer(candidate.question).suggestions, candidate.question


def _quoted(answer) -> list[tuple[str, int]]:
    return [(s.strip(), int(n)) for s, n in re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.answer)]


def test_the_answer_opens_with_the_sentence_that_answers_most_directly(answerer: Answerer):
    sentence = "Supervision also entails near-daily attendance at the prescribing clinic or pharmacy"
    answer = answerer.answer(sentence + ", in itself an unpopular requirement.")
    assert _quoted(answer)[0][0].startswith(sentence)  # the last sentence of its passage, yet first


def test_sentences_of_one_passage_keep_their_source_order(answerer: Answerer):
    for question in ["urine tests and supervision", "supervised consumption unpopular with patients", "whole person"]:
        answer = answerer.answer(question, detail="long")
        for citation in answer.citations:
            starts = [citation.passage.text.index(s) for s in citation.sentences]
            assert starts == sorted(starts), question


def test_a_sentence_leaning_on_its_neighbour_comes_with_it_or_not_at_all(answerer: Answerer):
    leaning = "From the Highlighted study described above, it would seem so"
    answer = answerer.answer("it would seem so: the most effective counsellors were diligent", detail="long")
    quoted = _quoted(answer)
    for place, (sentence, n) in enumerate(quoted):
        if sentence.startswith(leaning):
            passage = next(c.passage for c in answer.citations if c.n == n)
            before = passage.sentence_texts[[t.strip() for t in passage.sentence_texts].index(sentence) - 1]
            assert place > 0 and quoted[place - 1] == (before.strip(), n)


def test_navigation_sentences_are_never_quoted(answerer: Answerer):
    for question in ["Related study below", "Unfold the supplementary text", "more on not doing the wrong things"]:
        answer = answerer.answer(question, detail="long")
        for citation in answer.citations:
            marked = {citation.passage.sentence_texts[i] for i in citation.passage.unquotable}
            assert not marked & set(citation.sentences), question


def test_what_a_cell_is_about_and_where_to_start_is_answered_with_its_summary_then_that_section(answerer):
    answer = answerer.answer("what is drug B3 about, and where should I start reading?")
    assert [c.passage.section for c in answer.citations] == [SUMMARY_SECTION, "Where should I start?"]
    assert all(answer.answer.count(sentence) for c in answer.citations for sentence in c.sentences)


def test_a_section_asked_of_no_cell_says_how_many_of_the_corpuss_cells_it_quotes(answerer):
    # Every cell has a "Where should I start?": asked of none, the answer quotes the nearest, and says it is one of two.
    answer = answerer.answer("where to start reading")
    quoted = list(dict.fromkeys(c.passage.cell.label for c in answer.citations))
    assert answer.answered and len(quoted) == 1
    assert answer.lead == f"From the Effectiveness Bank, 1 of the 2 cells this corpus holds: {quoted[0]}."
    # Asked of a cell, the section is that cell's: no count.
    named = answerer.answer("what is drug B3 about, and where should I start reading?")
    assert named.lead == f"From the Effectiveness Bank, {named.citations[0].passage.cell.label}."


def test_what_to_read_first_is_answered_from_the_section_that_says_not_as_a_kind_of_thing(answerer):
    # "best thing to read first" asks for a study in its words; the page answers it under "Where should I start?",
    # so nothing is lacking: it had been declined, and "the cell gives no study" led a request for the section.
    answer = answerer.answer("best thing to read first")
    assert answer.answered and answer.citations[0].passage.section == "Where should I start?"
    assert not answer.asks_for and not answer.lacking
