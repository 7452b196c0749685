import pytest

from matrixqa import textrules
from matrixqa.textrules import leans_back, passage_points_back


def test_a_sentence_that_answers_its_neighbour_is_known_to_lean_back():
    assert leans_back("From the Highlighted study described above, it would seem so; remember all of them.")
    assert not leans_back("Supervision is generally unpopular with patients.")
    # A sentence whose referent is in the sentence before it.
    assert leans_back("Without stipulating this, they recommend that new patients take doses under supervision.")
    assert leans_back("They also found that patients stayed longer.")
    assert leans_back("In these ways, relationships with staff may affect outcomes.")
    # A study named only as "this study" is the one the sentence before names.
    assert leans_back("Importantly perhaps, the clinic in this study assessed each patient.")
    assert not leans_back("A larger study confirmed the finding.")
    # A pronoun whose referent stands in the same sentence is no sign.
    assert not leans_back("Supervision also forces the patient into what they may feel to be a stigmatising position.")
    assert not leans_back("Current UK clinical guidelines, in force since 2017, acknowledge several valuable roles.")


@pytest.mark.parametrize(
    "sentence",
    [
        "One which “clearly stood out” was that some counselors obtained better results than others.",
        "Another study found that the best counsellor actually reduced doses.",
        "In contrast, over a six-month period the most effective counsellor was able to bring patients round.",
        "Instead of being something they do among others, drug use becomes central to their identity.",
        "The other was a larger study of 265 patients.",
    ],
)
def test_a_sentence_opening_on_its_neighbour_leans_back(sentence):
    assert leans_back(sentence)


def test_a_cross_reference_in_brackets_is_a_link_not_a_neighbour():
    assert not leans_back("From France we have evidence (study listed above) that the distinction is real.")
    assert not leans_back("Oneness of purpose matters; another view is possible.")  # only an opening continues


def test_each_tier_of_words_without_a_subject_holds_the_one_before():
    assert textrules.FUNCTION_WORDS < textrules.COMMON_WORDS < textrules.STOPWORDS
    assert textrules.COMMON_WORDS < textrules.ENTRY_MATCH_STOPWORDS
    # Words every entry says tell no entry from another, yet lexical search still finds them.
    assert {"study", "patients", "treatment"} <= textrules.ENTRY_MATCH_STOPWORDS - textrules.STOPWORDS


def test_a_passage_points_back_only_within_its_opening_words():
    assert passage_points_back("These requirements were relaxed during the pandemic.")
    assert not passage_points_back("Supervised consumption is common in the UK.")
    late = "Patients attending the clinic every day for a year or more said that they felt watched."
    assert not passage_points_back(late)


def test_notes_on_an_entry_are_stripped_and_its_findings_kept():
    entry = "Patients did better when supervised; free source at time of writing. Related study below."
    assert textrules.ENTRY_NOTES.sub("", entry) == "Patients did better when supervised"


def test_a_question_addressing_the_reader_is_not_standalone_though_it_points_at_nothing():
    assert textrules.NOT_STANDALONE.search("What should you do about missed doses?")
    assert not textrules.SENTENCE_POINTS_BACK.search("What should you do about missed doses?")


def test_comparisons_and_counts_whose_other_side_was_said_before_lean_back():
    assert leans_back("If relationships are as important, then they are very important.")
    assert leans_back("The interaction might work the other way too: patients who get the doses do better.")
    assert leans_back("There is another reason too.")
    assert leans_back("The first three were characterised as consigning the user to an identity.")
    assert leans_back("Even when they seem to be all there is, that sends a message.")
    assert not leans_back("Relationships are at least as important as the average dose level across a caseload.")
    assert not leans_back("Sufficient dosing is one of the most solidly established success factors.")
    assert not leans_back("Three studies were too small to say.")
