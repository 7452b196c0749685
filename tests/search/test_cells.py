"""A question naming a cell is answered from that cell; a code in both matrices names both."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matrixqa.ingest.chunk import SUMMARY_SECTION
from matrixqa.search.cells import CellKey, CellNames
from matrixqa.search.retrieve import Retriever

DRUG, ALCOHOL = "Drug Treatment Matrix", "Alcohol Treatment Matrix"
TITLES = {
    CellKey(DRUG, "B3"): "Practitioners; Medical treatment",
    CellKey(ALCOHOL, "B3"): "Practitioners; Medical treatment",
    CellKey(DRUG, "A3"): "Interventions; Medical treatment",
    CellKey(ALCOHOL, "B1"): "Practitioners; Screening and brief intervention",
}
NAMED = {
    **TITLES,
    CellKey(DRUG, "B2"): "Practitioners; Generic and cross-cutting issues",
    CellKey(ALCOHOL, "A1"): "Interventions; Screening and brief intervention",
}


@pytest.fixture
def names() -> CellNames:
    cells = [SimpleNamespace(cell=SimpleNamespace(matrix=k.matrix, code=k.code, title=t)) for k, t in NAMED.items()]
    return CellNames(cells)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What is cell B3 about?", [(ALCOHOL, "B3"), (DRUG, "B3")]),  # in both matrices: both
        ("what is cell b3 about", [(ALCOHOL, "B3"), (DRUG, "B3")]),  # after "cell", any case
        ("In the alcohol matrix, what does B3 say about doctors?", [(ALCOHOL, "B3")]),
        ("what does alcohol B3 say", [(ALCOHOL, "B3")]),  # the matrix's name before the code
        ("what does the drugs matrix's A3 say about detox?", [(DRUG, "A3")]),  # "drugs" names the drug matrix too
        ("Drug Treatment Matrix cell A3: what is it about?", [(DRUG, "A3")]),
        ("what do cells A3 and B1 say about prescribing?", [(ALCOHOL, "B1"), (DRUG, "A3")]),
        ("what does the practitioners; screening and brief intervention cell cover?", [(ALCOHOL, "B1")]),
        ("what is the practitioners; generic and cross-cutting issues cell for?", [(DRUG, "B2")]),  # a hyphen
        ("does thiamine (vitamin B1) help?", []),  # a code alone, with no word of cells or matrices
        ("what does cell C2 say?", []),  # not in this corpus
        ("what do practitioners think of medical treatment?", []),  # a title's words, but no cell named
        # Titles shortened as people shorten them: a word of the column and one of the row.
        ("what's in the practitioner medical cell?", [(ALCOHOL, "B3"), (DRUG, "B3")]),
        ("the interventions medical cell", [(DRUG, "A3")]),
        ("the cross-cutting practitioners cell", [(DRUG, "B2")]),
        # Half a title names no cell: a word of its row alone, or of its column alone.
        ("what's in the medical cell?", []),
        ("what does the screening cell say?", []),
        ("what does the practitioners cell say?", []),
        # Of several titles so named, those the question's words name most: not A3 for "intervention".
        ("what does the practitioners brief intervention cell cover?", [(ALCOHOL, "B1")]),
        ("what does the treatment cell say?", []),  # a word every title shares names none
        ("B1?", [(ALCOHOL, "B1")]),  # nothing but a code: a cell, in any case
        # A capitalised code opening the question before a colon, dash or comma addresses its cell, as a heading.
        ("B3 - where should I start reading?", [(ALCOHOL, "B3"), (DRUG, "B3")]),
        ("A3: key studies", [(DRUG, "A3")]),
        ("B1, what does it say about GPs?", [(ALCOHOL, "B1")]),
        ("b3 - where should I start?", []),  # in lower case, not set apart as a heading is
        ("B1 levels: do drinkers need more?", []),  # not before the separator: a vitamin's name
        ("where should I start with B3?", []),  # at the end, as "vitamin B3" may be
        # A capitalised code the question reads from names its cell, as a vitamin's name never is.
        ("What does A3 say about detox at home?", [(DRUG, "A3")]),
        ("In B1, what stops GPs from asking about drinking?", [(ALCOHOL, "B1")]),
        ("according to A3, do doses matter?", [(DRUG, "A3")]),
        ("Which review is listed in B1?", [(ALCOHOL, "B1")]),
        ("what's the evidence in A3 on withdrawal?", [(DRUG, "A3")]),
        ("what do studies say about B1 for drinkers?", []),  # what is asked about, not what is read from
        ("should I give B1 to patients in detox?", []),
        ("What do the key studies in A3 show?", [(DRUG, "A3")]),  # a section of the cell
        ("B1's key studies?", [(ALCOHOL, "B1")]),
        ("what are the key studies of vitamin B1?", []),
        ("what does alcohol b3 say about GPs?", [(ALCOHOL, "B3")]),  # right after a matrix's name, any case
        ("what does a3 say about detox?", [(DRUG, "A3")]),  # read from, in any case: typed on a phone
        ("b1's key studies?", [(ALCOHOL, "B1")]),
        ("is there a deficiency in b1 on detox?", []),  # "in ... on" only with its capital
        ("compare the drug and alcohol B3 cells", [(ALCOHOL, "B3"), (DRUG, "B3")]),  # two matrices before a code
        ("alcohol vs drug B3", [(ALCOHOL, "B3"), (DRUG, "B3")]),
        ("a3 and b1", [(ALCOHOL, "B1"), (DRUG, "A3")]),
        (
            "what does the alcohol matrix cover?",
            [(ALCOHOL, "A1"), (ALCOHOL, "B1"), (ALCOHOL, "B3")],
        ),  # a matrix, no cell: all of it
        ("what does alcohol C2 say?", []),  # a cell the corpus lacks is not the whole matrix
        ("on the alcohol side, what do GPs do?", [(ALCOHOL, "A1"), (ALCOHOL, "B1"), (ALCOHOL, "B3")]),  # its side
        ("what does B3 say about drug side effects?", [(ALCOHOL, "B3"), (DRUG, "B3")]),  # a drug's side effects
        # A matrix by its name's initials: the name itself.
        ("DTM cell B3 - what's it actually covering?", [(DRUG, "B3")]),
        ("ATM B3 summary", [(ALCOHOL, "B3")]),
        ("im carrying 70 clients atm, what does B3 say?", [(ALCOHOL, "B3"), (DRUG, "B3")]),  # chat's "at the moment"
    ],
)
def test_a_question_names_cells_by_code_matrix_or_title(names: CellNames, question: str, named):
    assert names.named(question).keys == tuple(CellKey(m, c) for m, c in named)


@pytest.mark.parametrize(
    ("question", "held", "not_held"),
    [
        ("what does cell C2 say?", [], [(ALCOHOL, "C2"), (DRUG, "C2")]),  # a code of both matrices, neither held
        ("what does alcohol C2 say?", [], [(ALCOHOL, "C2")]),
        ("what do drug B3 and alcohol B4 say?", [(DRUG, "B3")], [(ALCOHOL, "B4")]),  # each code its own matrix
        ("the drug matrix cell B2 vs alcohol B3", [(ALCOHOL, "B3"), (DRUG, "B2")], []),
        ("What is cell B2 about?", [(DRUG, "B2")], []),  # no matrix named: the B2 the corpus holds
        ("What do drug B2 and alcohol B2 cover?", [(DRUG, "B2")], [(ALCOHOL, "B2")]),  # each matrix named
        ("the practitioners medical cell", [(ALCOHOL, "B3"), (DRUG, "B3")], []),
        ("What is cell B3 about?", [(ALCOHOL, "B3"), (DRUG, "B3")], []),
        ("the practitioners reducing harm cell", [], [(DRUG, "B1")]),  # by its title: a row only one matrix has
        ("what does the drug matrix say about B4?", [], [(DRUG, "B4")]),
        ("does thiamine (vitamin B1) help?", [], []),  # no cell named at all
        ("what interventions does this cell cover?", [], []),  # one word is not both a column and a row
    ],
)
def test_a_question_may_name_cells_the_corpus_does_not_hold(names: CellNames, question: str, held, not_held):
    named = names.named(question)
    assert named.keys == tuple(CellKey(m, c) for m, c in held)
    assert named.not_held == tuple(CellKey(m, c) for m, c in not_held)


@pytest.mark.parametrize(
    ("question", "unnamed"),
    [
        ("In the alcohol treatment matrix cell B1, why do GPs not screen?", "why do GPs not screen?"),
        ("what does alcohol B4 say about empathy?", "what does say about empathy?"),
        ("what does alcohol b3 say about GPs?", "what does say about GPs?"),
        ("what does a3 say about detox?", "what does say about detox?"),
        ("what do cells A3 and B1 say about prescribing?", "what do and say about prescribing?"),
        ("is the drug matrix's B2 any use?", "is the any use?"),
        ("what does the DTM say in B3 about testing?", "what does the say in about testing?"),
        ("does thiamine (vitamin B1) help?", "does thiamine (vitamin B1) help?"),  # names no cell: as it is
        # Only the words naming cells go: a lowercase code is no cell's; the question's own words are kept whole.
        ("what does the B3 cell say about vitamin b1?", "what does the say about vitamin b1?"),
        ("Xanax for clients: what does cell B3 say?", "Xanax for clients: what does say?"),
    ],
)
def test_a_question_without_its_names_of_cells_asks_the_same_of_others(names: CellNames, question, unnamed):
    assert names.unnamed(question) == unnamed


def test_a_shortened_title_names_a_cell_beside_the_word_cell_not_beside_a_matrix_alone(names: CellNames):
    # "supervised" and "harm" are words of the supervision/harm cell's column and row.
    assert names.named("does supervised dosing harm relationships in the alcohol cell C1?").keys == ()
    loose = names.named("does supervised dosing harm relationships in the alcohol matrix?")
    assert loose.keys == (CellKey(ALCOHOL, "A1"), CellKey(ALCOHOL, "B1"), CellKey(ALCOHOL, "B3"))  # all of it
    assert names.named("what does the management supervision harm cell say?").not_held == (CellKey(DRUG, "C1"),)


def test_a_title_written_out_whole_names_its_cell_without_the_word_cell(names: CellNames):
    # Every word of the title: it names its cell beside a matrix's name alone, or in a question of what it covers.
    covers = names.named("what does practitioners; medical treatment cover?", asks_scope=True)
    assert covers.keys == (CellKey(ALCOHOL, "B3"), CellKey(DRUG, "B3"))
    question = "in the alcohol matrix, what does practitioners; screening and brief intervention say about GPs?"
    assert names.named(question).keys == (CellKey(ALCOHOL, "B1"),)  # that cell, not the whole matrix
    # Written as the page heads it, the title names its cell with no other word of cells or what they cover.
    assert names.named("Practitioners; Medical treatment - what's in that one?").keys == (
        CellKey(ALCOHOL, "B3"),
        CellKey(DRUG, "B3"),
    )
    heading = names.named("Practitioners: Screening and brief intervention - do GPs ask?")
    assert heading.keys == (CellKey(ALCOHOL, "B1"),)
    assert names.named("do medical treatment practitioners ask about drinking?").keys == ()  # its words, not it


def test_every_word_of_a_named_cells_title_names_the_corpus(names: CellNames):
    # Its words every title shares too ("issues"), and the question's forms of them ("practitioner"): they are the
    # cell's name here, not a subject to look for.
    named = names.named("what does the practitioner generic issues cell cover?")
    assert named.keys == (CellKey(DRUG, "B2"),)
    assert {"practitioner", "practitioners", "generic", "cross", "cutting", "issues"} <= named.title_words


def test_the_words_naming_a_matrix_are_told_apart(names: CellNames):
    assert names.named("what do drug B3 and alcohol C2 say about drinking?").matrix_words == {"drug", "alcohol"}
    assert names.named("does alcohol harm relationships?").matrix_words == frozenset()
    assert names.named("what does B1 say on the alcohol side?").matrix_words == {"alcohol", "side"}


def test_a_matrix_of_which_the_corpus_holds_no_cell_is_named_by_all_its_cells():
    cells = [SimpleNamespace(cell=SimpleNamespace(matrix=ALCOHOL, code="B3", title=TITLES[CellKey(ALCOHOL, "B3")]))]
    named = CellNames(cells).named("what does the drug matrix say about supervised dosing?")  # type: ignore[arg-type]
    assert named.keys == () and len(named.not_held) == 25 and {k.matrix for k in named.not_held} == {DRUG}
    # So is it by a follow-up naming nothing else, though its name is no word of the corpus's matrices.
    follow_up = CellNames(cells).named("what about the drug matrix?", names_only=True)  # type: ignore[arg-type]
    assert follow_up.keys == () and len(follow_up.not_held) == 25 and {k.matrix for k in follow_up.not_held} == {DRUG}


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("what about b1?", [(ALCOHOL, "B1")]),  # any case: no other word could make it anything but a cell
        ("and B3?", [(ALCOHOL, "B3"), (DRUG, "B3")]),
        (
            "what about the alcohol one?",
            [(ALCOHOL, "A1"), (ALCOHOL, "B1"), (ALCOHOL, "B3")],
        ),  # a matrix's name alone names it
    ],
)
def test_a_question_naming_nothing_but_the_corpus_names_cells_by_code_or_matrix_alone(
    names: CellNames, question, named
):
    assert names.named(question, names_only=True).keys == tuple(CellKey(m, c) for m, c in named)
    assert names.named(question).keys == ()  # the same words beside a subject ("what about b1 for drinkers?")


def test_a_code_alone_names_its_cell_in_a_question_asking_what_something_covers(names: CellNames):
    assert names.named("what topics does A3 deal with", asks_scope=True).keys == (CellKey(DRUG, "A3"),)
    assert names.named("what topics does A3 deal with").keys == ()


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("what topics does D4 deal with", "D4"),  # a code alone, in a question of what something covers
        ("alcohol D4 in a nutshell?", "D4"),  # an everyday word for a summary
        ("what is the alcohol matrix cell D4 for?", "D4"),  # a cell named and nothing else
        ("drug B3?", "B3"),
        ("b3", "B3"),  # nothing but a code
        ("what's B3 about?", "B3"),  # "about" ending the question asks what the cell covers
        ("tell me about D4", "D4"),
        ("what ground does the alcohol D4 cell cover?", "D4"),  # nouns of what something covers
        ("which areas does alcohol D4 cover", "D4"),
        ("what is alcohol D4 actually about?", "D4"),  # a hedge names no subject
        # The last clause asks what the cell covers; what comes before sets the scene.
        ("I keep seeing references to alcohol D4 - what is that cell about?", "D4"),
        ("My manager mentioned drug B3 to me. What does the cell cover?", "B3"),
        ("people keep mentioning alcohol D4 and I'm lost, what is that cell about?", "D4"),  # a comma, a question word
        ("what topic does alcohol D4 address?", "D4"),
        ("what is alcohol D4 concerned with?", "D4"),  # a form of a word asking what something covers
        ("wht is D4 about?", "D4"),  # a question word as a phone types it names no subject
        # What comes after says who asks; a pronoun stands for the cell named before.
        ("What is the alcohol D4 cell about? I work with probation.", "D4"),
        ("summarise alcohol D4 for me pls, I've just started counselling clients", "D4"),  # a comma, the asker's clause
        ("Quick summary of what alcohol D4 covers please - I manage a needle exchange", "D4"),
        ("someone told me to read drug B3 - what's it about?", "B3"),
        # ... or named anywhere in the asker's own clause before it.
        ("I keep seeing drug B3 referenced in training. What's it actually about?", "B3"),
        ("What is the alcohol D4 cell about? Just the main thrust", "D4"),  # a request in a few words after
        # ... or a clause after that asks nothing, or says whom the answer is for.
        ("Can you explain what alcohol D4 is about? Prepping a training session for the team", "D4"),
        ("gist of drug B3? prepping for a team meeting tmrw", "B3"),
        ("Could you explain what alcohol cell D4 is about, for a new keyworker who has never met a counsellor?", "D4"),
        ("I'd like a short explanation of what the alcohol matrix cell D4 is concerned with.", "D4"),  # a request
        ("new keyworker here, whats drug b3 about in a nutshell", "B3"),  # "whats" opens a clause
        ("what topics does the alcohol D4 page deal with", "D4"),  # a cell is a page
        ("what does alcohol matrix D4 cover, broadly", "D4"),  # a hedge
        ("cell D4 - what is it for, in a couple of lines?", "D4"),
        ("quick summary pls of D4 on the alcohol side", "D4"),  # a matrix's side names it, and no subject
        ("can I get an overview of alcohol D4?", "D4"),
        ("what topics come under alcohol D4?", "D4"),
        ("alcohol D4 - what sort of thing is in there?", "D4"),
    ],
)
def test_a_cell_asked_after_in_everyday_words_leads_with_its_summary(retriever: Retriever, question, code):
    result = retriever.search(question, 5)
    assert result.relevant and result.about_the_corpus, question
    assert result.hits[0].passage.section == SUMMARY_SECTION and result.hits[0].passage.cell.code == code


@pytest.mark.parametrize(
    "question",
    [
        "does thiamine (vitamin B1) help?",
        "what about vitamin D4 for drinkers?",
        "what does cell D4 say about counsellors?",
        # A last clause asking for an overview, without naming the cell, asks it of the subject before it.
        "what does alcohol D4 say about counsellors - give me an overview",
        "in alcohol D4, what about counsellors? what is it about?",
        "What does alcohol D4 say about counsellors? I work with probation.",  # the asker's clause asks nothing
        "summarise what alcohol D4 says on counsellors, I've just started as a team leader",
        "What is alcohol D4 about? And what does it say about counsellors?",  # a clause after that asks
        "For a new keyworker, what does alcohol D4 say about counsellors?",  # whom it is for, before the asking
        "drug B3 - is it any good on urine tests?",
        # A pronoun after a clause naming the cell that is not the asker's stands for what that clause names.
        "Drug B3 lists a study on counsellors. What's it about?",
        "how do services address counsellors' skills in alcohol D4?",
        "in alcohol D4, what is said about counsellors?",
    ],
)
def test_a_question_with_a_subject_is_no_question_about_a_cell(retriever: Retriever, question):
    assert not retriever.search(question, 5).about_the_corpus


def test_cells_named_to_be_compared_are_answered_with_their_summaries(retriever: Retriever):
    result = retriever.search("compare alcohol D4 and drug B3", 5)
    assert result.relevant and result.about_the_corpus
    assert {(h.passage.cell.code, h.passage.section) for h in result.hits[:2]} == {
        ("B3", SUMMARY_SECTION),
        ("D4", SUMMARY_SECTION),
    }


def test_a_misspelt_scope_word_makes_a_bare_code_a_cell_as_the_right_one_does(retriever: Retriever):
    assert retriever.reader.read("give me an overveiw of D4 pls").cells == (CellKey(ALCOHOL, "D4"),)
    assert retriever.reader.read("give me an overview of D4 pls").cells == (CellKey(ALCOHOL, "D4"),)
    assert retriever.reader.read("Overveiw of D4 pls").cells == (CellKey(ALCOHOL, "D4"),)  # opening the question


def test_about_alone_does_not_make_a_bare_code_a_cell(retriever: Retriever):
    # "about" is everywhere ("what about ...?"): a capital and a digit beside it stay what they are.
    assert retriever.reader.read("what about vitamin D4 for drinkers?").cells == ()
    assert retriever.reader.read("what topics does D4 deal with").cells == (CellKey(ALCOHOL, "D4"),)
    # With no other word, the code can only be a cell's.
    result = retriever.search("what about d4?", 5)
    assert result.query.cells == (CellKey(ALCOHOL, "D4"),) and result.about_the_corpus
    assert {h.passage.cell.code for h in result.hits} == {"D4"}


@pytest.mark.parametrize(
    "question",
    [
        "whats d4 about, is it worth a read?",
        "what d4 is about in general?",
        "what's d4 about, briefly?",
        "what is cell d4 about in general terms?",  # how to put it is no subject
        "what's d4 about, in plain terms?",
        "sum up d4",
        # Beside words of the asker's, a capitalised code is a cell's when only a request's words follow "about".
        "As a keyworker, what is D4 about in general?",
        "someone told me to read alcohol D4 - what's it about in general?",
    ],
)
def test_about_followed_only_by_a_requests_words_asks_what_the_cell_covers(retriever: Retriever, question: str):
    result = retriever.search(question, 5)
    assert result.query.cells == (CellKey(ALCOHOL, "D4"),) and result.about_the_corpus
    assert result.hits[0].passage.cell.code == "D4" and result.hits[0].passage.section == SUMMARY_SECTION


def test_about_followed_by_a_subject_still_names_no_cell(retriever: Retriever):
    assert retriever.reader.read("what about d4 for drinkers, is it worth it?").cells == ()
    assert not retriever.reader.read("what is d4 about, for drinkers?").about_the_corpus
    # Nor with its capital: "about" followed by a subject, or in the middle of one ("bring about"), asks nothing of it.
    assert retriever.reader.read("What is D4 about, for drinkers?").cells == ()
    assert retriever.reader.read("Does taking D4 bring about better sleep for drinkers?").cells == ()


def test_a_question_naming_a_cell_is_answered_from_it(retriever: Retriever):
    question = "what does the alcohol matrix cell D4 say about counsellors?"
    assert retriever.reader.read(question).cells == (CellKey(ALCOHOL, "D4"),)
    hits = retriever.search(question, 5).hits
    assert hits and all(h.passage.cell.code == "D4" and h.passage.cell.matrix == ALCOHOL for h in hits)
    # Unnamed, the same words find the real B3 cell's counsellors first.
    assert retriever.search("what does the research say about counsellors?", 5).hits[0].passage.cell.code == "B3"


@pytest.mark.parametrize("code", ["B3", "D4"])
def test_what_is_cell_x_about_leads_with_xs_own_summary(retriever: Retriever, code: str):
    result = retriever.search(f"What is cell {code} about?", 5)
    assert result.relevant and result.about_the_corpus
    assert result.hits[0].passage.section == SUMMARY_SECTION and result.hits[0].passage.cell.code == code
    assert {h.passage.cell.code for h in result.hits} == {code}


def test_a_cells_title_words_name_the_corpus_when_the_question_names_that_cell(retriever: Retriever):
    query = retriever.reader.read("What is the organisational functioning; psychosocial therapies cell about?")
    assert query.cells == (CellKey(ALCOHOL, "D4"),) and query.about_the_corpus
    # A title shortened, its words in the singular: still only the corpus's words.
    query = retriever.reader.read("organisational psychosocial therapy cell summary")
    assert query.cells == (CellKey(ALCOHOL, "D4"),) and query.about_the_corpus


def test_the_apis_cell_filter_admits_a_codes_cell_in_each_matrix_and_matrix_keeps_one():
    from matrixqa.search.filters import FilterColumns, Filters

    passages = [
        SimpleNamespace(cell=SimpleNamespace(matrix=k.matrix, code=k.code), study=None, section="Reviews")
        for k in TITLES
    ]
    columns = FilterColumns.of(passages)  # type: ignore[arg-type]
    assert Filters(cells=frozenset({"B3"})).admitted(columns).tolist() == [True, True, False, False]
    assert Filters(cells=frozenset({"B3"}), matrix="alcohol").admitted(columns).tolist() == [False, True, False, False]


@pytest.mark.parametrize(
    "question",
    ["summarise alcohol D4 for a new starter", "give me an overview of alcohol D4 for the trainees joining on Monday"],
)
def test_a_request_for_a_cells_summary_put_in_words_of_the_askers_own_is_told_the_summary(
    retriever: Retriever, question: str
):
    # Words of the asker's own that find nothing in the cell would otherwise decline what was asked for; here the
    # hashing embedder knows no word's meaning, so "summarise", "starter" and "Monday" are unknown words too.
    result = retriever.search(question, 5)
    assert result.relevant and result.about_the_corpus, result.relevance
    assert result.hits[0].passage.section == SUMMARY_SECTION and result.hits[0].passage.cell.code == "D4"


@pytest.mark.parametrize(
    "question",
    [
        "summarise what alcohol D4 says about naloxone",  # a topic the cell does not treat
        "give me an overview of what alcohol D4 has on pregnancy",
    ],
)
def test_a_request_for_a_cells_summary_on_something_the_cell_lacks_is_still_declined(retriever: Retriever, question):
    result = retriever.search(question, 5)
    assert not result.relevant and not result.about_the_corpus, result.relevance
