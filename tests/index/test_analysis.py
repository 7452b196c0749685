import pytest

from matrixqa.index.analysis import Analyzer
from matrixqa.index.passagetext import searchable_texts
from matrixqa.index.vocabulary import load_vocabulary, parse_vocabulary
from matrixqa.ingest.chunk import chunk_cell
from matrixqa.ingest.corpus import load_corpus
from tests.conftest import REAL_CORPUS

SYNONYMS = """
[synonyms]
supervised consumption | observed dosing | supervision
GP | family doctor
"""


def tokens(text: str, vocabulary=None) -> set[str]:
    return set(Analyzer(vocabulary or load_vocabulary()).analyse(text).tokens)


def test_a_synonym_phrase_adds_its_groups_token_on_both_sides():
    analyzer = Analyzer(parse_vocabulary(SYNONYMS))
    question = analyzer.analyse("Is observed dosing a problem?")
    passage = analyzer.analyse("Supervision also forces the patient into a stigmatising position.")
    shared = set(question.tokens) & set(passage.tokens)
    assert shared == {"@supervis_consumpt"}
    # One token per phrase, however many of its words overlap another of its terms.
    assert analyzer.analyse("supervised consumption").tokens.count("@supervis_consumpt") == 1


def test_a_topics_name_matches_its_inflections_not_a_derivation_of_its_stem():
    analyzer = Analyzer(parse_vocabulary("[topics]\nmindfulness | meditation\nbenzodiazepine | benzo"))

    def topics(text: str) -> set[str]:
        return {g.name for t in analyzer.analyse(text).terms for g in t.concepts if g.topic}

    assert topics("is mindfulness any use?") == {"mindfulness"}
    assert topics("are benzos prescribed?") == topics("benzodiazepines") == {"benzodiazepine"}
    assert topics("do patients mind being asked?") == set()  # "mind" shares the stem of "mindfulness"


def test_an_acronym_matches_only_in_capitals():
    vocabulary = parse_vocabulary(SYNONYMS)
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
        ["relationship", "get on with", "getting on well with", "got along with"],
        ["explain", "did not account for"],
    ],
)
def test_the_packaged_vocabulary_holds_the_fields_synonyms(group):
    first = tokens(group[0])
    for term in group[1:]:
        assert first & tokens(term) - {"treatment"}, f"{group[0]!r} and {term!r} share no token"


@pytest.mark.parametrize(
    ("text", "group"),
    [("primary care and social care", "@warm"), ("the candidates for treatment", "@honest")],
)
def test_no_packaged_term_shares_its_stem_with_a_word_of_another_sense(text, group):
    """Words compare by their stems: a term whose stem is that of a word every page uses in another sense ("caring"
    is "care", "candid" is "candidates") would read that word as the term."""
    assert group not in tokens(text)


def test_a_word_is_the_topic_it_names_in_any_context():
    """A topic's names mean it in any context: "paid" names a payment of any kind (a fee, a payment per patient
    screened), a salary only sometimes."""
    paid = tokens("practices were paid per patient screened")
    assert "@payment" in paid and "@salari" not in paid
    assert "@salari" in tokens("what pay band are keyworkers on?")


def test_passages_are_read_into_the_same_tokens_as_a_question_of_the_same_words():
    """LexicalIndex reads passages with Analyzer.tokens, a shorter path than analyse: they must agree."""
    passages = [p for cell in load_corpus(REAL_CORPUS).cells for p in chunk_cell(cell)]
    texts = searchable_texts(passages) + [s for p in passages for s in p.sentence_texts]
    texts += ["US GPs\u2019 \u201cobserved\u201d dosing\u2014at the chemist", "Is observed dosing a problem?"]
    analyzer = Analyzer(load_vocabulary())
    assert any("@" in token for text in texts for token in analyzer.tokens(text))  # synonym phrases are met
    for text in texts:
        assert analyzer.tokens(text) == analyzer.analyse(text).tokens, text
