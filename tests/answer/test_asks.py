"""What a question asks for, whether a sentence gives it, and what the answer says when none does."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from matrixqa.answer.asks import (
    Asked,
    _one_per_concept,
    clauses,
    counted_tokens,
    embedded_words,
    read_asked,
    scene_words,
    subject_words,
)
from matrixqa.answer.choose import LENGTHS, choose_sentences, gives_asked
from matrixqa.answer.compose import Answerer, _as_written
from matrixqa.answer.kinds import KINDS, asked_for
from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.retrieve import Retriever
from matrixqa.settings import PROJECT_ROOT

KIND = {kind.name: kind for kind in KINDS}


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _asked(kind: str, *subject: str, own: tuple[str, ...] = ()) -> Asked:
    return Asked(KIND[kind], tuple((frozenset([word]), 1.0) for word in subject), frozenset(own))


@pytest.mark.parametrize(
    "question, kind",
    [
        ("how often should i urine test someone on a script", "a frequency"),
        ("How many times a week should patients attend?", "a frequency"),
        ("How long should supervised consumption last?", "a duration"),
        ("For how many weeks is supervision recommended?", "a duration"),
        ("What dose of methadone should I start someone on?", "a dose"),
        ("how many mg of buprenorphine?", "a dose"),
        ("How many counsellors were studied?", "a number"),
        ("What proportion of patients drop out?", "a number"),
        ("When do patients accept supervision?", "a time"),
        ("Who wrote the UK guidance?", "a person or body"),
        ("Which study showed that counsellors differ?", "a study"),
        ("Is there any research on GPs and whole-person care?", "a study"),
        ("What should keyworkers do about missed doses?", "what to do"),
        ("How should services choose their clinicians?", "what to do"),
        ("Does supervised dosing harm relationships?", "a yes or no"),
        ("Over what period were the patients followed?", "a duration"),
        ("Over what time window were the patients compared?", "a duration"),
        ("Over what time frame did drug use fall to almost nothing?", "a duration"),
        ("What length of supervised consumption is recommended?", "a duration"),
        ("How much higher were the methadone doses at the first clinic?", "a dose"),
        ("What was the average methadone dose in the trial?", "a dose"),  # an average of doses is a dose
        ("how much lower was the dosage they ended on?", "a dose"),
        ("Which clinic ran the study?", "a person or body"),
        ("Which study links a good relationship to less drug use?", "a study"),
        ("How do the guidelines say services should test urine?", "what to do"),
        ("What counts as a sufficient methadone dose, in mg?", "a dose"),
        ("what should a pharmacist do if a patient misses a pick-up?", "what to do"),  # any role of the field
        ("whats the best way to get patients to be honest?", "what to do"),
        ("Which study backs up the three-month rule?", "a study"),
        ("Which review should I read first?", "a study"),
        ("What do the guidelines say we should do about urine tests?", "what to do"),
        ("What practical steps can a pharmacy take?", "what to do"),
        ("what action should a clinic take if a patient sells their methadone?", "what to do"),  # one step or action
        ("Is there a study showing that counsellors matter?", "a study"),
        ("Is there a trial testing whole-person care on its own?", "a study"),
        ("What's the best piece of research to start with?", "a study"),
        # An evaluation and a survey are studies, as the forms that give one say
        ("Which evaluation of supervised consumption does the page point to?", "a study"),
        ("which survey of clinicians is listed?", "a study"),
        ("What should I read first to get into this topic?", "a study"),
        ("What training should a GP do?", "what to do"),
        ("What was the name of the researcher who led it?", "a person or body"),
        ("At what time of day should doses be taken?", "a time"),
        ("What do the guidelines say to do about missed doses?", "what to do"),
        # Words describing the thing asked for stand between the question word and it.
        ("Which randomised trial tested the whole-person relationship?", "a study"),
        ("Which two key studies compared counsellors?", "a study"),
        ("What was the name of the eminent researcher who led the study?", "a person or body"),
        # A single study asked after is a study, not a yes or no.
        ("Is there a study on GPs who know their patients?", "a study"),
        ("Is there a named study showing that whole-person care works on its own?", "a study"),
        ("Are there any reviews of practitioner effects?", "a study"),
        # A count in a stretch of time is a rate.
        ("How many urine tests a month should a patient give?", "a frequency"),
        ("How many doses per week are supervised?", "a frequency"),
        ("How many months should supervision last?", "a duration"),
        # What a guideline advises or recommends is what to do.
        ("What do UK guidelines advise about watching patients give urine samples?", "what to do"),
        ("What does the guidance recommend on take-home doses?", "what to do"),
        ("What do the UK guidelines say about observed urine samples?", "what to do"),
        # Whoever should do something, what they should do is advice.
        ("What should a new keyworker do if a patient relapses?", "what to do"),
        ("What should a methadone clinic do about missed doses?", "what to do"),
        # "Which are the studies ...?" asks for the studies themselves.
        ("Which are the three studies on whole-person relationships?", "a study"),
        # A polite request asks what follows it: whether, when that is what it asks.
        ("Could you tell me whether supervised dosing harms relationships?", "a yes or no"),
        ("can u explain if supervision works", "a yes or no"),
        ("Can you tell me how often patients should attend?", "a frequency"),
        # "Can you ...?" not opening a request asks whether one can.
        ("can you tell who is a good clinician from their training?", "a yes or no"),
        ("Can you co-prescribe diazepam to someone on methadone?", "a yes or no"),
        # An amount of time is a duration.
        ("how much time does a doctor usually get in a typical consultation?", "a duration"),
        # However exactly it should be done, and whatever should be said, is advice.
        ("how exactly should keyworkers defuse friction over supervised dosing?", "what to do"),
        ("What exactly should a keyworker say to a patient who resents supervision?", "what to do"),
        # Studies counted are asked for by name, as is a study's reference.
        ("What are the three studies on whole-person relationships?", "a study"),
        ("What's the reference for the survey of Scottish clinicians?", "a study"),
        # A count of bodies asked for is still bodies.
        ("Which two royal colleges produced the 2012 guidance?", "a person or body"),
    ],
)
def test_the_kind_asked_for_is_read_from_the_questions_form(question, kind):
    assert asked_for(question).name == kind


@pytest.mark.parametrize(
    "question, kind",
    [
        # The form that comes first asks: "how long" here is part of what the doctors decide.
        ("What should doctors do when deciding how long to keep supervising a patient's doses?", "what to do"),
        ("What should a keyworker do when a test shows cocaine?", "what to do"),
        # A yes or no only when nothing else is asked for.
        ("Does the guidance say how often patients should attend?", "a frequency"),
        ("Is there any research on GPs?", "a study"),
    ],
)
def test_the_form_that_comes_first_says_what_is_asked(question, kind):
    assert asked_for(question).name == kind


def test_a_question_in_no_such_form_asks_for_no_kind():
    assert asked_for("Tell me about the whole-person approach") is None
    assert asked_for("What do rules do to relationships?") is None


@pytest.mark.parametrize(
    "question",
    [
        "Can you explain what drug matrix cell B3 is about?",
        "could u please summarise the whole-person approach",
        "Would you give me an overview of supervised dosing?",
        "can you tell me what B3 covers",
    ],
)
def test_a_polite_request_asks_for_no_yes_or_no(question):
    assert asked_for(question) is None


@pytest.mark.parametrize(
    "question",
    [
        # The verbs and determiners of a question about a study do not make it ask for one.
        "What did the study find?",
        "What was the trial about?",
        "What were the three studies about?",
        "What measure of drug use did the study take?",  # a measure asked for is no step to take
        # A study the asker read about is the question's scene.
        "I was reading about a French study where they looked at many factors - which mattered most?",
        # Saying what a study suggests is a finding, not advice.
        "What does the review suggest about counsellors?",
    ],
)
def test_a_question_about_a_study_asks_for_no_study(question):
    assert asked_for(question) is None


@pytest.mark.parametrize(
    "kind, sentence",
    [
        ("a frequency", "Patients collect their doses daily at the pharmacy."),
        ("a frequency", "Tests were taken every two weeks at the pharmacy."),
        ("a frequency", "Staff met patients twice a month at the pharmacy."),
        ("a duration", "Doses at the pharmacy were supervised for three months."),
        ("a duration", "Supervision at the pharmacy lasted a six-month period."),
        ("a dose", "Patients at the pharmacy took 60 mg of methadone."),
        ("a number", "The pharmacy served 265 patients."),
        ("a yes or no", "Supervision at the pharmacy harms no relationship."),  # any statement says yes or no
    ],
)
def test_a_sentence_gives_the_kind_beside_the_subject(kind, sentence):
    assert _asked(kind, "pharmacy").given_by(sentence, _tokens)


@pytest.mark.parametrize(
    "kind, sentence",
    [
        ("a frequency", "Regular urine tests are taken at the pharmacy."),  # regular is no frequency
        ("a dose", "Sufficient dosing at the pharmacy matters most."),  # no figure with a unit
        ("a duration", "The pharmacy takes a long-term view of treatment."),
        ("a number", "Patients at the pharmacy stayed for six months."),  # a duration, not a count
        ("what to do", "An evaluation of the pharmacy was published."),  # a study evaluating is no advice to
    ],
)
def test_a_sentence_without_the_form_does_not_give_it(kind, sentence):
    assert not _asked(kind, "pharmacy").given_by(sentence, _tokens)


def test_a_sentence_leaning_on_the_one_before_has_its_subject_named_there_too():
    duration = _asked("a duration", "pharmacy")
    sentence, before = "Their doses were supervised for three months.", "Patients at the pharmacy were watched."
    assert not duration.given_by(sentence, _tokens)
    assert duration.given_by(sentence, _tokens, leaned_on=before)
    # A yes or no is a claim the sentence makes itself.
    claim = _asked("a yes or no", "pharmacy")
    assert not claim.given_by("Their doses did not harm it.", _tokens, leaned_on=before)


def test_a_clause_pointing_back_has_its_subject_named_by_the_clauses_before():
    subject = tuple((frozenset([word]), 1.0) for word in ("steer", "scotland", "supervision"))
    number = Asked(KIND["a number"], subject)
    assert number.given_by("Doctors steer patients; in Scotland, 20 of 32 said they did this.", _tokens)
    assert not number.given_by("Doctors steer patients; in Scotland, 20 of 32 said so.", _tokens)
    # A yes or no is the claim of the clause that makes it.
    claim = Asked(KIND["a yes or no"], subject)
    assert not claim.given_by("Doctors steer patients; in Scotland, most did this.", _tokens)


def test_a_sentence_of_a_study_entry_has_its_subject_named_by_the_entrys_title():
    asked = _asked("a number", "pharmacy")
    assert not asked.given_by("It served 265 patients.", _tokens)
    assert asked.given_by("It served 265 patients.", _tokens, entry="Methadone at the pharmacy")
    assert not asked.given_by("It served many patients.", _tokens, entry="Methadone at the pharmacy")
    # A sentence of an entry names a study itself; another sentence names one only in words that do.
    study = _asked("a study", "pharmacy")
    assert study.given_by("It served many patients.", _tokens, entry="Methadone at the pharmacy")
    assert not study.given_by("The pharmacy served many patients.", _tokens)


def test_a_figure_far_from_the_subject_is_not_taken_for_the_answer():
    sentence = (
        "The requirements include patients having to come to the clinic or pharmacy nearly every day to swallow "
        "their methadone in front of staff, and regular urine tests to spot non-prescribed drug use."
    )
    assert not _asked("a frequency", "urine").given_by(sentence, _tokens)
    assert _asked("a frequency", "swallow").given_by(sentence, _tokens)


def test_a_figure_in_a_phrase_the_comma_opens_is_not_the_subjects():
    sentence = "Requirements are imposed through keyworkers, including patients having to attend every day."
    assert not _asked("a frequency", "keyworkers").given_by(sentence, _tokens)
    assert _asked("a frequency", "attend").given_by(sentence, _tokens)


def test_a_sentence_is_cut_into_clauses_at_its_joints():
    sentence = "Doctors know this; in Scotland, 20 clinicians said so, and 13 felt it (see above) – often."
    assert clauses(sentence) == [
        "Doctors know this",
        "in Scotland, 20 clinicians said so",
        "and 13 felt it",
        "see above",
        "often.",
    ]


def test_the_questions_own_word_is_no_answer():
    sentence = "The survey asked clinicians at the pharmacy."
    assert not _asked("a person or body", "survey", own=("survey", "clinicians")).given_by(sentence, _tokens)
    assert _asked("a person or body", "survey", own=("survey",)).given_by(sentence, _tokens)
    # Every word of the form must be the question's: "six-month" is not "months".
    assert _asked("a duration", "pharmacy", own=("month",)).given_by("A six-month stay at the pharmacy.", _tokens)


def test_an_instruction_gives_advice_though_its_verb_is_the_questions_own():
    asked = _asked("what to do", "select", "evaluate", "clinicians", own=("select", "evaluate", "clinicians"))
    assert asked.given_by("One best identified: “Select and evaluate clinicians on their track record.”", _tokens)
    # The same words not in the imperative are the question's own, and say nothing of what to do.
    assert not asked.given_by("Services rarely select and evaluate clinicians.", _tokens)


def test_a_clause_that_says_the_matter_is_unknown_gives_no_answer_on_it():
    assert not _asked("a duration", "pharmacy").given_by(
        "Supervision at the pharmacy for three months is untested.", _tokens
    )
    assert _asked("a duration", "pharmacy").given_by(
        "Supervision at the pharmacy lasted three months – a rule for which there is no evidence.", _tokens
    )


def test_a_figure_of_a_former_time_answers_only_a_question_asking_of_that_time():
    sentence = "Guidelines now leave it open, a step back from the three months’ supervision previously recommended."
    assert not _asked("a duration", "supervision").given_by(sentence, _tokens)
    assert replace(_asked("a duration", "supervision"), former=True).given_by(sentence, _tokens)
    # "no longer than" compares; it places nothing in the past.
    assert _asked("a duration", "supervision").given_by("Supervision lasting no longer than three months.", _tokens)


@pytest.mark.parametrize(
    "question, former",
    [
        ("How long should supervised consumption last under the current guidelines?", False),
        ("How long was supervision recommended for under the earlier guidelines?", True),
        ("How long was supervised consumption recommended for before the guidelines changed?", True),
        ("Is there any evidence behind the old three-month rule?", True),
        ("What length of supervised consumption did UK guidance use to recommend?", True),
    ],
)
def test_a_question_asking_of_a_former_time_is_read_as_such(retriever: Retriever, question: str, former: bool):
    result = retriever.search(question, 5)
    assert read_asked(result.query, retriever, result.question_vector).former is former


def test_a_question_asking_whether_the_matter_is_known_is_answered_by_a_clause_saying_it_is_not():
    untested = "Whether supervision at the pharmacy works on its own is untested."
    assert not _asked("a yes or no", "pharmacy", "supervision").given_by(untested, _tokens)
    assert replace(_asked("a yes or no", "pharmacy", "supervision"), if_known=True).given_by(untested, _tokens)
    no_evidence = "Supervision at the pharmacy for three months, a rule for which there is no evidence."
    assert not _asked("a study", "pharmacy", "supervision").given_by(no_evidence, _tokens)
    assert replace(_asked("a study", "pharmacy", "supervision"), if_known=True).given_by(no_evidence, _tokens)
    # "Has any study tested ...?": "it is untested" answers it, though it names no study.
    assert replace(_asked("a study", "pharmacy", "supervision"), if_known=True).given_by(untested, _tokens)


@pytest.mark.parametrize(
    "question, if_known",
    [
        ("Has anyone tested whether a whole-person relationship is therapeutic on its own?", True),
        ("Is there any evidence behind the three-month rule?", True),
        ("Has it been shown that supervision prevents overdose?", True),
        ("Does supervision prevent overdose?", False),
        ("Has supervision prevented overdose?", False),
    ],
)
def test_a_question_is_read_as_asking_whether_the_matter_is_known(retriever: Retriever, question, if_known):
    result = retriever.search(question, 5)
    assert read_asked(result.query, retriever, result.question_vector).if_known is if_known


@pytest.mark.parametrize(
    "question, embedded",
    [
        (
            "Do qualifications explain why some counsellors get better results?",
            {"counsellors", "get", "better", "results"},
        ),
        ("Does supervision change how patients see their doctor?", {"patients", "see", "doctor"}),
        # A word the claim names too is the claim's.
        ("Does supervision explain why supervision fails?", {"fails"}),
        # A question of its own after a joining word or mark embeds nothing.
        ("Does testing damage rapport, and how do the guidelines limit it?", set()),
        ("Does testing damage rapport and how do the guidelines limit it?", set()),
        ("Is testing needed or what else works?", set()),
        # Only a yes or no is a claim; "how often" asks for a frequency.
        ("How often should counsellors explain why tests are done?", set()),
    ],
)
def test_the_matter_a_yes_or_no_question_embeds_is_told_from_its_claim(retriever: Retriever, question, embedded):
    kind = asked_for(question)
    words = embedded_words(question, kind, retriever.analyzer.analyse)
    assert words == embedded


def test_the_words_of_the_embedded_matter_weigh_less_so_a_sentence_naming_the_claims_subject_answers(
    retriever: Retriever,
):
    question = "Do counsellors' qualifications explain why some patients get better results than others?"
    result = retriever.search(question, 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    weight = {word: w for tokens, w in asked.subject for word in tokens}
    alike = replace(result.query, text="Do counsellors' qualifications explain some patients' better results?")
    plain = read_asked(alike, retriever, result.question_vector)
    plain_weight = {word: w for tokens, w in plain.subject for word in tokens}
    assert weight["qualif"] == pytest.approx(plain_weight["qualif"])
    assert weight["result"] < plain_weight["result"]
    # A question asking whether the matter is known asks of what it embeds: its words keep their weight.
    known = "Has anyone tested whether counsellors' qualifications explain some patients' better results?"
    result = retriever.search(known, 5)
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked.if_known
    assert {word: w for tokens, w in asked.subject for word in tokens}["result"] > weight["result"]


@pytest.mark.parametrize(
    "question, scene",
    [
        ("Did the top counsellor need higher doses in the Philadelphia study?", {"philadelphia", "study"}),
        (
            "Did qualifications explain the results of the Philadelphia transfer study?",
            {"philadelphia", "transfer", "study"},
        ),
        # A word the claim names too is the claim's; only a yes or no is a claim.
        ("Did the study's counsellors differ in the counsellor study?", set()),
        ("How often did counsellors see patients in the Philadelphia study?", set()),
        ("Did the top counsellor need higher doses?", set()),
    ],
)
def test_the_study_a_yes_or_no_question_is_set_in_is_told_from_its_claim(retriever: Retriever, question, scene):
    words = scene_words(question, asked_for(question), retriever.analyzer.analyse)
    assert words == scene


def test_the_words_of_the_study_a_claim_is_set_in_weigh_less(retriever: Retriever):
    # The sentence making the claim sits in the passage on the study, and need not name it again.
    question = "Did the top counsellor need higher methadone doses in the Philadelphia study?"
    result = retriever.search(question, 5)
    weight = {w: x for tokens, x in read_asked(result.query, retriever, result.question_vector).subject for w in tokens}
    plain = replace(result.query, text="Did the top Philadelphia counsellor need higher methadone doses?")
    plain_weight = {w: x for tokens, x in read_asked(plain, retriever, result.question_vector).subject for w in tokens}
    assert weight["philadelphia"] < plain_weight["philadelphia"]
    assert weight["counsellor"] == pytest.approx(plain_weight["counsellor"])


def test_a_yes_or_no_is_the_claim_of_the_whole_sentence():
    asked = _asked("a yes or no", "pharmacy", "supervision")
    assert asked.given_by("Supervision at the pharmacy reduces diversion.", _tokens)
    assert not asked.given_by(
        "Whether supervision at the pharmacy works is untested, and supervision at the pharmacy is hard to test.",
        _tokens,
    )
    assert not asked.given_by("Patients collect their doses.", _tokens)  # the subject is not named


def test_a_year_is_no_count():
    assert not _asked("a number", "pharmacy").given_by("The pharmacy study of 2014.", _tokens)
    assert _asked("a number", "pharmacy").given_by("A trio of pharmacy studies.", _tokens)


def test_one_as_a_word_of_comparison_is_no_count():
    # "one ... than another", "one of those": in prose "one" is rarely the answer to how many.
    assert not _asked("a number", "pharmacy").given_by("Patients do better at one pharmacy than another.", _tokens)
    assert _asked("a number", "pharmacy").given_by("Patients did better at two pharmacy sites.", _tokens)


@pytest.mark.parametrize(
    "question, narrower",
    [
        ("Who led the study of the Philadelphia counsellors?", True),
        ("who actually wrote the guidance?", True),
        ("Which organisation is behind the competencies?", True),
        ("Which body issued the UK guidelines?", True),
        ("Who should supervise the doses?", False),  # a role answers who does something
        ("Which staff should test urine?", False),
        ("How many studies were there?", False),
        ("When did the two counsellors resign?", True),
        ("What year was the survey done?", True),
        ("When do patients accept supervision?", False),  # a condition, not a date
        ("What was the name of the researcher who led it?", True),  # a name, not a role
        ("what time of day should doses be taken?", True),
        ("Who were the authors of the 2000 review?", True),  # their names
        ("What is the name of the eminent US researcher who led it?", True),
        ("Who are the patients most at risk?", False),
        ("Who was the US researcher who led the study?", True),  # words describing the maker between
        ("Who were the two patients in the study?", False),
        ("Who said talk is the main ingredient of care?", True),  # whoever said what is quoted: a name
        ("Who is quoted saying talk matters most?", True),
        ("Who says the dose matters?", True),
    ],
)
def test_a_question_asking_who_made_something_or_when_it_happened_asks_for_the_narrower_thing(question, narrower):
    kind = asked_for(question)
    assert kind.asks_narrower(question) is narrower


def test_a_maker_described_not_named_names_nobody_whatever_names_the_clause_holds():
    subject = ((frozenset(["survey"]), 1.0),)
    who = Asked(KIND["a person or body"], subject, narrower=True, who=True)
    described = "The survey was led by an eminent US researcher later an adviser to Public Health England."
    assert not who.given_by(described, _tokens)
    assert who.given_by("The survey was led by Professor Smith, an adviser to Public Health England.", _tokens)
    # Which body the researcher advised is named all the same.
    assert replace(who, who=False).given_by(described, _tokens)
    # Who took part in a survey is not who made it: the broader question is given by the role.
    assert Asked(KIND["a person or body"], subject).given_by("The survey was answered by a team of doctors.", _tokens)


def test_a_reading_set_beside_the_askers_word_hides_no_form_of_asking(retriever: Retriever):
    result = retriever.search("what bupe dose were the French maintenance patients on?", 8)
    assert "bupe (buprenorphine)" in result.query.text  # the reading stands between "what" and "dose"
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked.kind.name == "a dose"
    # The asker's word and the reading beside it are both of the subject ("French (France)"), as the form is not.
    subject = set().union(*(tokens for tokens, _ in asked.subject))
    assert set(retriever.analyzer.tokens("France")) <= subject and not subject & {"what", "dose"}


@pytest.mark.parametrize(
    "question, narrower", [("Who ran the urine testing study?", True), ("Who tests urine?", False)]
)
def test_a_question_is_read_as_asking_for_the_narrower_thing_when_it_does(retriever: Retriever, question, narrower):
    result = retriever.search(question, 8)
    assert read_asked(result.query, retriever, result.question_vector).narrower is narrower


@pytest.mark.parametrize(
    "kind, word, broad, narrow",
    [
        (
            "a time",
            "pharmacy",
            "After the transfer, the pharmacy closed.",
            ["In 1999 the pharmacy closed.", "Six months in to treatment the pharmacy closed."]
            + ["The pharmacy closed in the evening.", "At 9am the pharmacy closed."],  # a time of day is a time
        ),
        (
            "a person or body",
            "survey",
            "In the survey, doctors and patients spoke at the pharmacy.",
            ["The survey was run by the Royal College of Psychiatrists.", "The survey was run by a national charity."],
        ),
    ],
)
def test_a_question_asking_for_the_narrower_thing_is_given_only_by_its_forms(kind, word, broad, narrow):
    # When something happened is given by a point in time, not by a word placing it beside another event; who made a
    # study by a name or a body, not by a role. The kind's broader question ("when do ...", "who tests ...") by either.
    subject = ((frozenset([word]), 1.0),)
    narrower = Asked(KIND[kind], subject, narrower=True)
    assert not narrower.given_by(broad, _tokens)
    assert all(narrower.given_by(sentence, _tokens) for sentence in narrow)
    assert Asked(KIND[kind], subject).given_by(broad, _tokens)


def test_a_number_of_units_into_something_is_a_point_in_time_not_a_duration():
    sentence = "Six months in to treatment, patients at the pharmacy were asked how they felt."
    assert not _asked("a duration", "pharmacy").given_by(sentence, _tokens)
    assert _asked("a time", "pharmacy").given_by(sentence, _tokens)
    assert _asked("a duration", "pharmacy").given_by("Six months of treatment at the pharmacy.", _tokens)
    assert asked_for("How long into treatment were patients at the pharmacy asked?").name == "a time"
    assert asked_for("How long in treatment do patients stay?").name == "a duration"
    assert asked_for("How long on methadone should someone stay?").name == "a duration"


def test_a_subject_word_named_elsewhere_in_the_passage_counts_for_part_of_its_weight():
    passage = "Interviews in France with French patients. Four patterns were found."
    number = _asked("a number", "patterns", "french", "interviews")
    assert not number.given_by("Four patterns were found.", _tokens)  # a third of the subject
    assert number.given_by("Four patterns were found.", _tokens, context=passage)  # and half of two thirds
    # A yes or no is a claim the sentence itself makes.
    claim = _asked("a yes or no", "patterns", "french", "interviews")
    assert not claim.given_by("Four patterns were found.", _tokens, context=passage)


def test_a_subject_word_a_later_clause_names_is_that_clauses_not_this_ones_context():
    sentence = "Patients come to the pharmacy nearly every day, and regular urine tests are taken."
    passage = f"{sentence} The humiliation of observed urine tests is obvious."
    frequency = _asked("a frequency", "urine", "tests", "pharmacy")
    assert not frequency.given_by(sentence, _tokens, context=passage)
    assert frequency.given_by("Patients come to the pharmacy nearly every day.", _tokens, context=passage)
    # An earlier clause is what a later one refers back to: "they did this" is supervising to manipulate.
    sentence = "Doctors exploit supervision to manipulate patients; in Scotland, 20 clinicians said they did this."
    number = _asked("a number", "clinicians", "supervision", "manipulate")
    assert number.given_by(sentence, _tokens, context=sentence)


def _content(text: str) -> list[str]:
    return [word for word in _tokens(text) if word not in {"were", "in", "the", "did"}]


def test_a_count_gives_the_number_only_of_what_the_question_counts():
    assert counted_tokens("How many relationship patterns were found?", _content) == {"relationship", "patterns"}
    assert counted_tokens("how many clinicians in Scotland said so?", _content) == {"clinicians"}
    # A word read in the corpus's words is one word of the count with its reading: what follows is still counted.
    read = counted_tokens("How many Scottish (Scotland) clinicians said so?", _content)
    assert read == {"scottish", "scotland", "clinicians"}
    assert counted_tokens("What proportion dropped out?", _content) == frozenset()
    # "how many kinds of relationship" counts relationships of a kind: "Four relationship patterns" counts them.
    kinds = counted_tokens("How many different kinds of doctor-patient relationship were found?", _content)
    assert kinds == {"doctor", "patient", "relationship"}
    found = Asked(KIND["a number"], ((frozenset(["french"]), 1.0),), counted=kinds)
    assert found.given_by("The French interviews found four relationship patterns.", _tokens)
    asked = Asked(KIND["a number"], ((frozenset(["pharmacy"]), 1.0),), counted=frozenset(["patients"]))
    assert not asked.given_by("The pharmacy found four patterns of care for its patients.", _tokens)
    assert asked.given_by("The pharmacy saw 20 out of 32 patients.", _tokens)
    assert Asked(KIND["a number"], ((frozenset(["pharmacy"]), 1.0),)).given_by(
        "The pharmacy found four patterns.", _tokens
    )


def test_the_best_ranked_passages_sentence_that_gives_what_was_asked_counts_though_less_relevant(answerer):
    # The fast corpus (hashing embedder): the sentence naming the body is well below the passage's best.
    answer = answerer.answer("Which body did the researcher who led the Philadelphia study later advise?")
    assert answer.lacking == ()
    assert any("Public Health England" in sentence for sentence in answer.citations[0].sentences)
    # Who led it, the page does not say: an eminent US researcher is no name.
    assert answerer.answer("Who led the study of the Philadelphia counsellors?").lacking == ("a person or body",)
    # When the best-ranked passage gives nothing asked for and another does, the answer opens with that one.
    counted = answerer.answer("How many clinicians in Scotland were asked about supervision?")
    assert "20 out of 32 clinicians" in counted.citations[0].sentences[0]


def test_words_of_one_phrase_of_the_vocabulary_count_once():
    named = [
        ("supervised", frozenset({"supervis", "@sup"}), 3),
        ("dosing", frozenset({"dose", "@sup"}), 5),
        ("urine", frozenset({"urin"}), 2),
    ]
    assert _one_per_concept(named) == [
        ("supervised", frozenset({"supervis", "dose", "@sup"}), 3),
        ("urine", frozenset({"urin"}), 2),
    ]


def test_the_subject_is_the_question_without_the_words_that_ask():
    assert subject_words("How often should I test urine?", KIND["a frequency"]).split() == [
        "should",
        "I",
        "test",
        "urine?",
    ]
    # A question asking for the narrower thing loses the words that ask for it, the verb too.
    assert subject_words("Who wrote the UK guidance?", KIND["a person or body"]).split() == ["the", "UK", "guidance?"]
    # When a document appeared: its publishing is the time asked for, not the subject, which the year of its entry's
    # title line gives.
    assert subject_words("When was the UK guidance published?", KIND["a time"]).split() == ["the", "UK", "guidance"]
    assert subject_words("When was the Scottish survey done?", KIND["a time"]).split() == ["the", "Scottish", "survey"]
    # Which study to read first: the reading, and its order, are what is asked, not what a giving sentence must name.
    read_first = subject_words("Which review should I read first on clinicians' results?", KIND["a study"]).split()
    assert read_first == ["on", "clinicians'", "results?"]
    assert subject_words("What's the best study to start with on dosing?", KIND["a study"]).split() == ["on", "dosing?"]
    # How many of a sort of thing: the sort is the asking's, what is counted the subject's.
    counted = subject_words("How many different kinds of relationship did patients describe?", KIND["a number"])
    assert counted.split() == ["relationship", "did", "patients", "describe?"]


def test_the_words_naming_the_cells_asked_about_are_no_part_of_the_subject(retriever: Retriever):
    # "in drug cell B3" says where to look: a sentence of that cell names none of those words, and need not.
    query = retriever.reader.read("Who wrote the guidance in drug cell B3?")
    assert query.cells
    asked = read_asked(query, retriever, read_as_vector(retriever, query))
    subject = set().union(*(tokens for tokens, _ in asked.subject))
    assert subject & set(retriever.analyzer.tokens("guidance"))
    assert not subject & set(retriever.analyzer.tokens("drug cell B3"))


def read_as_vector(retriever: Retriever, query) -> np.ndarray:
    """The question's vector, as search reads it."""
    return retriever.embedder.embed([query.text])[0]


def test_an_answer_quotes_a_sentence_that_gives_what_was_asked_or_says_that_none_does(answerer: Answerer):
    # The fast corpus (hashing embedder): one question the cells give a number for, one they give no frequency for.
    found = answerer.answer("How many clinicians in Scotland were asked about supervision?")
    assert found.asks_for == "a number" and found.lacking == () and found.lead.startswith("From the Effectiveness")
    asked = read_asked(found.reading, answerer.retriever, read_as_vector(answerer.retriever, found.reading))
    tokens = answerer.retriever.analyzer.tokens
    assert asked and any(
        asked.given_by(sentence, tokens, c.passage.study.title if c.passage.study else "")
        for c in found.citations
        for sentence in c.sentences
    )
    lacking = answerer.answer("how often should i urine test someone on a script")
    assert lacking.answered and lacking.lacking == ("a frequency",)
    assert lacking.lead.startswith("The cell gives no frequency.")


def test_when_no_passage_an_answer_draws_on_gives_what_was_asked_a_lower_hits_sentence_that_does_is_quoted(
    answerer: Answerer,
):
    found = answerer.answer("What should services do about watching patients give urine samples?")
    drawn_on = {h.passage.id for h in found.hits[: LENGTHS["short"].passages]}
    assert found.asks_for == "what to do" and found.lacking == ()
    assert any(c.passage.id not in drawn_on for c in found.citations)


def test_when_no_source_gives_what_was_asked_a_sentence_of_the_passage_it_leans_on_may(answerer: Answerer):
    # The first source opens leaning on the close of the passage before it, which closes with the count of studies.
    found = answerer.answer("How many studies looked at the consequences of a whole-person relationship?")
    assert found.asks_for == "a number" and found.lacking == ()
    assert "takes us to at least three studies" in found.citations[0].sentences[0]


@pytest.mark.model
def test_an_answer_that_lacks_what_was_asked_says_so_and_one_that_has_it_opens_with_it(real_retriever):
    answerer = Answerer(real_retriever)
    lacking = answerer.answer("how often should i urine test someone on a script")
    assert lacking.answered and lacking.asks_for == "a frequency" and lacking.lacking == ("a frequency",)
    assert lacking.lead.startswith("The cell gives no frequency. What it says about urine")
    dose = answerer.answer("What dose of methadone should I start someone on?")
    assert dose.lacking == ("a dose",) and dose.lead.startswith("The cell gives no dose.")
    found = answerer.answer("How many clinicians in Scotland were asked about supervision?")
    assert found.lacking == () and found.lead.startswith("From the Effectiveness Bank")
    assert "20 out of 32 clinicians" in found.citations[0].sentences[0]


@pytest.mark.model
def test_a_word_no_passage_uses_is_named_by_its_nearest_corpus_word_in_meaning(real_retriever: Retriever):
    query = real_retriever.reader.read("How many French patients were interviewed?")
    asked = read_asked(query, real_retriever, read_as_vector(real_retriever, query))
    assert any("franc" in tokens for tokens, _ in asked.subject)
    assert asked.given_by("Interviews with 40 patients in France.", real_retriever.analyzer.tokens)


@pytest.mark.model
def test_a_word_no_passage_uses_in_any_word_of_its_meaning_is_asked_about_and_named_by_no_sentence(real_retriever):
    query = real_retriever.reader.read("Does supervised consumption cut overdose deaths?")
    asked = read_asked(query, real_retriever, read_as_vector(real_retriever, query))
    known = set(real_retriever.lexical.known_tokens)
    assert any(not (tokens & known) for tokens, _ in asked.subject)  # overdose, deaths: no passage names them
    tokens = real_retriever.analyzer.tokens
    assert not asked.given_by("Supervised consumption can make visits a dehumanising experience.", tokens)
    assert asked.given_by("Supervised consumption was found to cut overdose deaths by half.", tokens)


@pytest.mark.model
def test_the_words_a_question_is_about_weigh_more_than_those_that_frame_it(real_retriever: Retriever):
    question = "Which study showed that some methadone counsellors get much better results than others?"
    query = real_retriever.reader.read(question)
    asked = read_asked(query, real_retriever, read_as_vector(real_retriever, query))
    weight = {word: w for tokens, w in asked.subject for word in tokens}
    idf = real_retriever.lexical.idf
    frequency = real_retriever.lexical.document_frequency
    # "get" is rarer in the corpus than "counsellor", but further from what the question means.
    assert weight["get"] / weight["counsellor"] < idf(frequency["get"]) / idf(frequency["counsellor"])


@pytest.mark.model
def test_a_yes_or_no_on_what_explains_something_is_given_by_a_sentence_saying_it_did_not(real_retriever):
    answer = Answerer(real_retriever).answer(
        "Do counsellors' qualifications explain why some get better results than others?"
    )
    assert answer.lacking == ()
    assert "did not account for" in answer.citations[0].sentences[0]


@pytest.mark.model
def test_a_figure_in_a_sentence_much_less_relevant_than_the_best_is_not_the_answer(real_retriever):
    answer = Answerer(real_retriever).answer(
        "What percentage of the French patients felt they had a good relationship with their doctor?"
    )
    assert answer.lacking == ("a number",)
    assert "20 out of 32" not in answer.answer


@pytest.mark.model
def test_lacking_is_right_on_most_of_the_labelled_questions_that_ask_for_a_kind(real_retriever):
    answerer = Answerer(real_retriever)
    records = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "asks_for.jsonl").read_text().splitlines()]
    assert len(records) >= 30 and {r["category"] for r in records} == {"given", "lacking"}
    answers = [answerer.answer(r["question"]) for r in records]
    assert all(a.asks_for == r["asks_for"] for a, r in zip(answers, records, strict=True))
    right = sum(list(a.lacking) == r["lacking"] for a, r in zip(answers, records, strict=True))
    assert right >= 0.8 * len(records)  # 44 of 56 when written, 50 since (eval/README.md)


def test_a_study_entrys_sentence_gives_what_its_title_line_gives(answerer: Answerer):
    # The year and the body are in the entry's title line, which is cited with every sentence quoted from it.
    answer = answerer.answer("When was the Clinks guidance on co-occurring mental health and substance use published?")
    assert answer.asks_for == "a time" and answer.lacking == ()
    assert answer.citations[0].passage.study and answer.citations[0].passage.study.year == 2019


def test_a_sentence_pointing_back_at_the_listed_study_it_discusses_names_that_study(retriever: Retriever):
    # "With this freely available review listed above, ..." names the review (the passage's link to it), as the
    # review's own entry would: its title names the subject the sentence does not.
    passage = next(p for p in retriever.index.passages if p.text.startswith("With this freely available review"))
    assert [s.title for s in passage.refers_to] == ["Clinicians’ impact on treatment quality"]
    subject = tuple((frozenset(retriever.analyzer.tokens(word)), 1.0) for word in ("impact", "quality"))
    asked = Asked(KIND["a study"], subject)
    assert gives_asked(asked, passage, 0, retriever)
    assert not gives_asked(asked, replace(passage, refers_to=()), 0, retriever)
    assert not gives_asked(Asked(KIND["a time"], subject), passage, 0, retriever)  # the title gives no time


@pytest.mark.parametrize(
    "question",
    ["Do patients trust doctors who test them for drugs?", "Does the doctor's attitude affect how patients do?"],
)
def test_a_yes_or_no_does_not_choose_the_sentence_an_answer_opens_with(retriever: Retriever, question: str):
    # Every statement on the subject gives a yes or no, so giving one does not decide the lead: the answer opens as it
    # would if the question asked for nothing, with the best-ranked passage's most relevant sentence.
    result = retriever.search(question, 8)
    asked = read_asked(result.query, retriever, result.question_vector)
    assert asked and asked.kind.claim
    as_asked = choose_sentences(result, retriever, result.query, LENGTHS["short"], asked)
    unasked = choose_sentences(result, retriever, result.query, LENGTHS["short"], None)
    assert as_asked.picked[0] == unasked.picked[0] and as_asked.picked[0][0] == 0


@pytest.mark.parametrize(
    "words, question, said",
    [
        (["urine", "test"], "how often should i urine test someone?", "urine test"),
        (
            ["counsellor", "methadone", "dose"],
            "does the counsellor matter at the same methadone dose?",
            "counsellor and methadone dose",
        ),
        (["pharmacist", "missed", "days"], "pharmacist: a patient missed 3 days", "pharmacist, missed and days"),
        (["supervised", "consumption"], "is supervised-consumption needed?", "supervised-consumption"),
    ],
)
def test_a_lacking_answer_names_what_the_cell_says_about_in_the_questions_own_phrases(words, question, said):
    # Words side by side in the question make one phrase; words apart are listed, never run together as if a phrase.
    assert _as_written(words, question) == said


@pytest.mark.parametrize("detail", ["short", "long"])
@pytest.mark.parametrize(
    "question",
    [
        "Does the doctor's attitude affect how patients do?",
        "Does a whole-person relationship with a doctor work as a treatment on its own?",
        "can you enforce clinic rules without wrecking the relationship with the client?",
    ],
)
def test_a_sentence_looked_for_beyond_the_sources_comes_from_no_summary_and_no_source_twice(
    answerer: Answerer, question: str, detail: str
):
    # The fast corpus: no sentence of the passages these answers draw on gives what the question asks for, so the
    # other hits are searched for one. A cell's summary among them is no evidence (it says what the cell is about),
    # and a passage already drawn on is not a new one: the answer cites neither, and no passage twice.
    answer = answerer.answer(question, k=50, detail=detail)  # every passage: a summary among them, after the evidence
    assert answer.answered and any(h.passage.section == SUMMARY_SECTION for h in answer.hits)
    cited = [c.passage for c in answer.citations]
    assert all(p.section != SUMMARY_SECTION for p in cited), [p.section for p in cited]
    assert len({p.id for p in cited}) == len(cited)


def test_a_passages_heading_names_what_it_is_for_the_subject(retriever: Retriever):
    # "Who wrote the guidance?": an entry under the heading "Guidance" is guidance, whatever its own words say.
    guidance = next(p for p in retriever.index.passages if p.section == "Guidance" and p.study)
    title = "Standards for waiting rooms ([XX] Ministry of Tests, 2020)."
    text = f"{title} Sets out how staff should greet clients."
    passage = replace(
        guidance,
        text=text,
        sentences=((0, len(title)), (len(title) + 1, len(text))),
        study=replace(guidance.study, title="Standards for waiting rooms"),
        unquotable=(),
        leans=(),
    )
    asked = Asked(KIND["a person or body"], ((frozenset(retriever.analyzer.tokens("guidance")), 1.0),), frozenset())
    assert gives_asked(asked, passage, 0, retriever) and gives_asked(asked, passage, 1, retriever)
    assert not gives_asked(asked, replace(passage, section="Highlighted study"), 0, retriever)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How often should doctors who treat heavy drinkers see them?", "a frequency"),
        ("Which study showed that pharmacists prefer sourdough bread?", "a study"),
        ("Tell me about pharmacists who bake sourdough bread.", ""),
    ],
)
def test_a_decline_says_what_the_question_asked_for_is_lacking(answerer: Answerer, question: str, kind: str):
    # Nothing is quoted, so nothing gives it: an empty `lacking` would tell an API client it was given.
    declined = answerer.answer(question)
    assert not declined.answered and declined.decline
    assert declined.asks_for == kind and declined.lacking == ((kind,) if kind else ())


def test_a_sentence_leaning_on_the_one_before_gives_what_it_asks_with_that_sentences_words(retriever: Retriever):
    # "Their doses ..." is quoted with the sentence before it, which names the subject; a subject word the passage
    # does not name ("tracked") keeps its context share of the rest below SUBJECT_SHARE.
    commentary = next(p for p in retriever.index.passages if not p.study and len(p.sentences) > 1)
    first, second = "Patients at the clinic were watched.", "Their doses were supervised for three months."
    text = f"{first} {second}"
    passage = replace(
        commentary, text=text, sentences=((0, len(first)), (len(first) + 1, len(text))), unquotable=(), leans=()
    )
    tokens = retriever.analyzer.tokens
    subject = ((frozenset(tokens("clinic")), 1.0), (frozenset(tokens("tracked")), 0.5))
    assert gives_asked(Asked(KIND["a duration"], subject), passage, 1, retriever)
    alone = "Doses were supervised for three months."
    standing = replace(passage, text=f"{first} {alone}", sentences=((0, len(first)), (len(first) + 1, len(text) - 6)))
    assert not gives_asked(Asked(KIND["a duration"], subject), standing, 1, retriever)
