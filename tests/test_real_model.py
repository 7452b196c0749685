"""The real all-MiniLM-L6-v2 model over the committed index of the bundled corpus."""

import re

import pytest

from matrixqa.corpus import corpus_fingerprint
from matrixqa.index import read_manifest

from .conftest import REAL_CORPUS, REAL_INDEX

pytestmark = pytest.mark.model


def test_committed_index_matches_the_bundled_corpus():
    assert read_manifest(REAL_INDEX)["corpus_fingerprint"] == corpus_fingerprint(REAL_CORPUS)


def test_supervised_dosing_question_is_answered_from_the_supervision_passages(real_client):
    body = real_client.post("/api/ask", json={"question": "does supervised dosing harm relationships?"}).get_json()
    assert body["answered"] is True
    texts = " ".join(c["passage"]["text"] for c in body["citations"])
    assert re.search(r"supervis", texts, re.I)
    assert all(c["passage"]["cell"]["code"] == "B3" for c in body["citations"])
    for n in re.findall(r"\[(\d+)\]", body["answer"]):
        assert any(c["n"] == int(n) for c in body["citations"])


@pytest.mark.parametrize("question", ["Who won the football world cup?", "How do I bake sourdough bread?"])
def test_questions_outside_the_corpus_are_not_answered(real_client, question):
    body = real_client.post("/api/ask", json={"question": question}).get_json()
    assert body["answered"] is False


def test_search_puts_the_urine_testing_guidance_first(real_retriever):
    result = real_retriever.search("What do UK guidelines say about urine tests?", 3)
    assert result.relevant
    assert "urine testing" in result.hits[0].passage.text
