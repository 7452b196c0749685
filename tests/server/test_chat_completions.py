"""The OpenAI-compatible endpoint, driven by the official openai client against a running server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterator

import openai
import pytest

from matrixqa.errors import BadRequest
from matrixqa.server.app import create_app
from matrixqa.server.chat_completions import ChatRequest, answer_part, error_type, message_content, source_line

from ..conftest import live_server

ANSWERED = "Why did zebra stripes halve missed appointments?"
NOT_COVERED = "xylophone quantum chromodynamics"


@pytest.fixture
def base_url(app):
    with live_server(app) as url:
        yield url


@pytest.fixture
def chat(base_url) -> Iterator[openai.OpenAI]:
    with client_of(base_url) as chat:  # closed first, so the server has no open connection to wait for
        yield chat


def client_of(base_url: str) -> openai.OpenAI:
    # Any key: matrixqa asks for none, but the client insists on one.
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)


def ask(chat: openai.OpenAI, *messages: dict, model: str = "matrixqa", **options):
    return chat.chat.completions.create(model=model, messages=list(messages), **options)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def streamed(chat: openai.OpenAI, *messages: dict, **options) -> tuple[str, list]:
    chunks = list(chat.chat.completions.create(model="matrixqa", messages=list(messages), stream=True, **options))
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks


def test_models_lists_matrixqa(chat):
    assert [m.id for m in chat.models.list()] == ["matrixqa"]


def test_an_answer_keeps_its_markers_and_lists_its_sources(chat, client):
    completion = ask(chat, user(ANSWERED))
    assert completion.object == "chat.completion" and completion.model == "matrixqa"
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    content = choice.message.content
    body, sources = content.split("\n\nSources:\n")
    citations = completion.model_extra["citations"]
    assert completion.model_extra["answered"] is True and citations
    # Every marked sentence is verbatim in the passage its number cites, and every number has a source line.
    cited = {c["n"]: c["passage"] for c in citations}
    marked = list(re.finditer(r"([^\]]+?) \[(\d+)\]", body.split("\n\n", 1)[1]))
    assert marked
    for match in marked:
        assert match[1].strip() in cited[int(match[2])]["text"]
    assert [line.split("]")[0] + "]" for line in sources.splitlines()] == [f"[{n}]" for n in sorted(cited)]
    for line, n in zip(sources.splitlines(), sorted(cited), strict=True):
        passage = cited[n]
        assert all(link["url"] in line for link in passage["links"])
        cell = passage["cell"]
        assert f"{cell['matrix']} cell {cell['code']}: {cell['title']}" in line
        if passage["study"]:
            assert line.startswith(f"[{n}] {passage['study']['title']}")
    # The same answer as /api/ask gives.
    api = client.post("/api/ask", json={"question": ANSWERED}).get_json()
    assert api["answer"] in content and api["lead"] in content


def test_the_model_name_is_echoed(chat):
    assert ask(chat, user(ANSWERED), model="matrixqa-helpdesk").model == "matrixqa-helpdesk"


def test_declining_is_an_ordinary_message_saying_what_the_corpus_covers(chat):
    completion = ask(chat, user(NOT_COVERED))
    content = completion.choices[0].message.content
    assert completion.model_extra["answered"] is False and completion.model_extra["citations"] == []
    assert "does not cover" in content and "practitioners in medical treatment (Drug Treatment Matrix)" in content
    assert "[1]" not in content and completion.choices[0].finish_reason == "stop"
    # With the questions it can answer, as the page offers them.
    suggestions = content.split("\n\nYou could ask:\n- ")[1].split("\n- ")
    assert suggestions and all(s.strip() for s in suggestions)


def test_a_streamed_answer_equals_the_plain_one(chat):
    for question in (ANSWERED, NOT_COVERED):
        plain = ask(chat, user(question))
        text, chunks = streamed(chat, user(question))
        assert text == plain.choices[0].message.content
        assert len(chunks) > 3 and all(c.object == "chat.completion.chunk" for c in chunks)
        assert chunks[0].choices[0].delta.role == "assistant"
        assert (
            [c.choices[0].finish_reason for c in chunks].count("stop")
            == 1
            == (chunks[-1].choices[0].finish_reason == "stop")
        )
        assert (
            len({c.id for c in chunks}) == 1 and chunks[-1].model_extra["citations"] == plain.model_extra["citations"]
        )


def test_earlier_turns_are_the_history(chat, client):
    first = ask(chat, user("What did the zebra stripes study find?"))
    previous = first.choices[0].message.content
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        user("What did the zebra stripes study find?"),
        {"role": "assistant", "content": previous},
        user("which study showed that?"),
    ]
    completion = ask(chat, *messages)
    # As /api/ask with the earlier answer (without its sources list) as history: a "which study?" turn.
    api = client.post(
        "/api/ask",
        json={
            "question": "which study showed that?",
            "history": [
                {"question": "What did the zebra stripes study find?", "answer": previous.split("\n\nSources:\n")[0]}
            ],
        },
    ).get_json()
    assert api["mode"] == "source"
    assert [c["passage"]["id"] for c in completion.model_extra["citations"]] == [
        c["passage"]["id"] for c in api["citations"]
    ]
    text, _ = streamed(chat, *messages)
    assert text == completion.choices[0].message.content


def test_a_short_follow_up_is_searched_with_the_conversations_subject_as_by_api_ask(chat, client):
    first = "Do stripes distract clients?"
    previous = ask(chat, user(first)).choices[0].message.content
    completion = ask(chat, user(first), {"role": "assistant", "content": previous}, user("why?"))
    history = [{"question": first, "answer": previous.split("\n\nSources:\n")[0]}]
    api = client.post("/api/ask", json={"question": "why?", "history": history}).get_json()
    assert api["mode"] == "follow_up" and api["searched_for"] == f"why? {first}"
    assert [c["passage"]["id"] for c in completion.model_extra["citations"]] == [
        c["passage"]["id"] for c in api["citations"]
    ]
    alone = client.post("/api/ask", json={"question": "why?"}).get_json()
    assert alone["searched_for"] == "why?" and alone["citations"] != api["citations"]


def test_tell_me_more_through_the_chat_history_quotes_none_of_the_earlier_answer(chat, client):
    first = "does supervised dosing harm relationships with keyworkers?"
    previous = ask(chat, user(first)).choices[0].message.content
    more = ask(chat, user(first), {"role": "assistant", "content": previous}, user("tell me more"))
    said = client.post("/api/ask", json={"question": first}).get_json()["answer"]
    quoted = {s.strip() for s in re.split(r"\s*\[\d+\]\s*", said) if s.strip()}
    assert quoted and not any(sentence in more.choices[0].message.content for sentence in quoted)


def test_detail_and_filters_are_taken_as_by_api_ask(chat, client):
    question = ANSWERED
    plain = ask(chat, user(question)).choices[0].message.content
    for options in ({"detail": "long"}, {"filters": {"matrix": "alcohol"}}, {"filters": {"matrix": "drug"}}):
        completion = ask(chat, user(question), extra_body=options)
        api = client.post("/api/ask", json={"question": question, **options}).get_json()
        assert completion.model_extra["answered"] == api["answered"]
        assert completion.model_extra["citations"] == api["citations"]
        assert (api["answer"] or api["message"]) in completion.choices[0].message.content
    # The zebra-stripes study is in the (fake) alcohol cell: with the drug matrix only, nothing answers.
    assert ask(chat, user(question), extra_body={"filters": {"matrix": "drug"}}).model_extra["answered"] is False
    assert ask(chat, user(question), extra_body={"detail": "long"}).choices[0].message.content != plain


def test_content_as_text_parts_is_read(chat):
    parts = {
        "role": "user",
        "content": [
            {"type": "text", "text": "Why did zebra stripes "},
            {"type": "text", "text": "halve missed appointments?"},
        ],
    }
    assert ask(chat, parts).choices[0].message.content == ask(chat, user(ANSWERED)).choices[0].message.content


@pytest.mark.parametrize(
    "messages, options, fragment",
    [
        ([user("   ")], {}, "'messages[0].content' must be a non-empty string"),
        ([user("\u200b\u2028")], {}, "'messages[0].content' must be a non-empty string"),
        ([{"role": "user"}], {}, "'messages[0].content' is required"),
        ([{"role": "assistant", "content": "hello"}], {}, "'messages' must hold a user message"),
        ([{"role": "tool", "content": "x"}], {}, "'messages[0]': 'role' must be one of"),
        ([{"content": "x"}], {}, "'messages[0]' needs a 'role'"),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}],
            {},
            "'messages[0].content[0].type': input should be 'text'",
        ),
        ([{"role": "user", "content": [{"type": "text", "text": "x" * 600}] * 2}], {}, "too long: at most 1000"),
        ([user("x")], {"n": 2}, "'n'"),
        ([user("x")], {"temperature": 5}, "'temperature': input should be less than or equal to 2"),
        ([user("x")], {"temperature": -1}, "'temperature': input should be greater than or equal to 0"),
        ([user("x")], {"top_p": 7}, "'top_p': input should be less than or equal to 1"),
        ([user("x")], {"max_tokens": -5}, "'max_tokens': input should be greater than or equal to 1"),
        ([user("x")], {"max_tokens": 0}, "'max_tokens': input should be greater than or equal to 1"),
        ([user("x")], {"max_completion_tokens": 0}, "'max_completion_tokens': input should be greater than"),
        ([user("x")], {"presence_penalty": 2.5}, "'presence_penalty': input should be less than or equal to 2"),
        ([user("x")], {"frequency_penalty": -3}, "'frequency_penalty': input should be greater than or equal to -2"),
        ([user("x")], {"stop": ["a", "b", "c", "d", "e"]}, "'stop' holds too many items: at most 4"),
        ([user("x")], {"extra_body": {"colour": "red"}}, "unknown field 'colour'"),
        (
            [{"role": "user", "content": [{"type": "text", "text": "x", "colour": "red"}]}],
            {},
            "unknown field 'colour': send only type, text",  # the fields of the part, not of the message
        ),
    ],
)
def test_bad_requests_are_400s_in_the_openai_error_shape(chat, messages, options, fragment):
    with pytest.raises(openai.BadRequestError) as caught:
        ask(chat, *messages, **options)
    error = caught.value.body
    assert fragment in error["message"] and error["type"] == "invalid_request_error"
    assert caught.value.status_code == 400


def test_options_within_openais_bounds_are_accepted(chat):
    bounds = dict(temperature=0, top_p=1, max_tokens=1, presence_penalty=-2, frequency_penalty=2, stop=["a"] * 4)
    for options in (bounds, dict(temperature=2, top_p=0, max_completion_tokens=1, seed=7, stop="x")):
        assert (
            ask(chat, user(ANSWERED), **options).choices[0].message.content
            == ask(chat, user(ANSWERED)).choices[0].message.content
        )


def test_the_question_is_the_last_user_message_whatever_follows(chat):
    trailing = ask(chat, user(ANSWERED), {"role": "assistant", "content": "an earlier reply"})
    assert trailing.choices[0].message.content == ask(chat, user(ANSWERED)).choices[0].message.content


def tokens(text: str) -> int:
    return len(re.findall(r"\w+", text))  # the hashing embedder's tokenizer: its words


def test_usage_counts_the_messages_and_the_reply_by_the_models_tokenizer(chat):
    messages = [{"role": "system", "content": "Answer briefly."}, user("What did the zebra stripes study find?")]
    completion = ask(chat, *messages)
    usage = completion.usage
    assert usage.prompt_tokens == tokens("Answer briefly.") + tokens("What did the zebra stripes study find?")
    assert usage.completion_tokens == tokens(completion.choices[0].message.content) > 10
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_stream_ends_with_the_usage_when_asked(chat):
    plain = ask(chat, user(ANSWERED)).usage
    text, chunks = streamed(chat, user(ANSWERED), stream_options={"include_usage": True})
    *answer, last = chunks
    assert last.choices == [] and last.usage == plain and all(c.usage is None for c in answer)
    assert answer[-1].choices[0].finish_reason == "stop" and tokens(text) == plain.completion_tokens
    _, without = streamed(chat, user(ANSWERED))
    assert all(c.usage is None and c.choices for c in without)


def test_unknown_v1_path_is_a_404_in_the_openai_error_shape(chat):
    with pytest.raises(openai.NotFoundError) as caught:
        chat.completions.create(model="matrixqa", prompt="hi")
    assert "no such endpoint" in caught.value.body["message"]


def test_rate_limit_and_body_limit_as_for_ask(config, tmp_path):
    limited = create_app(config.model_copy(update=dict(rate_limit="2/minute")))
    with live_server(limited) as url, client_of(url) as chat:
        ask(chat, user(ANSWERED))
        ask(chat, user(ANSWERED))
        with pytest.raises(openai.RateLimitError) as caught:
            ask(chat, user(ANSWERED))
        assert "too many questions" in caught.value.body["message"]
        assert caught.value.body["type"] == "rate_limit_error"
        assert int(caught.value.response.headers["Retry-After"]) >= 1
    with live_server(create_app(config)) as url, client_of(url) as chat:
        with pytest.raises(openai.APIStatusError) as caught:
            ask(chat, user(ANSWERED), extra_body={"user": "x" * 70_000})
        assert caught.value.status_code == 413 and "too large" in caught.value.body["message"]


def test_chat_questions_are_logged_and_take_feedback(chat, client, config):
    completion = ask(chat, user(ANSWERED))
    answer_id = completion.id.removeprefix("chatcmpl-")
    with sqlite3.connect(config.log_db) as db:
        assert db.execute("SELECT question FROM questions WHERE id = ?", (answer_id,)).fetchone() == (ANSWERED,)
    assert client.post("/api/feedback", json={"id": answer_id, "helpful": True}).status_code == 201


def test_a_source_line_names_the_study_or_the_commentary_and_every_link(retriever):
    passages = retriever.index.passages
    commentary = next(p for p in passages if p.study is None)
    assert source_line(commentary).startswith(f"Commentary. {commentary.cell.label}, {commentary.section}. ")
    study = next(p for p in passages if p.study and p.study.year and len(p.links) >= 2)
    line = source_line(study)
    assert line.startswith(f"{study.study.title} ({study.study.year}). ")
    assert line.endswith(". " + " ".join(link["url"] for link in study.links))
    undated = dataclasses.replace(study, study=dataclasses.replace(study.study, year=None))
    assert source_line(undated).startswith(f"{study.study.title}. ")


def test_an_earlier_answer_is_read_up_to_its_first_sources_list():
    quoted = "Supervision also forces the patient into a stigmatising position. [1]"
    assert answer_part(f"{quoted}\n\nSources:\n[1] A study.\n\nSources:\nmore") == quoted
    assert answer_part(quoted) == quoted
    # The framing line is no quoted sentence: a follow-up reads the sentences after it.
    lead = "From the Effectiveness Bank, Drug Treatment Matrix cell B3: Practitioners; Medical treatment."
    assert answer_part(f"{lead}\n\n{quoted}\n\nSources:\n[1] A study.") == quoted
    assert answer_part("Nothing relevant.\n\nYou could ask:\n- Why?") == "Nothing relevant.\n\nYou could ask:\n- Why?"


@pytest.mark.parametrize(
    "status, kind",
    [
        (400, "invalid_request_error"),
        (404, "invalid_request_error"),
        (429, "rate_limit_error"),
        (499, "invalid_request_error"),
        (500, "server_error"),
        (503, "server_error"),
    ],
)
def test_an_errors_type_follows_its_status(status, kind):
    assert error_type(status) == kind


def test_the_assistant_message_is_the_lead_the_answer_and_one_source_a_line_or_the_decline_and_its_offers(answerer):
    answered = answerer.answer(ANSWERED)
    twice = dataclasses.replace(answered, citations=(*answered.citations, *answered.citations))
    lines = "\n".join(f"[{c.n}] {source_line(c.passage)}" for c in twice.citations)
    assert message_content(twice) == f"{answered.lead}\n\n{answered.answer}\n\nSources:\n{lines}"
    declined = answerer.answer(NOT_COVERED)
    offered = dataclasses.replace(declined, suggestions=("What is B3 about?", "Why stripes?"))
    assert message_content(offered) == f"{declined.message}\n\nYou could ask:\n- What is B3 about?\n- Why stripes?"
    assert message_content(dataclasses.replace(declined, suggestions=())) == declined.message


def test_the_user_turns_before_the_question_are_its_history_each_with_the_assistant_reply_after_it():
    messages = [
        {"role": "system", "content": "be brief"},  # no turn: before any question, and not an answer after one
        {"role": "user", "content": "first"},
        {"role": "system", "content": "quote the corpus"},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": None},
        {"role": "user", "content": "third"},
    ]
    asked = ChatRequest.model_validate({"model": "m", "messages": messages}).ask_request()
    assert asked.question == "third"
    assert [(t.question, t.answer) for t in asked.history] == [("first", ""), ("second", "")]
    nothing = ChatRequest.model_validate({"model": "m", "messages": [{"role": "system", "content": "be brief"}]})
    with pytest.raises(BadRequest) as refused:
        nothing.ask_request()
    assert str(refused.value) == "'messages' must hold a user message: the question"
    # What the turns make together is checked as /api/ask checks it, and said as where in the messages.
    parts = [{"type": "text", "text": "x" * 600}] * 2
    too_long = ChatRequest.model_validate({"model": "m", "messages": [{"role": "user", "content": parts}]})
    with pytest.raises(BadRequest) as refused:
        too_long.ask_request()
    assert str(refused.value) == "in 'messages': 'question' is too long: at most 1000 characters"
