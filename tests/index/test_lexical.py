import bm25s
import numpy as np
import pytest

from matrixqa.index.analysis import Analyzer, Term
from matrixqa.index.lexical import LexicalIndex
from matrixqa.index.passagetext import searchable_texts
from matrixqa.index.vocabulary import EMPTY_VOCABULARY, load_vocabulary, parse_vocabulary
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_corpus
from tests.conftest import REAL_CORPUS

PASSAGES = [
    "Supervision also forces the patient into what they may feel to be a stigmatising position in the pharmacy.",
    "Counsellors differed in how well their patients did after the transfer.",
    "Guidance on the competencies expected of doctors.",
]


def test_bm25_finds_a_passage_through_the_vocabulary_and_not_without_it():
    with_vocabulary = LexicalIndex(PASSAGES, Analyzer(load_vocabulary()))
    without = LexicalIndex(PASSAGES, Analyzer(EMPTY_VOCABULARY))
    question = "Is observed dosing at the chemist bad?"
    scores = with_vocabulary.scores(with_vocabulary.analyzer.analyse(question))
    assert scores.argmax() == 0 and scores[0] > 0
    assert not without.scores(without.analyzer.analyse(question)).any()


def test_matched_terms_and_coverage_explain_a_match():
    index = LexicalIndex(PASSAGES, Analyzer(load_vocabulary()))
    analysis = index.analyzer.analyse("Which counselors were watched at the chemist?")
    shown = index.shown_matches(analysis, 0, PASSAGES[0])
    assert "chemist ≈ pharmacy" in shown and "watched ≈ Supervision" in shown  # the passage's words, as written
    assert index.shown_matches(analysis, 1, PASSAGES[1]) == ("counselors",)
    assert index.coverage(analysis, 0) > index.coverage(analysis, 2) == 0.0
    # A word no passage uses weighs most, so a question about it is poorly covered.
    unknown = index.analyzer.analyse("naloxone counsellors")
    assert index.coverage(unknown, 1) < 0.5


def test_each_question_word_adds_its_bm25_score():
    index = LexicalIndex(PASSAGES, Analyzer(load_vocabulary()))
    analyse = index.analyzer.analyse
    both = index.scores(analyse("counsellors at the pharmacy"))
    assert both[0] > 0 and both[1] > 0
    assert both == pytest.approx(index.scores(analyse("counsellors")) + index.scores(analyse("pharmacy")))


def test_a_prefixed_word_counts_as_present_where_its_root_is():
    analyzer = Analyzer()
    index = LexicalIndex(["Patients felt a lack of trust in the clinic."], analyzer)
    distrust, cannabis = analyzer.analyse("distrust cannabis").terms
    assert index.in_corpus(distrust)
    assert not index.in_corpus(cannabis)


def test_a_synonym_match_names_the_word_the_passage_holds():
    text = "Patients valued staff who were compassionate."
    index = LexicalIndex([text], Analyzer(load_vocabulary()))
    assert index.shown_matches(index.analyzer.analyse("are warm staff better"), 0, text) == (
        "warm ≈ compassionate",
        "staff",
    )
    stayed = "Patients stayed in treatment for longer."
    index = LexicalIndex([stayed], Analyzer(load_vocabulary()))
    assert index.shown_matches(index.analyzer.analyse("retention"), 0, stayed) == ("retention ≈ stayed in treatment",)


def test_a_synonym_the_text_shown_lacks_is_named_by_its_group():
    # The passage's searchable text may hold words its text does not (a heading, a publication's title).
    analyzer = Analyzer(parse_vocabulary("[synonyms]\nharm | damage\n"))
    index = LexicalIndex(["Supervision may damage trust."], analyzer)
    analysis = analyzer.analyse("does supervision harm trust")
    assert "harm ≈ damage" in index.shown_matches(analysis, 0, "Supervision may damage trust.")
    assert "harm ≈ a synonym of harm" in index.shown_matches(analysis, 0, "Supervision and trust.")


def test_a_topic_named_only_in_metadata_is_not_one_the_cell_treats():
    passages = [p for cell in load_corpus(REAL_CORPUS).cells for p in chunk_cell(cell)]
    analyzer = Analyzer(load_vocabulary())
    (alcohol,) = {t for t in analyzer.analyse("alcohol").tokens if t.startswith("@")}
    # "Delivering quality care for drug and alcohol users" is a guidance's publication title, in its metadata:
    # searchable, so the guidance is found by it, but B3's own words never treat alcohol.
    assert any("alcohol" in text for text in searchable_texts(passages))
    assert alcohol in LexicalIndex(searchable_texts(passages), analyzer).treated
    assert alcohol not in LexicalIndex.of(passages, analyzer).treated


def test_a_words_weight_is_that_of_its_rarest_form():
    # "chemist" is in no passage and its synonym group (pharmacy) is in one: the word weighs as the unseen form.
    index = LexicalIndex(PASSAGES, Analyzer(load_vocabulary()))
    [chemist] = index.analyzer.analyse("chemist").terms
    forms = [Term(token, token) for token in chemist.tokens]  # each form alone
    weights = sorted(index.weight(form) for form in forms)
    assert len(chemist.tokens) == 2 and weights[0] < weights[1]
    assert index.weight(chemist) == weights[-1]


def test_bm25_over_one_cell_scores_every_word_as_bm25s_does():
    analyzer = Analyzer(load_vocabulary())
    texts = searchable_texts(chunk_cell(load_corpus(REAL_CORPUS).cells[0]))
    ours = LexicalIndex(texts, analyzer, cells=["B3"] * len(texts))
    library = bm25s.BM25()
    library.index([analyzer.tokens(text) for text in texts], show_progress=False)
    for word in ("methadone", "counsellors", "supervision", "relationship"):
        tokens = [t for t in analyzer.tokens(word) if t in library.vocab_dict]
        assert tokens
        assert np.array_equal(ours.model.get_scores(tokens), library.get_scores(tokens))


def test_a_passage_is_long_or_short_against_its_own_cells_passages():
    # One cell writes at length, the other in short lines; in each, the word is in a passage as long as its cell's
    # others, once: neither is saying more besides, so both score it alike.
    filler = "Patients and staff talked about the clinic and its rules at some length over many months."
    long_cell = [f"Supervision was discussed. {filler} {filler}", f"Reviews were read. {filler} {filler}"]
    short_cell = ["Supervision was discussed.", "Reviews were read."]
    texts = long_cell + short_cell
    index = LexicalIndex(texts, Analyzer(EMPTY_VOCABULARY), cells=["long", "long", "short", "short"])
    scores = index.scores(index.analyzer.analyse("supervision"))
    assert scores[0] > 0 and scores[0] == pytest.approx(scores[2])
    plain = LexicalIndex(texts, Analyzer(EMPTY_VOCABULARY))  # one group: the whole corpus's mean length
    plain_scores = plain.scores(plain.analyzer.analyse("supervision"))
    assert plain_scores[2] > plain_scores[0]


def test_bm25_needs_one_cell_for_each_passage():
    with pytest.raises(ValueError, match="2 groups for 3 passages"):
        LexicalIndex(PASSAGES, Analyzer(EMPTY_VOCABULARY), cells=["a", "b"])
