"""Reading a question in the corpus's words: corrections, acronyms, synonyms, what it names."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from matrixqa.index.embed import HashingEmbedder
from matrixqa.index.store import build_index, load_index
from matrixqa.index.vocabulary import abbreviated
from matrixqa.ingest.chunk import SUMMARY_SECTION, top_section
from matrixqa.ingest.corpus import load_corpus
from matrixqa.search.reading import Query, QuestionReader
from matrixqa.search.retrieve import Retriever
from matrixqa.settings import PROJECT_ROOT


def test_a_question_is_read_once_into_a_query(retriever: Retriever):
    query = retriever.reader.read("does the methadne counsellor matter to xylophone players?")
    assert isinstance(query, Query) and query.text == "does the methadone counsellor matter to xylophone players?"
    assert query.question == "does the methadne counsellor matter to xylophone players?"  # as asked
    assert query.corrected == ("methadne → methadone",)
    assert [t.word for t in query.analysis.terms][:2] == ["methadone", "counsellor"]  # the text as read
    assert "xylophone" in [t.word for t in query.unknown] and "xylophone" not in [t.word for t in query.scoring]
    assert "methadone" in [t.word for t in query.scoring]
    assert len(query.weights) == len(query.analysis.terms) and all(w > 0 for w in query.weights)


def test_coverage_is_the_share_of_the_questions_distinctive_weight_present(retriever: Retriever):
    query = retriever.reader.read("methadone xylophone")
    methadone, xylophone = query.analysis.terms
    weight = dict(zip(("methadone", "xylophone"), query.weights, strict=True))
    assert weight["xylophone"] > weight["methadone"]  # a word no passage uses is the most distinctive
    assert query.coverage(methadone.tokens) == pytest.approx(weight["methadone"] / sum(query.weights))
    assert query.coverage(methadone.tokens | xylophone.tokens) == pytest.approx(1.0)
    assert query.coverage(frozenset()) == 0.0


def test_words_naming_the_cells_asked_about_weigh_nothing_in_coverage(retriever: Retriever):
    named = retriever.reader.read("In the drug matrix cell B3, why is supervision unpopular?")
    weight = {t.word.lower(): w for t, w in zip(named.analysis.terms, named.weights, strict=True)}
    assert named.cells and weight["cell"] == weight["b3"] == weight["matrix"] == weight["drug"] == 0.0
    assert weight["supervision"] > 0 and weight["unpopular"] > 0
    # The same words count where they name no cell: "cell" is then a word of the subject.
    plain = retriever.reader.read("why is a cell of supervision unpopular?")
    assert not plain.cells and all(w > 0 for w in plain.weights)


def test_a_name_of_the_field_corrects_a_misspelling_and_is_never_corrected(retriever: Retriever):
    assert retriever.reader.correction("naloxne") == "naloxone"  # the vocabulary's word, though not the corpus's
    result = retriever.search("does retendering harm outcomes", 5)
    assert result.read_as == "does retendering harm outcomes" and result.relevance.corrected == ()
    assert result.relevance.missing == ("retendering (commissioning)",)


def test_an_acronym_of_capitals_may_spell_out_a_phrase_in_small_letters(retriever: Retriever):
    assert retriever.reader.spell_out("DTU") == "drug treatment units"
    assert retriever.reader.spell_out("DT") is None  # two letters: too many phrases would do
    assert retriever.reader.spell_out("Dtu") is None  # small letters after a capital go on with its word
    result = retriever.search("DTU or GP", 5)
    assert result.read_as == "drug treatment units or GP"
    # An acronym naming a topic of the field is that topic, not a phrase to look for.
    assert retriever.search("NSP and the clinic", 5).relevance.missing == ("NSP (needle exchange)",)


@pytest.mark.parametrize(
    ("written", "corrected"),
    [
        ("methadne", "methadone"),  # the corpus's word beats the English "methane" at the same distance
        ("buprenorphin", "buprenorphine"),
        ("relatinship", "relationship"),
        ("superviesd", "supervised"),
        ("Philidelphia", "Philadelphia"),  # a capital is kept
        ("smokng", "smoking"),  # a typo of a word the corpus lacks becomes that word
        ("clins", "clinks"),  # among many English words as near ("coins", "clips"...), the corpus's wins
        ("dasing", "dosing"),  # the corpus's word, however many English words are as near ("dating", "basing"...)
    ],
)
def test_misspellings_are_corrected_against_the_corpus_and_english(retriever: Retriever, written, corrected):
    assert retriever.reader.correction(written) == corrected


# "traipse" (English) and "mthadne" (shorter than a long word) are two edits from "raise" and "methadone".
@pytest.mark.parametrize(
    "word", ["woody", "rude", "fibbing", "kim", "centered", "Guichard", "Najavits", "traipse", "mthadne"]
)
def test_real_words_and_short_words_are_not_corrected(retriever: Retriever, word):
    assert retriever.reader.correction(word) is None


def test_a_long_word_english_does_not_know_is_corrected_within_two_edits_and_no_further(retriever: Retriever):
    # "relatonshp" is two letters short of "relationship"; "takehomes" (slang for take-home doses) is three edits
    # from "takeover", its nearest word: it is read as written, not as some other word.
    assert retriever.reader.correction("relatonshp") == "relationship"
    assert retriever.reader.correction("takehomes") is None
    result = retriever.search("how long on supervised consumption before takehomes", 5)
    assert result.read_as == "how long on supervised consumption before takehomes"


def test_a_word_longer_than_every_known_spelling_is_read_as_written(retriever: Retriever):
    # No word of English, of the field or of the corpus is within two letters of its length: nothing is near it.
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    assert retriever.reader.correction(word) is None
    assert retriever.search(f"is {word} in the corpus", 5).read_as == f"is {word} in the corpus"


@pytest.mark.parametrize(
    "question",
    [
        "how long shud patients stay on supervised consumption",
        "wud u test urine if ur patient is stable pls",
        "wht r the rules on supervised consumption",
    ],
)
def test_function_words_typed_as_in_a_chat_are_no_subject_and_never_corrected(retriever: Retriever, question: str):
    # "shud" is one edit from "shut", a word of the corpus: read as it, the question would ask about shutting.
    query = retriever.reader.read(question)
    assert query.text == question and query.corrected == () and query.unknown == ()


def test_the_corrected_question_is_what_retrieval_searches(retriever: Retriever):
    typed = retriever.search("whole persn approach with buprenorphin in france", 5)
    tidy = retriever.search("whole person approach with buprenorphine in france", 5)
    assert typed.read_as == "whole person approach with buprenorphine in france"
    assert set(typed.relevance.corrected) == {"persn → person", "buprenorphin → buprenorphine"}
    assert [h.passage.id for h in typed.hits] == [h.passage.id for h in tidy.hits]
    assert typed.relevance.evidence == pytest.approx(tidy.relevance.evidence)


def test_an_acronym_is_spelt_out_from_the_capitalised_phrase_it_abbreviates(retriever: Retriever):
    result = retriever.search("RCGP competencies", 5)
    assert result.read_as == "Royal College of General Practitioners competencies"
    assert result.relevance.matched == ("RCGP = Royal College of General Practitioners",)
    assert "RCGP" not in result.relevance.missing
    assert "Royal College of General Practitioners" in result.hits[0].passage.text


@pytest.mark.parametrize(
    "question",
    [
        "RCGP (Really Careful General Prescribing) competencies",
        "Really Careful General Prescribing (RCGP) competencies",
        "RCGP ( really careful general prescribing ) competencies",
    ],
)
def test_an_acronym_the_asker_spells_out_beside_it_is_read_as_the_asker_spells_it(retriever: Retriever, question):
    # The corpus's phrase of the same initials stands for something else here: the asker has said what it means.
    result = retriever.search(question, 5)
    assert result.read_as == question
    assert not any(m.startswith("RCGP") for m in result.relevance.matched)
    # Words in brackets that do not spell it out leave the acronym to be read from the corpus.
    aside = retriever.search("RCGP (the college, I think) competencies", 5)
    assert aside.read_as.startswith("Royal College of General Practitioners (the college")


@pytest.mark.parametrize(
    ("acronym", "phrase"),
    [
        ("RCPsych", "Royal College of Psychiatrists"),  # small letters go on with the word their capital opens
        ("PHE", "Public Health England"),
        ("RCPx", None),  # the small letters must go on with the word: "px" does not
        ("RCGPX", None),  # one capital too many
    ],
)
def test_an_acronym_abbreviates_a_phrase_capital_by_capital(retriever: Retriever, acronym, phrase):
    assert retriever.reader.spell_out(acronym) == phrase


def test_an_acronym_is_spelt_out_as_the_commonest_of_the_phrases_it_abbreviates(retriever: Retriever):
    first, second = [p for p in retriever.index.passages if p.kind == "commentary"][:2]
    rarer = replace(first, text="Advice came from the Quiet Hill Team once.")
    commoner = replace(second, text="so said the Quiet Harbour Trust, and later the Quiet Harbour Trust again.")
    reader = QuestionReader([rarer, commoner], retriever.lexical)
    assert reader.spell_out("QHT") == "Quiet Harbour Trust"


def test_a_word_known_only_through_the_vocabulary_is_read_with_the_fields_word(retriever: Retriever):
    result = retriever.search("picking up a script every day", 5)
    assert result.read_as == "picking up a script (prescription) every day"
    assert "script ≈ prescription" in result.relevance.matched and "script" not in result.relevance.missing
    # A word the corpus itself uses is left as it is, though the vocabulary joins it to others.
    assert retriever.search("the pharmacy every day", 5).read_as == "the pharmacy every day"
    watched = "Is being watched at the chemist bad for patients?"  # "watched" is the corpus's own word
    assert retriever.search(watched, 5).read_as == "Is being watched at the chemist (pharmacy) bad for patients?"
    # A word the vocabulary knows only within a phrase ("urine samples") is not read as the phrase's group.
    samples = "Should urine samples be collected under observation?"
    assert retriever.search(samples, 5).read_as == samples


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("What does this matrix cell cover?", True),
        ("What is cell B3 about?", True),
        ("what do you cover", True),
        ("what topics do you cover?", True),  # only words asking what it covers, however many
        ("give me an overview", True),
        ("In a sentence or two, what's the subject of cell B3?", True),  # a request's words, no subject
        ("What does the Practitioners; Medical treatment cell for drugs cover?", True),  # "drugs": the drug matrix
        ("What does the matrix say about methadone?", False),  # a subject of its own
        ("What is a cell?", False),  # asks nothing of what it covers
    ],
)
def test_a_question_asking_what_the_corpus_covers_is_told_its_cells_summaries(retriever: Retriever, question, about):
    result = retriever.search(question, 5)
    assert result.about_the_corpus is about
    if about:
        assert result.relevant and result.hits[0].passage.section == SUMMARY_SECTION
        assert result.relevance.missing == ()


def test_words_naming_the_corpus_itself_are_not_unknown(retriever: Retriever):
    result = retriever.search("what does the matrix cell B3 say about xylophone tuning", 5)
    assert not {"matrix", "cell", "B3"} & set(result.relevance.unknown)
    assert "xylophone" in result.relevance.unknown


@pytest.mark.model
def test_real_model_answers_a_misspelt_question_as_the_tidy_one(real_retriever: Retriever):
    result = real_retriever.search("does the methadne counseller make a diffrence", 5)
    assert result.relevant and "methadne → methadone" in result.relevance.corrected
    assert "counsellor" in result.hits[0].passage.text.lower()


@pytest.mark.parametrize(
    "question",
    [
        "give me a quick summary of drug matrix cell B3",
        "can you explain what cell B3 deals with",
        "whats cell B3 about",
        "what does drug cell B3 say?",
        "what's in cell B3, what's its focus?",
        "what is the purpose of cell B3",
        "what does the cell B3 page talk about",
        "what are the key messages of cell B3?",
        "what kind of stuff is in cell B3",
        "what's the main point of cell B3, is it worth reading?",
        "what are the main themes of cell B3?",
    ],
)
def test_a_request_for_what_a_named_cell_covers_in_everyday_words_is_told_its_summary(
    retriever: Retriever, question: str
):
    assert retriever.reader.read(question).about_the_corpus


def test_a_question_with_a_subject_beside_the_cell_is_not_only_about_the_cell(retriever: Retriever):
    assert not retriever.reader.read("give me a quick summary of what cell B3 says on urine tests").about_the_corpus


def test_a_question_naming_a_cell_and_a_section_of_its_page_names_that_section(retriever: Retriever):
    assert retriever.reader.read("key studies in cell B3").sections == ("Key studies",)
    assert retriever.reader.read("cell B3: where should I start?").sections == ("Where should I start?",)
    assert retriever.reader.read("key studies on urine tests").sections == ()  # no cell named: a subject
    # Every word of the heading, small words too: "addiction" alone does not name "Not just an addiction".
    assert retriever.reader.read("what does cell B3 say about addiction?").sections == ()


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what is drug B3 about, and what are its key studies?", "Key studies"),
        ("In a few lines, what is B3 about and where should I start reading?", "Where should I start?"),
        ("what's this cell about, and where do I begin?", "Where should I start?"),
        ("summary of drug B3 and its key studies", "Key studies"),
        ("Give me an outline of cell B3 - main themes and where I should start reading", "Where should I start?"),
    ],
)
def test_asking_what_a_cell_is_about_then_for_a_section_is_told_the_summary_then_the_section(
    retriever: Retriever, question: str, section: str
):
    # Both are asked: these had the section lead and the summary after it, or no summary at all.
    query = retriever.reader.read(question)
    assert query.about_the_corpus and query.sections == (section,)
    found = [top_section(hit.passage.section) for hit in retriever.search(question, 5).hits]
    summaries = found.index(section)  # the cells' summaries (those it names, or every cell's), then the section
    assert summaries >= 1 and set(found[:summaries]) == {SUMMARY_SECTION}


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what's the highlighted study in drug B3 about?", "Highlighted study"),  # the section is what it asks about
        ("key studies in cell B3", "Key studies"),
        ("B3: where do I begin?", "Where should I start?"),
        ("quick summary of the key studies in drug B3", "Key studies"),  # a summary of the section, not of the cell
    ],
)
def test_asking_for_a_section_alone_is_told_that_section_first(retriever: Retriever, question: str, section: str):
    query = retriever.reader.read(question)
    assert not query.about_the_corpus and query.sections == (section,)
    assert top_section(retriever.search(question, 5).hits[0].passage.section) == section


def test_a_word_the_corpus_holds_by_its_stem_is_not_corrected_into_another_word(retriever: Retriever):
    # The nearest spellings, taken alone; but both are words of the corpus's "keyworkers".
    assert (retriever.reader.correction("keywork"), retriever.reader.correction("keyworking")) == (
        "keyword",
        "networking",
    )
    result = retriever.search("how many keywork sessions for keyworking", 5)
    assert result.read_as == "how many keywork sessions for keyworking" and result.relevance.corrected == ()
    # A spelling of the same stem is still taken: the dense side reads words as written.
    assert retriever.search("prescribings for patients", 5).read_as == "prescribing for patients"


def test_a_known_word_whose_nearest_spelling_is_a_small_word_is_read_as_written(retriever: Retriever):
    # "halve" (the corpus's "halved") is nearest "have", which analysis drops: it has no stem to compare.
    assert retriever.reader.correction("halve") == "have"
    result = retriever.search("why did zebra stripes halve missed appointments?", 5)
    assert result.read_as == "why did zebra stripes halve missed appointments?" and result.relevance.corrected == ()


@pytest.mark.parametrize(
    ("word", "full"),
    [
        ("MMT", "methadone maintenance treatment"),  # the initials of a term of its own group
        ("UDS", "urine drug screen"),
        ("OST", "opioid substitution treatment"),
        ("bupe", "buprenorphine"),  # shortened: opens as the term does, its letters in order
        ("benzos", "benzodiazepines"),
        ("appt", "appointment"),
        ("GP", None),  # English uses it: the model reads it as it is
        ("dose", None),  # a word of English, not "dosage" shortened
        ("methadone", None),  # a term of the group, no abbreviation of another
        ("MAT", None),  # "mat" is a word of English
    ],
)
def test_a_rare_word_of_the_vocabulary_is_read_as_the_term_it_abbreviates(retriever: Retriever, word, full):
    (term,) = retriever.analyzer.analyse(word).terms
    assert abbreviated(term.word, term.stem, term.concepts) == full


@pytest.fixture
def beside_many_cells(tmp_path: Path, corpus_dir: Path) -> Retriever:
    """The test corpus with the invented cells of tests/data/many_cells/ beside it, which use "opioid substitution"
    (the name of bupe's and MMT's synonym group) where B3 never does."""
    folder = tmp_path / "many"
    shutil.copytree(corpus_dir, folder)
    for page in (PROJECT_ROOT / "tests" / "data" / "many_cells").glob("*.txt"):
        shutil.copy(page, folder / page.name)
    build_index(load_corpus(folder), HashingEmbedder(), tmp_path / "many-index")
    return Retriever(load_index(tmp_path / "many-index", HashingEmbedder(), folder), HashingEmbedder())


def test_an_abbreviation_reads_the_same_whatever_cells_the_corpus_holds(
    retriever: Retriever, beside_many_cells: Retriever
):
    # The group's name, which a reading of the corpus's words would use, is held beside the many cells only.
    assert "substitution" in beside_many_cells.reader.words and "substitution" not in retriever.reader.words
    question = "is MMT or bupe better with a good keyworker, and do UDS results change that?"
    alone, many = retriever.reader.read(question), beside_many_cells.reader.read(question)
    assert (
        alone.text
        == many.text
        == (
            "is MMT (methadone maintenance treatment) or bupe (buprenorphine) better with a good keyworker, and do UDS "
            "(urine drug screen) results change that?"
        )
    )
    assert (
        alone.expanded
        == many.expanded
        == (
            "MMT = methadone maintenance treatment",
            "bupe = buprenorphine",
            "UDS = urine drug screen",
        )
    )


AGGRESSION = ("aggression", "violence", "threatening behaviour")
SWITCHING = ("switching medication",)


@pytest.mark.parametrize(
    ("question", "topic", "named"),
    [
        ("what if a patient starts threatening behaviour at the pharmacy?", AGGRESSION, True),
        ("is violence against staff common?", AGGRESSION, True),
        # "threatening" and "threats" alone are everyday words: a lead threatening a sanction names no aggression
        ("my lead keeps threatening to put people back on daily supervision, is that ok?", AGGRESSION, False),
        ("are threats of discharge a good idea?", AGGRESSION, False),
        # A switch names a change of medication only with the medications switched.
        ("how do I switch someone from methadone to buprenorphine safely?", SWITCHING, True),
        ("should pregnant women on methadone be switched to buprenorphine?", SWITCHING, True),
        ("client wants to switch to bupe", SWITCHING, True),
        # A switch of counsellors, of testing policy, or of attention is no change of medication.
        ("did patients do worse after the switch to new counsellors?", SWITCHING, False),
        ("if we switched to tests agreed with the patient would drug use go up?", SWITCHING, False),
        ("do patients switch off if the doctor is not listening?", SWITCHING, False),
    ],
)
def test_a_topic_is_named_only_by_words_that_mean_it_in_any_context(retriever: Retriever, question, topic, named):
    shown = [t.shown for t in retriever.reader.read(question).topics]
    assert any(name in s for s in shown for name in topic) is named, shown


def test_a_sentence_of_text_names_no_topic(retriever: Retriever):
    # "sentencing" shares its stem with "sentence": it would name the courts in "in a sentence or two".
    assert retriever.reader.read("In a sentence or two, what does supervision do?").topics == ()


def test_a_blood_test_names_no_way_of_testing_for_drugs(retriever: Retriever):
    # A liver function blood test is no drug test: "blood test" named the topic of testing beside urine.
    shown = [
        t.shown for t in retriever.reader.read("do a drinker's liver blood test results help them cut down?").topics
    ]
    assert shown == ["drinker (alcohol)"]
    assert [t.shown for t in retriever.reader.read("is hair testing better than urine testing?").topics] != []


def test_custody_names_no_prison(retriever: Retriever):
    # In drug work custody is most often the police's (arrest referral, custody suites): no prison.
    question = "do drug workers in police custody get people into treatment after they leave custody?"
    assert not any(t.shown.endswith("(prison)") for t in retriever.reader.read(question).topics)
    assert any("prison" in t.shown for t in retriever.reader.read("what about people released from prison?").topics)


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        # A clause saying who asks names no topic of the question: a midwife's question need not be on pregnancy.
        ("I'm a midwife. Does supervised dosing harm relationships?", False),
        ("Midwife here - does supervised dosing harm relationships?", False),
        ("midwife q - does supervised dosing harm relationships?", False),
        ("Midwife question: does supervised dosing harm relationships?", False),
        ("community midwife here - does supervised dosing harm relationships?", False),
        ("I work with midwives. Does supervised dosing harm relationships?", False),
        # Named where the question asks, or in a clause that asks, it is the question's.
        ("I'm a midwife - does supervised dosing harm relationships in pregnancy?", True),
        ("I'm a pregnant woman's keyworker, does supervised dosing harm her relationships? What should I read?", True),
        ("We see pregnant women. Does supervised dosing harm relationships?", True),  # what, not who
        # Where the asker works is where the question applies, not who asks.
        ("I work in antenatal care. Does supervised dosing harm relationships?", True),
        ("I work at an antenatal clinic - does supervised dosing harm relationships there?", True),
        ("midwife here", True),  # nothing but who asks: it is all the question says
        # Before "q" or "question" a topic is a heading of what is asked, not a person who asks ("X here" says the
        # asker is X, whatever X is).
        ("pregnancy q - does supervised dosing harm relationships?", True),
        ("pregnancy question: does supervised dosing harm relationships?", True),
    ],
)
def test_a_topic_named_only_in_saying_who_asks_is_not_the_questions(retriever: Retriever, question, kept):
    shown = [t.shown for t in retriever.reader.read(question).topics]
    assert any(s.endswith("(pregnancy)") or s == "pregnancy" for s in shown) is kept, shown


@pytest.mark.parametrize("question", ["tl;dr of drug B3?", "TLDR drug B3", "tl dr of the B3 cell pls"])
def test_a_chat_idiom_is_read_as_its_word(retriever: Retriever, question):
    # "tl;dr" asks for a summary: it was read as "tl" and "dr", a doctor, and the question was declined.
    query = retriever.reader.read(question)
    assert query.question == question and "summary" in query.text and query.about_the_corpus
    assert any(c.endswith("→ summary") for c in query.corrected)


def test_a_topic_heading_a_question_is_still_asked_about(retriever: Retriever):
    # "X q" gives a role only when X is a person: B3 does not treat pregnancy, so this is declined as "Is methadone
    # safe in pregnancy?" is.
    for question in ("pregnancy q - is methadone safe?", "Is methadone safe in pregnancy?"):
        result = retriever.search(question, 5)
        assert not result.relevant and "pregnancy" in result.relevance.missing, question


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("should GPs screen every patient for risky drinking?", "alcohol"),  # the field's names of drinking levels
        ("is hazardous drinking common on methadone?", "alcohol"),
        ("do long waiting lists lose people before they start?", "waiting list"),
    ],
)
def test_the_fields_names_of_a_topic_name_it(retriever: Retriever, question, topic):
    assert topic in [t.shown.split(" (")[-1].rstrip(")") for t in retriever.reader.read(question).topics]


def test_a_question_on_waiting_lists_is_declined_where_no_cell_treats_them(retriever: Retriever):
    result = retriever.search("do long waiting lists lose people before they start treatment?", 5)
    assert not result.relevant and any("waiting" in m for m in result.relevance.missing)


@pytest.mark.parametrize(
    "question",
    [
        "does D4 cover counsellors?",  # a word asking what something covers
        "tell me about D4 and its counsellors",  # "tell me about"
        "counsellors in D4: what is that about?",  # "about" ending the question
    ],
)
def test_a_code_alone_beside_a_subject_names_its_cell_when_the_question_asks_what_something_covers(
    retriever: Retriever, question
):
    # The subject ("counsellors") means the question does not only name the corpus: the code is read as a cell
    # because the question asks what something covers. Without that, a capital and a digit are no cell.
    query = retriever.reader.read(question)
    assert [(c.matrix, c.code) for c in query.cells] == [("Alcohol Treatment Matrix", "D4")], question
    assert not query.about_the_corpus
    assert retriever.reader.read("do counsellors help in D4?").cells == ()


def test_a_word_naming_a_matrix_names_no_topic(retriever: Retriever):
    # "alcohol" in "alcohol D4" names the matrix the cell is in, not a topic the question is about: the passages
    # that answer "drug B3 ..." need not treat drugs, nor those that answer "alcohol D4 ..." alcohol.
    plain = retriever.reader.read("do counsellors help?").topics
    assert retriever.reader.read("alcohol D4: do counsellors help?").topics == plain
    assert "alcohol" in [t.shown for t in retriever.reader.read("does alcohol harm counsellors?").topics]


@pytest.mark.parametrize(
    "question",
    [
        "best thing to read first",
        "where to start reading",
        "where's a good place to start reading up on this stuff?",
        "Which document does the page suggest reading first?",
        "which review does the page say to start with?",
        "Where should I start?",
    ],
)
def test_asking_only_what_to_read_first_asks_for_the_section_that_says(retriever: Retriever, question):
    # Every cell page says what to read first under "Where should I start?": these were declined on B3, their words
    # naming no subject, or led by another section.
    assert retriever.reader.read(question).sections == ("Where should I start?",)
    result = retriever.search(question, 5)
    assert result.relevant and result.hits[0].passage.section == "Where should I start?"


@pytest.mark.parametrize(
    "question",
    [
        "where should I start reading on supervised dosing?",  # a subject: search weighs it as any other
        "what's the best thing to read first on sourdough baking?",  # a subject no cell treats: still declined
        "what dose should I start someone on?",  # starting a treatment, not a reading
        "should I start with methadone or buprenorphine?",
    ],
)
def test_a_question_with_a_subject_of_its_own_names_no_section(retriever: Retriever, question):
    assert retriever.reader.read(question).sections == ()


@pytest.mark.parametrize(
    "question",
    [
        "commissioner q: does paying GP practices make them screen more?",
        "Commissioner question: can GPs prescribe methadone as well as a specialist clinic?",
        "commissioner here - does contingency management keep people off cocaine?",
    ],
)
def test_who_asks_is_read_alike_whatever_cells_sit_beside_b3(retriever: Retriever, tmp_path: Path, question):
    # Beside a cell naming commissioning, "commissioner" is read in the corpus's words, "commissioner (commissioning)",
    # and the asker's role was then taken for a topic no answering passage treats: declined beside that cell alone.
    corpus_dir = tmp_path / "beside"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus_dir)
    shutil.copy(PROJECT_ROOT / "tests" / "data" / "many_cells_second" / "alcohol-D4.txt", corpus_dir / "alcohol-D4.txt")
    build_index(load_corpus(corpus_dir), HashingEmbedder(), tmp_path / "index")
    reader = Retriever(load_index(tmp_path / "index", HashingEmbedder(), corpus_dir), HashingEmbedder()).reader
    assert "(commissioning)" in reader.read(question).text
    alone = retriever.reader.read(question)
    assert reader.read(question).topics == alone.topics and not any("commiss" in t.token for t in alone.topics)
