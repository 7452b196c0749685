"""The real all-MiniLM-L6-v2 model over the committed index of the bundled corpus."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from matrixqa.index.store import read_manifest
from matrixqa.ingest.corpus import corpus_fingerprint

from .conftest import REAL_CORPUS, REAL_INDEX

pytestmark = pytest.mark.model


def test_committed_index_matches_the_bundled_corpus():
    assert read_manifest(REAL_INDEX)["corpus_fingerprint"] == corpus_fingerprint(REAL_CORPUS)


class _ThreadRecordingModel:
    """The real model, noting which thread runs each batch."""

    def __init__(self, encode):
        self.encode, self.threads = encode, set()

    def __call__(self, texts):
        self.threads.add(threading.get_ident())
        return self.encode(texts)


def test_the_model_runs_on_one_thread_whichever_threads_ask(real_retriever):
    real = real_retriever.embedder
    recording = _ThreadRecordingModel(real.encode)
    embedder = replace(real, encode=recording)  # a model thread of its own, the same weights
    questions = [f"does supervised dosing harm relationships? ({n})" for n in range(12)]
    alone = embedder.embed(questions)
    with ThreadPoolExecutor(6) as callers:
        together = np.vstack(list(callers.map(lambda q: embedder.embed([q]), questions)))
    assert len(recording.threads) == 1
    assert threading.get_ident() not in recording.threads
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_supervised_dosing_question_is_answered_from_the_supervision_passages(real_client):
    body = real_client.post("/api/ask", json={"question": "does supervised dosing harm relationships?"}).get_json()
    assert body["answered"] is True
    texts = " ".join(c["passage"]["text"] for c in body["citations"])
    assert re.search(r"supervis", texts, re.I)
    assert all(c["passage"]["cell"]["code"] == "B3" for c in body["citations"])
    for n in re.findall(r"\[(\d+)\]", body["answer"]):
        assert any(c["n"] == int(n) for c in body["citations"])


@pytest.mark.parametrize(
    "question",
    [
        "Who won the football world cup?",
        "How do I bake sourdough bread?",
        # Names the corpus's subject, asks what it never treats: the word it rests on is nowhere in it.
        "What is the half-life of methadone?",
        "How does naloxone reverse an overdose?",
        "Does methadone cause QT prolongation?",
        "How quickly should methadone be tapered during pregnancy?",
    ],
)
def test_questions_outside_the_corpus_are_not_answered(real_client, question):
    body = real_client.post("/api/ask", json={"question": question}).get_json()
    assert body["answered"] is False


def test_search_puts_the_urine_testing_guidance_first(real_retriever):
    result = real_retriever.search("What do UK guidelines say about urine tests?", 3)
    assert result.relevant
    assert "urine testing" in result.hits[0].passage.text


EXTRA_QUESTIONS = [
    "is being watched at the chemist bad for patients?",
    "Do doctors use supervision as a punishment?",
    "Why does the relationship with the prescriber matter for dosing?",
    "Are some counsellors better than others?",
    "What should GPs know about treating drug users?",
    "Is observed urine collection humiliating?",
    "How long should patients be supervised when starting methadone?",
    "Do former addicts make better clinicians?",
    "What is a whole-person approach?",
    "Does the doctor's attitude affect stigma?",
]


def _dev_questions():
    import json

    from .conftest import QUESTION_SETS

    return [
        json.loads(line)["question"] for path in QUESTION_SETS for line in path.read_text().splitlines() if line.strip()
    ]


def test_answers_contain_only_sentences_of_the_cited_passages(real_client):
    questions = _dev_questions() + EXTRA_QUESTIONS
    assert len(questions) >= 10
    answered = 0
    for question in questions:
        for detail in ("short", "long"):
            body = real_client.post("/api/ask", json={"question": question, "detail": detail}).get_json()
            cited = {c["n"]: c["passage"]["text"] for c in body["citations"]}
            pairs = re.findall(r"(.+?) \[(\d+)\](?: |$)", body["answer"])
            assert "".join(f"{s} [{n}] " for s, n in pairs).strip() == body["answer"]
            for sentence, n in pairs:
                assert sentence.strip() in cited[int(n)], (question, sentence)
            answered += body["answered"]
    assert answered >= len(questions)  # most are answerable; each counted twice


def test_follow_up_on_urine_tests_is_answered_from_the_urine_testing_passage(real_client):
    first = real_client.post("/api/ask", json={"question": "does supervised dosing harm relationships?"}).get_json()
    history = [{"question": first["question"], "answer": first["answer"]}]
    body = real_client.post("/api/ask", json={"question": "and what about urine tests?", "history": history}).get_json()
    assert body["answered"] and body["mode"] == "follow_up"
    assert "urine" in body["citations"][0]["passage"]["text"]


def test_which_study_showed_that_cites_a_study(real_client):
    question = "How did patients in France describe their relationship with their doctor?"
    first = real_client.post("/api/ask", json={"question": question}).get_json()
    history = [{"question": question, "answer": first["answer"]}]
    body = real_client.post("/api/ask", json={"question": "which study showed that?", "history": history}).get_json()
    assert body["answered"] and body["mode"] == "source"
    assert body["relevance"] is None  # nothing was searched: the sources of the previous answer were looked up
    assert all(c["passage"]["kind"] == "study" for c in body["citations"])
    assert any(c["passage"]["study"]["year"] == 2007 for c in body["citations"])


def test_stand_alone_question_is_not_dragged_off_by_history(real_client):
    history = [{"question": "does supervised dosing harm relationships?", "answer": "x"}]
    alone = real_client.post(
        "/api/ask", json={"question": "What do the Royal Colleges say doctors should be able to do?"}
    ).get_json()
    body = real_client.post(
        "/api/ask",
        json={"question": "What do the Royal Colleges say doctors should be able to do?", "history": history},
    ).get_json()
    assert body["mode"] == "standalone"
    assert [c["passage"]["id"] for c in body["citations"]] == [c["passage"]["id"] for c in alone["citations"]]


@pytest.mark.parametrize(
    "question",
    [
        "why are urine tests seen as distrust",
        "what makes a good keyworker",
        "Does the doctor's attitude affect stigma?",
        # Covered subjects asked in a word the corpus never uses ("compulsory", "empathy", "downsides").
        "Can compulsory urine screening damage trust?",
        "Does a clinician's empathy influence outcomes in opiate treatment?",
        "What are the downsides of supervised consumption for patients?",
        "Are clinicians interchangeable in opioid substitution treatment?",
    ],
)
def test_paraphrased_questions_on_covered_subjects_are_answered(real_client, question):
    body = real_client.post("/api/search", json={"question": question}).get_json()
    assert body["relevant"] is True, body["relevance"]


def test_a_question_naming_an_author_finds_the_study_and_its_discussion(real_client):
    body = real_client.post("/api/search", json={"question": "What did McLellan find about counsellors?"}).get_json()
    top = body["passages"][:5]
    entry = next(p for p in top if p["study"] and p["study"]["year"] == 1988)
    assert any(p["section"] == "Highlighted study" for p in top)
    assert entry["study"]["authors"].startswith("McLellan AT") and entry["study"]["journal"].startswith("J Nerv")
    assert entry["study"]["publication_url"] == "https://pubmed.ncbi.nlm.nih.gov/3411312/"
    kinds = [(link["kind"], link["url"]) for link in entry["links"]]
    assert kinds[:2] == [
        ("analysis", "https://findings.org.uk/PHP/dl.php?file=McLellan_AT_10.txt"),
        ("publication", "https://pubmed.ncbi.nlm.nih.gov/3411312/"),
    ]


def test_chat_usage_is_counted_by_the_models_own_tokenizer(real_client):
    from tokenizers import Tokenizer

    from matrixqa.index.embed import DEFAULT_MODEL, resolve_model_path

    tokenizer = Tokenizer.from_file(str(resolve_model_path(DEFAULT_MODEL) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()  # tokenizer.json pads to 128

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    system = "Quote the evidence on methadone maintenance and its supervision. " * 40  # past the model's 256
    question = "does supervised dosing harm relationships?"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    body = real_client.post("/v1/chat/completions", json={"model": "matrixqa", "messages": messages}).get_json()
    usage, content = body["usage"], body["choices"][0]["message"]["content"]
    assert usage["prompt_tokens"] == count(system) + count(question) > 256
    assert usage["completion_tokens"] == count(content) > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
