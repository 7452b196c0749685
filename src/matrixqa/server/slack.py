"""matrixqa as a Slack app (slack-bolt): a mention or a direct message answered in its thread, with feedback.

The question is answered and logged as /api/ask does it (answering.py); the reply is laid out by
slack_message.py. Feedback buttons write to the question log. Events come over Socket Mode (the
default: no public address needed) or over HTTP at /slack/events (`--http`), where Bolt refuses any
request not signed with the app's signing secret. Errors are translated here, once: a user sees a
line saying what went wrong, never a traceback.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from matrixqa.answer.compose import Answerer
from matrixqa.errors import LogUnavailable, MatrixQAError
from matrixqa.server.answering import answer_logged
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.requests import AskRequest, checked
from matrixqa.server.slack_message import FEEDBACK_ACTIONS, Block, answer_message, escape
from matrixqa.settings import Config

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_API = WebClient.BASE_URL
MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
EMPTY_QUESTION = (
    "Ask me a question about drug or alcohol treatment after the mention; I answer from the Effectiveness Bank "
    "treatment matrices, quoting them."
)
INTERNAL_ERROR = "Sorry: matrixqa could not answer this (an internal error, noted in its log). Please try again."


@dataclass(frozen=True)
class SlackTokens:
    """The Slack app's credentials: the bot token, and the app token (Socket Mode) or signing secret (HTTP)."""

    bot_token: str
    app_token: str = ""
    signing_secret: str = ""

    @classmethod
    def of(cls, config: Config, over_http: bool) -> SlackTokens:
        """The credentials the mode needs, from the settings; a MatrixQAError names the first one missing."""
        command = "matrixqa slack --http" if over_http else "matrixqa slack"
        needed = [("MATRIXQA_SLACK_BOT_TOKEN", config.slack_bot_token, "xoxb-")]
        if over_http:
            needed.append(("MATRIXQA_SLACK_SIGNING_SECRET", config.slack_signing_secret, ""))
        else:
            needed.append(("MATRIXQA_SLACK_APP_TOKEN", config.slack_app_token, "xapp-"))
        for name, value, prefix in needed:
            if not value:
                raise MatrixQAError(f"{command} needs {name}: set it from the Slack app's settings (docs/helpdesk.md)")
            if not value.startswith(prefix):
                raise MatrixQAError(f"{name} must start with {prefix}: it looks like another of the app's tokens")
        return cls(config.slack_bot_token, config.slack_app_token, config.slack_signing_secret)


class SlackHelpdesk:
    """What the app does with a question or a feedback click, over the answerer `current` returns each time."""

    def __init__(self, current: Callable[[], Answerer], question_log: QuestionLog | None) -> None:
        self.current = current
        self.question_log = question_log

    def reply(self, text: str) -> tuple[str, list[Block]]:
        """The message answering a message's text (mentions of users and of the app left out)."""
        started = time.perf_counter()
        question = MENTION.sub(" ", text).strip()
        if not question:
            return EMPTY_QUESTION, []
        try:
            body = checked(AskRequest, {"question": question})
            response = answer_logged(self.current(), self.question_log, body, started)
        except MatrixQAError as error:
            return escape(f"I could not answer that: {error}"), []
        return answer_message(response, feedback=self.question_log is not None)

    def answer_in_thread(self, event: dict[str, Any], client: WebClient) -> None:
        try:
            text, blocks = self.reply(event.get("text") or "")
        except Exception:
            log.exception("answering a Slack message failed")
            text, blocks = INTERNAL_ERROR, []
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )

    def record_feedback(self, action: dict[str, Any]) -> str:
        """Store a click on Helpful / Not helpful; the line that tells the user what became of it."""
        label, helpful = FEEDBACK_ACTIONS[action["action_id"]]
        try:
            if self.question_log is None:
                raise LogUnavailable("the question log is off")
            self.question_log.record_feedback(action["value"], helpful, "")
        except MatrixQAError as error:
            return f"Your feedback was not recorded: {error}."
        return f"Thanks: your feedback ({label.lower()}) is recorded."

    def feedback(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        note = self.record_feedback(action)
        message = body.get("message") or {}
        client.chat_postEphemeral(
            channel=body["channel"]["id"],
            user=body["user"]["id"],
            thread_ts=message.get("thread_ts") or message.get("ts"),
            text=escape(note),
        )


def slack_app(
    tokens: SlackTokens,
    current: Callable[[], Answerer],
    question_log: QuestionLog | None,
    api_url: str = SLACK_API,
) -> App:
    """The Bolt app; making it checks the bot token with Slack (at `api_url`)."""
    helpdesk = SlackHelpdesk(current, question_log)
    try:
        app = App(client=WebClient(token=tokens.bot_token, base_url=api_url), signing_secret=tokens.signing_secret)
    except BoltError as error:
        raise MatrixQAError(f"Slack refused MATRIXQA_SLACK_BOT_TOKEN: {error}") from None

    @app.event("app_mention")
    def mention(event: dict[str, Any], client: WebClient) -> None:
        helpdesk.answer_in_thread(event, client)

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Only a person's own new message in a direct conversation: not an edit, a deletion or a bot's message.
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            helpdesk.answer_in_thread(event, client)

    @app.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))
    def feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        helpdesk.feedback(body, action, client)

    return app
