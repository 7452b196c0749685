"""The Slack app: Bolt served over HTTP as `matrixqa slack --http` serves it, against a fake Slack API on 127.0.0.1."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import time
import urllib.parse

import httpx
import pytest
import yaml
from click.testing import CliRunner
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from werkzeug import Request, Response

from matrixqa.cli import main
from matrixqa.errors import MatrixQAError
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.slack import EVENTS_PATH, THREAD_MESSAGES, SlackBot, SlackTokens, slack_app, thread_turns
from matrixqa.server.slack_message import SECTION_LIMIT, escape, sections
from matrixqa.settings import PROJECT_ROOT

from ..conftest import live_server

ANSWERED = "Why did zebra stripes halve missed appointments?"
NOT_COVERED = "xylophone quantum chromodynamics"
SECRET = "test-signing-secret"
BOT = {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "matrixqa", "team_id": "T1"}
LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
WAIT_SECONDS = 30  # how long a test waits for the app's call to the fake API (a bound, not a measure)


class FakeConversations:
    """The messages of the fake Slack: those the app posts and those the test's people send, kept as Slack keeps
    them, so that conversations.replies serves a thread as Slack would. `failure` makes that read fail."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.failure: Response | None = None

    def sent(self, event: dict) -> dict:
        """A person's message, as Slack holds it once it has sent the event about it."""
        self.messages.append({**event, "type": "message"})
        return event

    def post_message(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        message = {**body, "type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": f"{len(self.messages)}.5"}
        self.messages.append(message)
        return Response(
            json.dumps({"ok": True, "channel": body["channel"], "ts": message["ts"]}), 200, {}, "application/json"
        )

    def replies(self, request: Request) -> Response:
        """A thread's first message and its replies, oldest first, at most `limit` of them."""
        if self.failure is not None:
            return self.failure
        values = request.values  # Slack takes the arguments as a form or in the query string
        channel, ts, limit = values["channel"], values["ts"], int(values.get("limit", 1000))
        thread = [m for m in self.messages if m["channel"] == channel and ts in (m["ts"], m.get("thread_ts"))]
        body = {"ok": True, "messages": thread[:limit], "has_more": len(thread) > limit}
        return Response(json.dumps(body), 200, {}, "application/json")


@pytest.fixture
def conversations() -> FakeConversations:
    return FakeConversations()


@pytest.fixture
def slack_api(httpserver, conversations):
    """A fake Slack Web API: the calls the app makes, each answered as Slack answers it."""
    httpserver.expect_request("/auth.test").respond_with_json({**BOT, "user_id": "UBOT", "bot_id": "BBOT"})
    httpserver.expect_request("/chat.postMessage").respond_with_handler(conversations.post_message)
    httpserver.expect_request("/conversations.replies").respond_with_handler(conversations.replies)
    httpserver.expect_request("/chat.postEphemeral").respond_with_json({"ok": True, "message_ts": "3.0"})
    return httpserver


@pytest.fixture
def question_log(config):
    return QuestionLog(config.log_db)


@pytest.fixture
def events_url(slack_api, answerer, question_log):
    tokens = SlackTokens("xoxb-test", signing_secret=SECRET)
    app = slack_app(tokens, lambda: answerer, question_log, api_url=slack_api.url_for("/"))
    with live_server(SlackRequestHandler(app, EVENTS_PATH)) as url:
        yield url + EVENTS_PATH


def send(url: str, body: str, content_type: str, secret: str = SECRET) -> httpx.Response:
    """Post as Slack does: signed with the signing secret."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    return httpx.post(url, content=body.encode(), headers=headers)


def send_event(url: str, event: dict, secret: str = SECRET) -> httpx.Response:
    envelope = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev1", "event": event}
    return send(url, json.dumps(envelope), "application/json", secret)


def mention(text: str, ts: str = "1.0", **extra) -> dict:
    return {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts, "channel": "C1", **extra}


def calls(api, method: str, count: int = 1) -> list[dict]:
    """The JSON bodies of the app's calls to `method`, once there are `count` of them."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        bodies = [json.loads(request.get_data()) for request, _ in api.log if request.path == f"/{method}"]
        if len(bodies) >= count or time.monotonic() > deadline:
            return bodies
        time.sleep(0.02)


def plain(mrkdwn: str) -> str:
    """What Slack shows for mrkdwn: links as their labels, escapes undone."""
    return html.unescape(LINK.sub(lambda m: m[2], mrkdwn))


def section_texts(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def test_a_mention_is_answered_in_its_thread_with_linked_citations_and_sources(events_url, slack_api, client):
    assert send_event(events_url, mention(ANSWERED, ts="1.0")).status_code == 200
    [message] = calls(slack_api, "chat.postMessage")
    assert message["channel"] == "C1" and message["thread_ts"] == "1.0" and message["unfurl_links"] is False
    api = client.post("/api/ask", json={"question": ANSWERED}).get_json()
    lead, answer, sources, *more = section_texts(message)
    assert plain(lead) == api["lead"] and plain(answer) == api["answer"]  # every sentence verbatim, [n] kept
    cited = {c["n"]: c["passage"] for c in api["citations"]}
    markers = LINK.findall(answer)
    assert {int(label.strip("[]")) for _, label in markers} == set(cited)
    for url, label in markers:  # each marker links to the source it cites
        assert url == cited[int(label.strip("[]"))]["links"][0]["url"]
    lines = sources.split("\n")
    assert lines[0] == "*Sources*" and len(lines) == 1 + len(cited)
    for line, (n, passage) in zip(lines[1:], sorted(cited.items()), strict=True):
        assert line.startswith(f"[{n}] <{passage['links'][0]['url']}|")
        assert f"{passage['cell']['matrix']} cell {passage['cell']['code']}" in line
        kind = {"S": "Seminal study", "K": "Key study", "R": "Review", "G": "Guidance"}
        assert (kind[passage["study"]["type"]] if passage["study"] else "Matrix Bite commentary") in line
    context = next(b for b in message["blocks"] if b["type"] == "context")
    assert "Drug and Alcohol Findings Effectiveness Bank" in context["elements"][0]["text"]
    buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Helpful", "Not helpful"]
    assert more == ["*You could also ask*\n" + "\n".join(f"• {s}" for s in api["suggestions"][:3])]


def test_the_answer_is_logged_and_its_id_is_on_the_buttons(events_url, slack_api, config):
    send_event(events_url, mention(ANSWERED))
    [message] = calls(slack_api, "chat.postMessage")
    answer_id = next(b for b in message["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    with sqlite3.connect(config.log_db) as db:
        row = db.execute("SELECT question, answered FROM questions WHERE id = ?", (answer_id,)).fetchone()
    assert row == (ANSWERED, 1)


def test_a_direct_message_is_answered_and_a_decline_reads_as_on_the_page(events_url, slack_api):
    # A bot's message and an edit are not questions; the person's own message is.
    direct = {"type": "message", "channel_type": "im", "channel": "D1"}
    send_event(events_url, {**direct, "bot_id": "B9", "text": "hi", "ts": "0.5"})
    send_event(events_url, {**direct, "subtype": "message_changed", "ts": "0.6"})
    send_event(events_url, {**direct, "user": "U1", "text": NOT_COVERED, "ts": "0.7"})
    messages = calls(slack_api, "chat.postMessage")
    time.sleep(0.5)  # room for a wrong second reply to arrive
    assert len(calls(slack_api, "chat.postMessage")) == 1
    [message] = messages
    assert message["channel"] == "D1" and message["thread_ts"] == "0.7"
    texts = section_texts(message)
    assert "does not cover" in texts[0] and "[1]" not in json.dumps(message["blocks"])
    assert texts[1].startswith("*Questions the matrices can answer*\n• ")
    assert any(b["type"] == "actions" for b in message["blocks"])  # a decline can be rated too


def test_a_feedback_click_is_logged_and_acknowledged(events_url, slack_api, config):
    send_event(events_url, mention(ANSWERED, ts="1.0"))
    [message] = calls(slack_api, "chat.postMessage")
    button = next(b for b in message["blocks"] if b["type"] == "actions")["elements"][1]
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": "2.0", "channel_id": "C1"},
        "message": {"ts": "2.0", "thread_ts": "1.0", "blocks": message["blocks"]},
        "trigger_id": "1.2.3",
        "actions": [{**button, "block_id": "feedback", "type": "button", "action_ts": "3.0"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    assert send(events_url, body, "application/x-www-form-urlencoded").status_code == 200
    [note] = calls(slack_api, "chat.postEphemeral")
    assert note["user"] == "U1" and note["channel"] == "C1" and note["thread_ts"] == "1.0"
    assert note["text"] == "Thanks: your feedback (not helpful) is recorded."
    with sqlite3.connect(config.log_db) as db:
        assert db.execute("SELECT helpful FROM questions WHERE id = ?", (button["value"],)).fetchone() == (0,)


def test_a_request_not_signed_by_slack_is_refused(events_url, slack_api):
    assert send_event(events_url, mention(ANSWERED), secret="someone-else").status_code == 401
    time.sleep(0.5)  # room for a wrong reply to arrive
    assert [r for r, _ in slack_api.log if r.path == "/chat.postMessage"] == []


def test_a_bare_mention_is_told_how_to_ask(events_url, slack_api):
    send_event(events_url, mention(""))
    [message] = calls(slack_api, "chat.postMessage")
    assert message["text"].startswith("Ask me a question") and not message["blocks"]


def test_a_bot_token_slack_refuses_stops_the_app_with_one_line(httpserver, answerer):
    httpserver.expect_request("/auth.test").respond_with_json({"ok": False, "error": "invalid_auth"})
    with pytest.raises(MatrixQAError, match="Slack refused MATRIXQA_SLACK_BOT_TOKEN: .*invalid_auth"):
        slack_app(SlackTokens("xoxb-bad", signing_secret=SECRET), lambda: answerer, None, httpserver.url_for("/"))


@pytest.mark.parametrize(
    "arguments, env, message",
    [
        ([], {}, "error: matrixqa slack needs MATRIXQA_SLACK_BOT_TOKEN: "),
        ([], {"MATRIXQA_SLACK_BOT_TOKEN": "xoxb-1"}, "error: matrixqa slack needs MATRIXQA_SLACK_APP_TOKEN: "),
        (["--http"], {"MATRIXQA_SLACK_BOT_TOKEN": "xoxb-1"}, "needs MATRIXQA_SLACK_SIGNING_SECRET: "),
        ([], {"MATRIXQA_SLACK_BOT_TOKEN": "xapp-1", "MATRIXQA_SLACK_APP_TOKEN": "xapp-1"}, "must start with xoxb-"),
    ],
)
def test_a_start_without_its_tokens_is_refused_in_one_line(cli_env, arguments, env, message):
    result = CliRunner().invoke(main, ["slack", *arguments], env=env)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_corpus_text_is_escaped_and_long_text_is_cut_between_words_never_in_a_link():
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    link = "<https://findings.org.uk/x|[1]>"
    text = " ".join(f"Sentence number {i} of a long answer. {link}" for i in range(400))
    blocks = sections(text)
    assert len(blocks) > 1 and all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks)
    assert " ".join(b["text"]["text"] for b in blocks) == text
    assert all(b["text"]["text"].count("<") == b["text"]["text"].count(">") for b in blocks)


def test_the_committed_manifest_asks_for_what_the_app_handles():
    manifest = yaml.safe_load((PROJECT_ROOT / "slack" / "manifest.yml").read_text())
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True and settings["socket_mode_enabled"] is True
    # conversations.replies needs the history scope of each kind of conversation a mention can be in.
    history = {"channels:history", "groups:history", "im:history", "mpim:history"}
    assert {"app_mentions:read", "chat:write", *history} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_a_mention_inside_a_thread_is_answered_in_that_thread(events_url, slack_api):
    send_event(events_url, mention(ANSWERED, ts="5.0", thread_ts="4.0"))
    [message] = calls(slack_api, "chat.postMessage")
    assert message["thread_ts"] == "4.0"


def replies_read(api) -> list[dict]:
    """The arguments of the app's calls to conversations.replies."""
    return [dict(request.values) for request, _ in api.log if request.path == "/conversations.replies"]


def answer_id(message: dict) -> str:
    return next(b for b in message["blocks"] if b["type"] == "actions")["elements"][0]["value"]


def logged(config, message: dict) -> tuple:
    with sqlite3.connect(config.log_db) as db:
        return db.execute(
            "SELECT question, searched_for, answered FROM questions WHERE id = ?", (answer_id(message),)
        ).fetchone()


def asked(kind: str, text: str, ts: str, **extra) -> dict:
    """A person's message that the app answers: a mention in a channel, or a direct message."""
    if kind == "mention":
        return mention(text, ts, **extra)
    return {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": text, "ts": ts, **extra}


@pytest.mark.parametrize("kind", ["mention", "direct"])
def test_a_follow_up_in_a_thread_is_searched_with_the_threads_first_question(
    kind, events_url, slack_api, conversations, config, client
):
    send_event(events_url, conversations.sent(asked(kind, ANSWERED, ts="1.0")))
    calls(slack_api, "chat.postMessage")
    assert replies_read(slack_api) == []  # a message that starts a thread has nothing before it
    send_event(events_url, conversations.sent(asked(kind, "why?", ts="7.0", thread_ts="1.0")))
    _, reply = calls(slack_api, "chat.postMessage", 2)
    [read] = replies_read(slack_api)
    assert read["ts"] == "1.0" and read["channel"] == reply["channel"] and int(read["limit"]) == THREAD_MESSAGES
    question, searched_for, answered = logged(config, reply)
    assert (question, answered) == ("why?", 1) and ANSWERED in searched_for
    # As /api/ask answers the same conversation; alone, "why?" is not answered at all.
    first = client.post("/api/ask", json={"question": ANSWERED}).get_json()
    history = [{"question": ANSWERED, "answer": first["answer"]}]
    api = client.post("/api/ask", json={"question": "why?", "history": history}).get_json()
    assert api["mode"] == "follow_up" and api["searched_for"] == searched_for
    assert plain(section_texts(reply)[1]) == api["answer"]
    assert client.post("/api/ask", json={"question": "why?"}).get_json()["answered"] is False


def test_which_study_in_a_thread_finds_the_studies_behind_the_answer_it_follows(
    events_url, slack_api, conversations, client
):
    send_event(events_url, conversations.sent(mention(ANSWERED, ts="1.0")))
    calls(slack_api, "chat.postMessage")
    send_event(events_url, conversations.sent(mention("which study showed that?", ts="7.0", thread_ts="1.0")))
    _, reply = calls(slack_api, "chat.postMessage", 2)
    # The earlier turn reaches the conversation: the question asks for the studies behind its answer.
    first = client.post("/api/ask", json={"question": ANSWERED}).get_json()
    history = [{"question": ANSWERED, "answer": first["answer"]}]
    api = client.post("/api/ask", json={"question": "which study showed that?", "history": history}).get_json()
    assert api["mode"] == "source" and api["answered"]
    assert plain(section_texts(reply)[1]) == api["answer"]


@pytest.mark.parametrize(
    "failure",
    [
        Response(
            json.dumps({"ok": False, "error": "missing_scope", "needed": "channels:history"}),
            200,
            {},
            "application/json",
        ),
        Response("Slack is down", 503),
    ],
    ids=["missing scope", "server error"],
)
def test_a_thread_that_cannot_be_read_still_gets_its_answer(
    failure, events_url, slack_api, conversations, config, caplog
):
    conversations.failure = failure
    send_event(events_url, conversations.sent(mention(ANSWERED, ts="5.0", thread_ts="4.0")))
    [reply] = calls(slack_api, "chat.postMessage")
    assert reply["thread_ts"] == "4.0" and logged(config, reply) == (ANSWERED, ANSWERED, 1)  # answered alone
    assert len(replies_read(slack_api)) == 1
    assert any("could not read the thread" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_a_threads_turns_are_the_apps_answers_with_the_messages_they_answered():
    bot = SlackBot("UBOT", "BBOT")
    answer = {
        "type": "section",
        "block_id": "answer-0",
        "text": {"type": "mrkdwn", "text": "A &amp; B. <https://x|[1]>"},
    }
    messages = [
        {"user": "U2", "text": "shall we ask the bot?", "ts": "1.0"},
        {"user": "U1", "text": "<@UBOT> does x &lt; y?", "ts": "2.0"},
        {"user": "UBOT", "bot_id": "BBOT", "text": "lead", "blocks": [answer], "ts": "3.0"},
        {"user": "U2", "text": "thanks", "ts": "4.0"},  # said to a person: the app did not answer it
        {"bot_id": "BOTHER", "text": "another app", "ts": "5.0"},
        {"user": "U1", "text": "<@UBOT>", "ts": "6.0"},  # a bare mention: told how to ask, no turn
        {"user": "UBOT", "bot_id": "BBOT", "text": "Ask me a question", "blocks": [], "ts": "7.0"},
        {"user": "U1", "text": "<@UBOT> " + "x" * 1001, "ts": "8.0"},  # refused as too long: no turn
        {"user": "UBOT", "bot_id": "BBOT", "text": "I could not answer that", "blocks": [], "ts": "9.0"},
    ]
    assert thread_turns(messages, bot) == [{"question": "does x < y?", "answer": "A & B. [1]"}]
