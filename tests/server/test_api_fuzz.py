"""Fuzz the JSON API against its own OpenAPI document: no request makes a 5xx, every 4xx says what to fix."""

from __future__ import annotations

import json
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from matrixqa.server.app import create_app
from matrixqa.server.requests import MAX_BODY_BYTES, MAX_QUESTION

API_POSTS = ("/api/search", "/api/ask", "/api/feedback")
# Random on a developer's machine, to keep exploring; the same examples every time in CI, so a
# submission's run cannot fail on a case its author never saw.
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=bool(os.environ.get("CI"))
)


def assert_clean_response(response) -> None:
    """Never a server error; an error is JSON with a message a person can act on."""
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        body = response.get_json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and len(body["error"]) > 10


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=40)
    return schema


lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.check
def error_is_json_with_message(ctx, response, case):
    if response.status_code >= 400:
        error = json.loads(response.content).get("error")
        if case.path.startswith("/v1/"):  # the OpenAI protocol's shape
            error = error.get("message") if isinstance(error, dict) else None
        if not isinstance(error, str) or not error:
            raise AssertionError(f"a {response.status_code} without an 'error' message: {response.content[:200]!r}")


@lazy_schema.parametrize()
@settings(FUZZ)
def test_api_conforms_to_its_openapi_document(case):
    # Schema-valid bodies must succeed, schema-invalid ones must be refused with a 4xx, responses must match.
    if isinstance(case.body, dict | list) and len(json.dumps(case.body).encode()) > MAX_BODY_BYTES:
        return  # refused with a 413 before it is read, as test_safety checks; schemathesis expects a 400
    if case.path == "/v1/chat/completions" and case.meta.generation.mode == GenerationMode.POSITIVE:
        # JSON Schema cannot add up lengths: the text parts of the question (each of at most MAX_QUESTION
        # characters) may make more than MAX_QUESTION together, a 400 tested in test_chat_completions.
        if len(last_question(case.body["messages"])) > MAX_QUESTION:
            return
    case.call_and_validate(additional_checks=[error_is_json_with_message])


def last_question(messages: list[dict]) -> str:
    content = [m for m in messages if m["role"] == "user"][-1]["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_passage_context_answers_in_its_documented_shape(api_schema, retriever):
    # The fuzzer makes up passage ids, which are 404s: a real id has the 200 checked against its schema too.
    operation = api_schema["/api/passages/{passage_id}/context"]["GET"]
    for passage in retriever.index.passages[:3]:
        case = operation.Case(path_parameters={"passage_id": passage.id})
        response = case.call_and_validate()
        assert response.status_code == 200 and response.json()["id"] == passage.id


def test_document_is_valid_openapi_and_describes_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    documented = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    served = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/v1/"))}
    served -= {"/api/openapi.json"}
    assert served == documented


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Bodies with the API's own field names, so values of the wrong type reach each field's validation.
near_miss_bodies = st.fixed_dictionaries(
    {},
    optional={
        name: json_values for name in ("question", "k", "filters", "history", "detail", "id", "helpful", "comment")
    },
)


@pytest.mark.parametrize("path", API_POSTS)
@FUZZ
@given(body=near_miss_bodies | json_values)
def test_wrongly_typed_json_is_refused_cleanly(client, path, body):
    assert_clean_response(client.post(path, json=body))


@pytest.mark.parametrize("path", API_POSTS)
@FUZZ
@given(
    raw=st.binary(max_size=300),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/x-www-form-urlencoded"]),
)
def test_arbitrary_bytes_are_refused_cleanly(client, path, raw, content_type):
    assert_clean_response(client.post(path, data=raw, content_type=content_type))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00q\x00",  # not UTF-8
        '{"question": "caf\xe9"}'.encode("latin-1"),  # valid JSON in the wrong encoding
        b'{"question": "\\ud800 unpaired"}',  # an escape that decodes to an unencodable surrogate
        b"[" * 50_000 + b"]" * 50_000,  # nested beyond Python's recursion limit
        b'{"question": "deep", "history": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"question": "x"' + b" " * (MAX_BODY_BYTES + 1) + b"}",  # over the body limit
        json.dumps({"question": "q" * 100_000}).encode(),
        json.dumps({"question": "ok", "filters": {"types": [["S"]]}}).encode(),  # unhashable filter value
    ],
    ids=[
        "empty",
        "not-utf8",
        "latin1",
        "surrogate",
        "nested-array",
        "nested-history",
        "over-limit",
        "huge-question",
        "unhashable",
    ],
)
@pytest.mark.parametrize("path", API_POSTS)
def test_hostile_bodies_get_a_4xx_with_a_message(client, path, raw):
    response = client.post(path, data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert_clean_response(response)


def test_huge_history_question_is_refused(client):
    response = client.post("/api/ask", json={"question": "and why?", "history": [{"question": "x" * 10_000}]})
    assert response.status_code == 400
    assert "history" in response.get_json()["error"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_wrong_content_type_is_refused_with_how_to_send_json(client, content_type):
    response = client.post("/api/search", data='{"question": "methadone"}', content_type=content_type)
    assert response.status_code == 400
    assert "Content-Type: application/json" in response.get_json()["error"]


@pytest.mark.parametrize("path", [*API_POSTS, "/api/health", "/api/openapi.json"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_wrong_methods_are_refused_with_json_and_allow(client, path, method):
    response = client.open(path, method=method, json={})
    assert_clean_response(response)
    allowed = "GET" if path in ("/api/health", "/api/openapi.json") else "POST"
    if method != allowed:
        assert response.status_code == 405
        assert allowed in response.headers["Allow"]
        assert method in response.get_json()["error"]


def api_paths(app) -> list[str]:
    """Every /api and /v1 route of an app with the admin view on, with a made-up value for each parameter,
    written also with a doubled and a trailing slash, and the prefixes alone."""
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/v1/"))]
    paths = [re.sub(r"<[^>]+>", "x", rule) for rule in rules]
    variants = [path.replace("/", "//", 2)[1:] for path in paths] + [path + "/" for path in paths]
    return sorted({*paths, *variants, "/api", "/v1", "/api/", "/v1/", "/api/nothing", "/v1/nothing"})


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_api_reply_but_a_success_is_json_in_the_error_shape(config, method):
    app = create_app(config.model_copy(update=dict(admin_token="a-long-enough-admin-token")))
    client = app.test_client()
    for path in api_paths(app):
        response = client.open(path, method=method, json={"question": "zebra stripes"})
        if response.status_code < 300:
            continue
        assert response.mimetype == "application/json", (method, path, response.status_code, response.data[:80])
        error = response.get_json()["error"]
        if path.startswith("/v1"):  # the OpenAI protocol's shape
            assert isinstance(error["message"], str) and error["type"] == "invalid_request_error", (method, path)
        else:
            assert isinstance(error, str) and len(error) > 10, (method, path, error)


def test_options_is_refused_with_the_methods_allowed(client):
    response = client.options("/api/ask")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.get_json() == {"error": "OPTIONS is not allowed on /api/ask"}


def test_a_doubled_slash_is_redirected_with_a_json_reply(client):
    response = client.post("/api//ask", json={"question": "zebra stripes"})
    assert response.status_code == 308 and response.location.endswith("/api/ask")
    assert response.get_json()["error"].endswith("/api/ask: send the request there")
    followed = client.post("/api//ask", json={"question": "zebra stripes"}, follow_redirects=True)
    assert followed.status_code == 200 and followed.get_json()["answered"]


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "/api/nothing-here" in response.get_json()["error"]


def test_a_streamed_reply_is_the_documented_events(client):
    # schemathesis reads each event's data only as a string: the chunks' JSON is checked here.
    document = client.get("/api/openapi.json").get_json()
    events = document["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    chunk_schema = {**events["schema"]["properties"]["data"]["contentSchema"], "components": document["components"]}
    response = client.post(
        "/v1/chat/completions",
        json={"model": "matrixqa", "messages": [{"role": "user", "content": "zebra stripes"}], "stream": True},
    )
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    data = [line.removeprefix("data: ") for line in response.get_data(as_text=True).splitlines() if line]
    assert data[-1] == "[DONE]" and len(data) > 3
    for chunk in data[:-1]:
        Draft202012Validator(chunk_schema).validate(json.loads(chunk))
    assert json.loads(data[-2])["citations"]
