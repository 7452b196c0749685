import pytest

from matrixqa.errors import VocabularyError
from matrixqa.index.lexical import (
    EMPTY_VOCABULARY,
    Analyzer,
    LexicalIndex,
    author_names,
    load_vocabulary,
    parse_vocabulary,
    searchable_texts,
)
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_corpus
from tests.conftest import REAL_CORPUS

SMALL = """
# a comment
[spellings]
-isation | -ization
counsellor | counselor
[synonyms]
supervised consumption | observed dosing | supervision
GP | family doctor
"""


def tokens(text: str, vocabulary=None) -> set[str]:
    return set(Analyzer(vocabulary or load_vocabulary()).analyse(text).tokens)


def concept(term: str) -> str:
    """The concept token the packaged vocabulary gives a term, found through the analyser itself."""
    found = {t for t in tokens(term) if t.startswith("@")}
    assert found, f"{term!r} belongs to no synonym group"
    return found.pop()


def test_spelling_variants_become_one_word_with_their_endings():
    vocabulary = parse_vocabulary(SMALL)
    assert vocabulary.spell("counselors") == "counsellors"
    assert vocabulary.spell("randomization") == "randomisation"
    assert vocabulary.spell("size") == "size"  # too short a root to be an -ize word
    assert tokens("Counselors randomization", vocabulary) == tokens("counsellors randomisation", vocabulary)


def test_a_synonym_phrase_adds_its_groups_token_on_both_sides():
    analyzer = Analyzer(parse_vocabulary(SMALL))
    question = analyzer.analyse("Is observed dosing a problem?")
    passage = analyzer.analyse("Supervision also forces the patient into a stigmatising position.")
    shared = set(question.tokens) & set(passage.tokens)
    assert shared == {"@supervis_consumpt"}
    # One token per phrase, however many of its words overlap another of its terms.
    assert analyzer.analyse("supervised consumption").tokens.count("@supervis_consumpt") == 1


def test_an_acronym_matches_only_in_capitals():
    vocabulary = parse_vocabulary(SMALL)
    assert "@gp" in tokens("Patients of GPs", vocabulary)
    assert "@gp" in tokens("my family doctor", vocabulary)
    assert "@gp" not in tokens("gp", vocabulary)
    packaged = load_vocabulary()
    assert "@us" in tokens("a US study", packaged) and "@us" not in tokens("tell us", packaged)


@pytest.mark.parametrize(
    "group",
    [
        ["counsellor", "counselor"],
        ["supervised consumption", "supervised dosing", "observed dosing", "supervision"],
        ["urine test", "drug test", "drug screen"],
        ["GP", "general practitioner", "primary care", "family doctor"],
        ["opioid substitution", "maintenance", "methadone", "buprenorphine"],
        ["illicit", "illegal", "non-prescribed", "on top"],
        ["prescriber", "doctor", "physician", "clinician"],
        ["keyworker", "counsellor", "therapist"],
        ["retention", "staying in treatment"],
        ["chemist", "pharmacy"],
    ],
)
def test_the_packaged_vocabulary_holds_the_fields_synonyms(group):
    first = tokens(group[0])
    for term in group[1:]:
        assert first & tokens(term) - {"treatment"}, f"{group[0]!r} and {term!r} share no token"


def test_malformed_vocabulary_lines_are_errors_naming_the_line():
    with pytest.raises(VocabularyError, match="line 2"):
        parse_vocabulary("[synonyms]\nonly one term\n")
    with pytest.raises(VocabularyError, match="line 1"):
        parse_vocabulary("a | b\n")  # outside any section
    with pytest.raises(VocabularyError, match="single words"):
        parse_vocabulary("[spellings]\n-ise | ize\n")


def test_a_term_in_two_groups_is_an_error_naming_both_lines():
    """Words compare by their stems, so a term may collide with another group's without being spelt alike."""
    with pytest.raises(VocabularyError, match="line 4: 'conversion' reads as 'conversation' of line 2"):
        parse_vocabulary("[synonyms]\ntalk | conversation\n[topics]\ndose conversion | conversion\n")
    parse_vocabulary("[synonyms]\ntalk | conversation | talk\n")  # repeated within its own group: harmless


def test_a_vocabulary_file_is_read_from_a_path(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_text(SMALL, encoding="utf-8")
    assert load_vocabulary(path).words == {"counselor": "counsellor"}
    with pytest.raises(VocabularyError, match="cannot read"):
        load_vocabulary(tmp_path / "missing.txt")


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
    shown = index.shown_matches(analysis, 0)
    assert "chemist ≈ pharmacy" in shown and any(s.startswith("watched ≈ supervised consumption") for s in shown)
    assert index.shown_matches(analysis, 1) == ("counselors",)
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


def test_a_topic_line_may_name_one_term_and_marks_its_group_a_topic():
    vocabulary = parse_vocabulary("[synonyms]\nGP | family doctor\n[topics]\nkratom\nnaloxone | Narcan\n")
    topics = {g.name: g.topic for g in vocabulary.groups}
    assert topics == {"GP": False, "kratom": True, "naloxone": True}
    assert {"kratom", "narcan", "family", "doctor"} <= vocabulary.terms
    with pytest.raises(VocabularyError, match="line 2"):
        parse_vocabulary("[synonyms]\nGP\n")


def test_a_prefixed_word_counts_as_present_where_its_root_is():
    from matrixqa.index.lexical import Analyzer, LexicalIndex

    analyzer = Analyzer()
    index = LexicalIndex(["Patients felt a lack of trust in the clinic."], analyzer)
    distrust, cannabis = analyzer.analyse("distrust cannabis").terms
    assert index.in_corpus(distrust)
    assert not index.in_corpus(cannabis)


def test_a_match_through_a_group_named_after_the_word_says_so():
    from matrixqa.index.lexical import Analyzer, LexicalIndex, parse_vocabulary

    analyzer = Analyzer(parse_vocabulary("[synonyms]\nharm | damage\n"))
    index = LexicalIndex(["Supervision may damage trust."], analyzer)
    analysis = analyzer.analyse("does supervision harm trust")
    assert "harm ≈ a synonym of harm" in index.shown_matches(analysis, 0)


def test_passages_are_read_into_the_same_tokens_as_a_question_of_the_same_words():
    """LexicalIndex reads passages with Analyzer.tokens, a shorter path than analyse: they must agree."""
    passages = [p for cell in load_corpus(REAL_CORPUS).cells for p in chunk_cell(cell)]
    texts = searchable_texts(passages) + [s for p in passages for s in p.sentence_texts]
    texts += ["US GPs\u2019 \u201cobserved\u201d dosing\u2014at the chemist", "Is observed dosing a problem?"]
    analyzer = Analyzer(load_vocabulary())
    assert any("@" in token for text in texts for token in analyzer.tokens(text))  # synonym phrases are met
    for text in texts:
        assert analyzer.tokens(text) == analyzer.analyse(text).tokens, text


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


def test_a_topic_named_only_in_metadata_is_not_one_the_cell_treats():
    passages = [p for cell in load_corpus(REAL_CORPUS).cells for p in chunk_cell(cell)]
    analyzer = Analyzer(load_vocabulary())
    (alcohol,) = {t for t in analyzer.analyse("alcohol").tokens if t.startswith("@")}
    # "Delivering quality care for drug and alcohol users" is a guidance's publication title, in its metadata:
    # searchable, so the guidance is found by it, but B3's own words never treat alcohol.
    assert any("alcohol" in text for text in searchable_texts(passages))
    assert alcohol in LexicalIndex(searchable_texts(passages), analyzer).treated
    assert alcohol not in LexicalIndex.of(passages, analyzer).treated
