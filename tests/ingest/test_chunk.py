import json
from dataclasses import replace

from matrixqa.ingest.cell import Link, Paragraph, StudyType
from matrixqa.ingest.chunk import (
    CREDITS_SECTION,
    MAX_WORDS,
    Passage,
    chunk_cell,
    sentence_spans,
    split_long,
    unquotable,
    without_reference_numbers,
)
from matrixqa.ingest.corpus import load_cell
from matrixqa.ingest.crossrefs import cell_links
from tests.conftest import FAKE_CELL, REAL_CORPUS


def test_each_study_entry_is_its_own_passage():
    cell = load_cell(REAL_CORPUS / "drug-B3.txt")
    passages = chunk_cell(cell)
    studies = [p for p in passages if p.kind == "study"]
    assert len(studies) == len(cell.studies) == 13
    assert studies[0].study.url == "https://findings.org.uk/PHP/dl.php?file=McLellan_AT_10.txt"
    # An entry with no known address links to its cell page, never to a guessed one.
    assert studies[1].study.url == cell.url
    assert all(p.text in (s.text for s in cell.studies) for p in studies)


def test_a_study_entry_sits_under_its_types_heading_and_keeps_its_type_through_the_index():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    studies = [p for p in passages if p.kind == "study"]
    assert {p.section for p in studies} == {"Seminal studies", "Key studies", "Reviews", "Guidance"}
    assert all(p.section == p.study.type.plural for p in studies)
    stored = [Passage.from_dict(json.loads(json.dumps(p.to_dict()))) for p in studies]  # as the index writes them
    assert stored == studies
    assert all(isinstance(p.study.type, StudyType) for p in stored)
    assert stored[0].study.type.label == "Seminal study"


def test_commentary_never_crosses_sections():
    cell = load_cell(REAL_CORPUS / "drug-B3.txt")
    passages = [p for p in chunk_cell(cell) if p.kind == "commentary" and p.section != "About this cell"]
    credits = [p for p in passages if p.section == CREDITS_SECTION]
    assert [p.text for p in credits] == [cell.credits]  # the closing thanks: a passage of its own, last
    assert passages[-1] == credits[0]
    for passage in passages[:-1]:
        section = next(s for s in cell.sections if s.label == passage.section)
        assert any(passage.text in without_reference_numbers(paragraph).text for paragraph in section.paragraphs)
        assert len(passage.text.split()) <= MAX_WORDS


def test_ids_are_stable_and_unique():
    first = [p.id for p in chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))]
    second = [p.id for p in chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(i.startswith("drug-B3-") for i in first)


def test_long_paragraph_splits_between_sentences_into_even_parts():
    sentence = "Patients stayed longer when staff were warm and the clinic was well organised. "
    paragraph = (sentence * 20).strip()
    parts = split_long(paragraph, max_words=60)
    assert len(parts) == 5  # 280 words at most 60 a part: five parts of four sentences
    assert all(part.count(".") == 4 for part in parts)
    assert " ".join(parts) == paragraph
    assert all(part.endswith(".") for part in parts)


def test_sentence_spans_quote_the_text_verbatim():
    text = "Dose matters (eg, in the USA). But “relationships matter too.” Really? Yes."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Dose matters (eg, in the USA).",
        "But “relationships matter too.”",
        "Really?",
        "Yes.",
    ]


def test_commentary_refers_to_the_study_it_discusses():
    passages = chunk_cell(load_cell(FAKE_CELL))
    highlighted = next(p for p in passages if p.section == "Highlighted study")
    assert [s.title for s in highlighted.refers_to] == ["Zebra stripes calm the waiting room"]
    assert highlighted.links[0]["title"] == "Zebra stripes calm the waiting room"
    assert highlighted.links[-1]["url"].endswith("Matrix/Alcohol/D4.htm")
    unrelated = next(p for p in passages if p.section == "What is this cell about?")
    assert unrelated.refers_to == ()


def test_navigation_and_cross_reference_sentences_are_never_quotable():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    marked = {p.sentence_texts[i] for p in passages for i in p.unquotable}
    assert "Related study below." in marked and "Related study above." in marked
    assert "One of the three was the study below." in marked
    assert "More on the importance of not doing the wrong things in cell B2." in marked
    assert any(s.startswith("Unfold") for s in marked)
    assert all(p.quotable(i) == (p.sentence_texts[i] not in marked) for p in passages for i in range(len(p.sentences)))
    for sentence in ("See the rest of row 1 of the matrix for more on harm reduction.", "For discussion click here."):
        assert unquotable(sentence)
    assert unquotable("(1985).")  # a title's year split off as a sentence says nothing
    assert not unquotable("Supervision also entails near-daily attendance at the prescribing clinic or pharmacy.")


def test_reference_number_runs_are_not_left_as_bare_numbers():
    link = Link("here", "https://example.org/", 44, 48)
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    text = " ".join(p.text for p in passages)
    assert "(1 2" not in text
    assert "more extended supervision is generally unpopular. Doctors know" in text
    cleaned = without_reference_numbers(Paragraph("health (1 2) generally, in 2007 (2007) here", (link,)))
    assert cleaned.text == "health generally, in 2007 (2007) here"
    assert cleaned.links == (Link("here", "https://example.org/", 38, 42),)  # moved back with its anchor


def _sentence(passages: list[Passage], opening: str) -> tuple[Passage, int]:
    found = [(p, i) for p in passages for i, s in enumerate(p.sentence_texts) if s.startswith(opening)]
    assert len(found) == 1, opening
    return found[0]


def test_sentences_that_lean_on_the_one_before_are_marked_where_passages_are_made():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    for opening in [
        "If relationships are as important, then",  # as important as the dose, in the sentence before
        "The interaction might work the other way too",
        "Both (see for example an evaluation of supervision)",
        "This makes it difficult to be confident",
        "Even when they seem to be all there is",
        "The first three were characterised",
        "The authors speculated that this enabled them",
    ]:
        passage, offset = _sentence(passages, opening)
        assert offset in passage.leans, opening
        assert passage.with_context(offset)[-2:] == [offset - 1, offset], opening
    for opening in [
        "Sufficient dosing is one of the most solidly established",
        "Supervision also forces the patient",
        "Current UK clinical guidelines acknowledge",
        "How long supervision lasts should",
    ]:
        passage, offset = _sentence(passages, opening)
        assert offset not in passage.leans and passage.with_context(offset) == [offset], opening


def test_a_sentence_leaning_on_the_passage_before_or_on_an_unquotable_one_is_never_quoted():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    passage, offset = _sentence(passages, "It may, however, be false to ask")
    assert offset == 0 and offset in passage.leans and passage.with_context(0) == []
    for passage in passages:
        for offset in range(len(passage.sentences)):
            chain = passage.with_context(offset)
            assert not chain or (chain[0] not in passage.leans and all(passage.quotable(i) for i in chain))
    stored = [Passage.from_dict(json.loads(json.dumps(p.to_dict()))) for p in passages]
    assert [p.leans for p in stored] == [p.leans for p in passages]


def test_a_passage_stands_alone_when_some_sentence_may_be_quoted_from_it_alone():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    leaning, _ = _sentence(passages, "This was one small")  # every sentence leans back, the first on the passage before
    assert set(leaning.leans) == set(range(len(leaning.sentences))) and not leaning.stands_alone()
    opening, _ = _sentence(passages, "It may, however, be false to ask")  # leans on the passage before, then stands
    assert opening.stands_alone()
    unquoted = replace(opening, unquotable=tuple(range(len(opening.sentences))))
    assert not unquoted.stands_alone()


def test_a_passage_pointing_to_another_cell_links_to_it_by_the_sites_address_pattern():
    passages = chunk_cell(load_cell(REAL_CORPUS / "drug-B3.txt"))
    links = {link.text: link.url for p in passages for link in p.text_links}
    site = "https://findings.org.uk/PHP/dl.php?file=Matrix/Drugs/"
    assert links["the cell dealing generically with practitioner influences"] == f"{site}B2.htm"
    assert links["cell B2"] == f"{site}B2.htm" and links["cell A2"] == f"{site}A2.htm"
    start = next(p for p in passages if p.text.startswith("Relevant specifically medical studies are few"))
    assert {
        "title": "the cell dealing generically with practitioner influences",
        "url": f"{site}B2.htm",
        "kind": "in text",
    } in start.links
    for passage in passages:
        for link in passage.text_links:
            assert passage.text[link.start : link.end] == link.text


def test_no_cell_address_is_guessed_without_the_sites_pattern_or_from_words_naming_several_cells():
    cell = load_cell(REAL_CORPUS / "drug-B3.txt")
    elsewhere = replace(cell, url="https://example.org/b3-copy")
    assert not any(p.text_links for p in chunk_cell(elsewhere))
    assert cell_links("turn to the cell dealing with practitioners", cell) == ()  # five cells are practitioners'
    assert cell_links("see the cell dealing generically with practitioner influences", cell)
