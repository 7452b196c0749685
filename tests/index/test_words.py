from matrixqa.index.words import corpus_words, fold, meaning_words, split_words, stem


def test_curly_quotes_dashes_and_ligatures_are_folded_to_plain_ascii():
    folded = fold("\u201cobserved\u201d dosing\u2014the patient\u2019s \ufb01rst dose")
    assert folded == '"observed" dosing-the patient\'s first dose'


def test_words_are_cut_at_anything_but_letters_and_digits_and_lose_a_possessive():
    words = split_words("The doctor\u2019s non-prescribed 2x dose")
    assert words == ["The", "doctor", "non", "prescribed", "2x", "dose"]
    assert stem("counsellors") == stem("counsellor")


def test_meaning_words_are_the_corpus_words_of_three_letters_or_more_and_no_stop_word():
    words = corpus_words(["The GP saw 12 patients; the patients\u2019 GP was away."])
    assert words["patients"] == 2 and words["the"] == 2 and "12" not in words
    assert meaning_words(words) == ["away", "patients", "saw"]
