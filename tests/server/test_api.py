import sqlite3

import pytest

PASSAGE_KEYS = {"id", "text", "score", "cell", "section", "kind", "study", "links"}


def test_search_returns_passages_in_the_documented_shape(client):
    response = client.post("/api/search", json={"question": "zebra stripes waiting room", "k": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["question"] == "zebra stripes waiting room"
    assert len(body["passages"]) == 3
    for passage in body["passages"]:
        assert PASSAGE_KEYS <= set(passage)
        assert {"matrix", "code", "title", "url"} <= set(passage["cell"])
        assert passage["kind"] in ("study", "commentary")
        assert all({"title", "url"} <= set(link) for link in passage["links"])
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3]
    assert body["relevant"] is True and body["relevance"]["evidence"] >= body["relevance"]["threshold"] > 0
    # The first place goes to the best fused score; later places also weigh novelty.
    assert body["passages"][0]["score"] == max(p["score"] for p in body["passages"])


def test_study_passages_carry_type_year_and_address(client):
    body = client.post("/api/search", json={"question": "Zebra stripes calm the waiting room", "k": 10}).get_json()
    study = next(p for p in body["passages"] if p["kind"] == "study" and p["study"]["year"] == 1971)
    assert study["study"]["type"] == "S"
    assert study["study"]["url"] == study["cell"]["url"]  # no known address: the cell page


def test_search_filters_restrict_results(client):
    body = client.post(
        "/api/search", json={"question": "waiting room", "k": 10, "filters": {"types": ["G"]}}
    ).get_json()
    assert body["passages"] and all(p["study"] and p["study"]["type"] == "G" for p in body["passages"])
    body = client.post(
        "/api/search", json={"question": "waiting room", "k": 10, "filters": {"cells": ["d4"], "year_from": 2005}}
    ).get_json()
    assert {p["study"]["year"] for p in body["passages"]} == {2011, 2020}


def test_ask_answers_with_cited_corpus_sentences(client):
    body = client.post("/api/ask", json={"question": "Why did zebra stripes halve missed appointments?"}).get_json()
    assert body["answered"] is True
    assert {"id", "question", "answered", "answer", "citations", "passages"} <= set(body)
    assert body["citations"]
    cited = {c["n"]: c for c in body["citations"]}
    for sentence, n in _marked_sentences(body["answer"]):
        assert sentence in cited[n]["passage"]["text"]


def test_ask_takes_detail(client):
    question = "Why did zebra stripes halve missed appointments?"
    short, long = (
        client.post("/api/ask", json={"question": question, "detail": detail}).get_json()
        for detail in ("short", "long")
    )
    assert short["answered"] and long["answered"]
    sentences = [sum(len(c["sentences"]) for c in body["citations"]) for body in (short, long)]
    assert (
        sentences[0] < sentences[1] and short["answer"] in long["answer"] or len(short["answer"]) < len(long["answer"])
    )
    assert client.post("/api/ask", json={"question": question}).get_json()["answer"] == short["answer"]


def test_years_the_other_way_round_search_the_years_between_them(client):
    def search(years: dict) -> list[str]:
        body = client.post("/api/search", json={"question": "counsellors", "k": 20, "filters": years}).get_json()
        return [p["id"] for p in body["passages"]]

    between = search({"year_from": 2000, "year_to": 2010})
    assert between and search({"year_from": 2010, "year_to": 2000}) == between


def test_an_answer_says_what_its_passages_were_restricted_to_as_applied(client):
    def ask(filters: dict | None) -> dict:
        return client.post("/api/ask", json={"question": "counsellors", "filters": filters}).get_json()

    sent = {"types": ["S", "K"], "cells": ["b3"], "year_from": 2010, "year_to": 1990}
    applied = {"types": ["K", "S"], "cells": ["B3"], "matrix": None, "year_from": 1990, "year_to": 2010}
    answer = ask(sent)
    assert answer["filters"] == applied
    assert answer["passages"] and all(1990 <= p["study"]["year"] <= 2010 for p in answer["passages"])
    assert ask(applied)["passages"] == answer["passages"]  # sent back, the same search
    assert ask(None)["filters"] is None and ask({})["filters"] is None


@pytest.mark.parametrize(
    "matrix, expected", [("alcohol", "Alcohol Treatment Matrix"), ("Drug Treatment Matrix", "Drug Treatment Matrix")]
)
@pytest.mark.parametrize("path", ["/api/search", "/api/ask"])
def test_the_matrix_filter_restricts_results(client, path, matrix, expected):
    question = "Do zebra stripes calm the waiting room?"
    body = client.post(path, json={"question": question, "filters": {"matrix": matrix}}).get_json()
    assert body["passages"] and {p["cell"]["matrix"] for p in body["passages"]} == {expected}


def test_a_which_study_turn_reads_the_previous_answer(client, retriever):
    # The previous answer quotes a B3 study its question never mentions: the sources come from the answer.
    quoted = next(p for p in retriever.index.passages if p.cell.code == "B3" and p.study and p.study.year == 1999)
    earlier = {"question": "Do zebra stripes calm the waiting room?", "answer": f"{quoted.sentence_texts[0]} [1]"}
    body = client.post("/api/ask", json={"question": "which study showed that?", "history": [earlier]}).get_json()
    assert body["mode"] == "source"
    assert {c["passage"]["study"]["title"] for c in body["citations"]} == {quoted.study.title}
    # Looked up, not searched: neither a fused score nor ranking evidence is claimed for them.
    assert body["passages"] and all(p["score"] is None and p["evidence"] is None for p in body["passages"])


def test_ask_with_nothing_relevant_is_not_answered(client):
    body = client.post("/api/ask", json={"question": "xylophone quantum chromodynamics"}).get_json()
    assert body["answered"] is False
    assert body["answer"] == "" and body["citations"] == []
    assert "practitioners in medical treatment (Drug Treatment Matrix)" in body["message"]
    relevance = body["relevance"]  # why: the evidence is weak, and its words are nowhere in the corpus
    assert relevance["evidence"] < relevance["threshold"]
    assert {"xylophone", "quantum"} <= set(relevance["unknown"]) and relevance["missing"] == []


def test_ask_naming_a_cell_the_corpus_lacks_lists_it_with_its_page(client):
    body = client.post("/api/ask", json={"question": "what does alcohol E5 say?"}).get_json()
    assert body["answered"] is False and body["citations"] == []
    assert body["decline"]["not_held"] == [
        {
            "matrix": "Alcohol Treatment Matrix",
            "code": "E5",
            "title": "Treatment systems; Safeguarding the community",
            "url": "https://findings.org.uk/PHP/dl.php?file=Matrix/Alcohol/E5.htm",
            "acknowledgement": "",
        }
    ]
    assert body["decline"]["elsewhere"] == [] and body["decline"]["filtered"] is None
    assert body["relevance"]["matched"] == ["the question names only cells this corpus does not hold"]


def test_ask_says_what_its_answer_rests_on(client):
    body = client.post("/api/ask", json={"question": "Why did zebra stripes halve missed appointments?"}).get_json()
    assert body["answered"] is True
    assert body["relevance"]["evidence"] >= body["relevance"]["threshold"] and body["relevance"]["missing"] == []


def test_health_reports_passages_and_manifest(client):
    body = client.get("/api/health").get_json()
    assert body["passages"] > 40
    assert body["manifest"]["model"] == "hashing"


@pytest.mark.parametrize(
    "path, payload, fragment",
    [
        ("/api/search", {}, "'question'"),
        ("/api/search", {"question": "   "}, "'question'"),
        ("/api/search", {"question": 3}, "'question'"),
        ("/api/search", {"question": "x" * 1001}, "too long"),
        ("/api/search", {"question": "x", "k": 0}, "'k'"),
        ("/api/search", {"question": "x", "k": "5"}, "'k'"),
        ("/api/search", {"question": "x", "filters": {"types": ["Z"]}}, "types"),
        ("/api/search", {"question": "x", "filters": {"colour": 1}}, "unknown filter"),
        ("/api/ask", {"question": "x", "history": "no"}, "'history'"),
        ("/api/ask", {"question": "x", "history": [{"answer": "a"}]}, "'history[0].question' is required"),
        ("/api/ask", {"question": "x", "detail": "huge"}, "'detail'"),
        ("/api/feedback", {"id": "a", "helpful": "yes"}, "'helpful'"),
    ],
)
def test_bad_input_is_a_400_that_says_what_to_fix(client, path, payload, fragment):
    response = client.post(path, json=payload)
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]


@pytest.mark.parametrize(
    "path, payload, unknown",
    [
        ("/api/ask", {"question": "zebra stripes", "k": 3}, "k"),
        ("/api/search", {"question": "zebra stripes", "filter": {"types": ["S"]}}, "filter"),
        ("/api/search", {"question": "zebra stripes", "filters": {"year": 2010}}, "year"),
        ("/api/ask", {"question": "and why?", "history": [{"question": "q", "answer": "a", "id": "x"}]}, "id"),
        ("/api/feedback", {"id": "a", "helpful": True, "rating": 5}, "rating"),
    ],
)
def test_a_field_the_schema_does_not_name_is_a_400_naming_it(client, path, payload, unknown):
    response = client.post(path, json=payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error.startswith("unknown ") and repr(unknown) in error


def test_whole_numbers_are_strict_but_json_integers(client):
    assert client.post("/api/search", json={"question": "zebra", "k": 2.0}).status_code == 200
    for k in (True, 2.5, "2"):
        assert client.post("/api/search", json={"question": "zebra", "k": k}).status_code == 400


@pytest.mark.parametrize(
    "path, payload, message",
    [
        ("/api/ask", {"question": "x", "k": 3}, "unknown field 'k': send only question, detail, history, filters"),
        (
            "/api/search",
            {"question": "x", "filters": {"year": 1}},
            "unknown filter 'year': send only types, cells, matrix, year_from, year_to",
        ),
        (
            "/api/ask",
            {"question": "x", "history": [{"question": "q", "id": 1}]},
            "unknown field 'id': send only question, answer",
        ),
        ("/api/search", {"question": ""}, "'question' must be a non-empty string"),
        ("/api/search", {"question": " \t "}, "'question' must be a non-empty string"),
        ("/api/search", {"question": "x" * 1001}, "'question' is too long: at most 1000 characters"),
        ("/api/search", {"k": 3}, "'question' is required"),
        ("/api/search", {"question": "x", "k": 51}, "'k': input should be less than or equal to 50"),
        (
            "/api/search",
            {"question": "x", "filters": {"types": ["Z"]}},
            "'filters.types[0]': input should be 'S', 'K', 'R', 'G' or 'commentary'",
        ),
        (
            "/api/ask",
            {"question": "x", "history": [{"question": "q"}] * 21},
            "'history' holds too many items: at most 20",
        ),
        ("/api/feedback", {"id": "", "helpful": True}, "'id' must be a non-empty string"),
    ],
)
def test_each_kind_of_mistake_has_its_own_message(client, path, payload, message):
    assert client.post(path, json=payload).get_json() == {"error": message}


@pytest.mark.parametrize(
    "question", ["\u2028\u2029", "\u200b\u200b", "\u00a0\u3000", "\ufeff\u200e", "\x00\x1f", "\U000e0020"]
)
@pytest.mark.parametrize("path", ["/api/search", "/api/ask"])
def test_a_question_of_characters_that_show_nothing_is_refused_and_not_logged(client, config, path, question):
    response = client.post(path, json={"question": question})
    assert response.get_json() == {"error": "'question' must be a non-empty string"}
    if config.log_db.exists():
        assert sqlite3.connect(config.log_db).execute("SELECT * FROM questions").fetchall() == []


def test_characters_that_show_nothing_around_a_question_are_dropped(client):
    body = client.post("/api/ask", json={"question": "\u200b\u2028zebra stripes\u00a0\ufeff"}).get_json()
    assert body["question"] == "zebra stripes" and body["answered"]


def test_non_json_bodies_are_refused_clearly(client):
    response = client.post("/api/search", data="question=hi", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]
    response = client.post("/api/ask", data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400


def test_unknown_api_path_and_wrong_method_are_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and "no such endpoint" in response.get_json()["error"]
    response = client.get("/api/search")
    assert response.status_code == 405 and "not allowed" in response.get_json()["error"]


def test_page_is_served(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<html" in response.data.lower()


def _marked_sentences(answer: str):
    import re

    for match in re.finditer(r"(.+?) \[(\d+)\](?: |$)", answer):
        yield match[1].strip(), int(match[2])


def test_the_reading_names_the_parts_of_a_question_joining_two_asks(client):
    # search/parts.py: each part is searched too; the inspector shows them.
    question = "Do methadone patients do better with a good prescriber, and does the waiting room matter?"
    body = client.post("/api/ask", json={"question": question}).get_json()
    assert body["reading"]["parts"] == [
        "Do methadone patients do better with a good prescriber",
        "does the waiting room matter?",
    ]
    one = client.post("/api/ask", json={"question": "Why did zebra stripes halve missed appointments?"}).get_json()
    assert one["reading"]["parts"] == []
