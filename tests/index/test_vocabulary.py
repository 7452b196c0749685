import pytest

from matrixqa.errors import VocabularyError
from matrixqa.index.analysis import Analyzer
from matrixqa.index.vocabulary import load_vocabulary, parse_vocabulary

SMALL = """
# a comment
[spellings]
-isation | -ization
counsellor | counselor
[synonyms]
supervised consumption | observed dosing | supervision
GP | family doctor
"""


def test_spelling_variants_become_one_word_with_their_endings():
    vocabulary = parse_vocabulary(SMALL)
    assert vocabulary.spell("counselors") == "counsellors"
    assert vocabulary.spell("randomization") == "randomisation"
    assert vocabulary.spell("size") == "size"  # too short a root to be an -ize word
    analyzer = Analyzer(vocabulary)
    assert analyzer.tokens("Counselors randomization") == analyzer.tokens("counsellors randomisation")


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


def test_a_topic_line_may_name_one_term_and_marks_its_group_a_topic():
    vocabulary = parse_vocabulary("[synonyms]\nGP | family doctor\n[topics]\nkratom\nnaloxone | Narcan\n")
    topics = {g.name: g.topic for g in vocabulary.groups}
    assert topics == {"GP": False, "kratom": True, "naloxone": True}
    assert {"kratom", "narcan", "family", "doctor"} <= vocabulary.terms
    with pytest.raises(VocabularyError, match="line 2"):
        parse_vocabulary("[synonyms]\nGP\n")
