"""matrixqa as a Slack app (slack-bolt): a mention or a direct message answered in its thread, with feedback.

The question is answered and logged as /api/ask does it (answering.py); the reply is laid out by
slack_message.py. A message inside a thread is answered in the light of the thread's earlier turns, read
back with conversations.replies and given as /api/ask's `history`, so a follow-up ("why?") is searched
with the conversation's subject; a thread that cannot be read is noted in the log and the question
answered alone. Feedback buttons write to the question log. Events come over Socket Mode (the default:
no public address needed) or over HTTP at /slack/events (`--http`), where Bolt refuses any request not
signed with the app's signing secret. Errors are translated here, once: a user sees a line saying what
went wrong, never a traceback.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from matrixqa.answer.compose import Answerer
from matrixqa.errors import LogUnavailable, MatrixQAError
from matrixqa.server.answering import answer_logged
from matrixqa.server.questionlog import QuestionLog
from matrixqa.server.requests import MAX_HISTORY, MAX_QUESTION, AskRequest, checked
from matrixqa.server.slack_message import FEEDBACK_ACTIONS, Block, answer_message, answer_of, escape, plain
from matrixqa.settings import Config

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_API = WebClient.BASE_URL
# A thread's messages read back at most: its first and, after it, as many questions and answers as the
# conversation's history takes.
THREAD_MESSAGES = 1 + 2 * MAX_HISTORY
EMPTY_QUESTION = (
    "Ask me a question about drug or alcohol treatment after the mention; I answer from the Effectiveness Bank "
    "treatment matrices, quoting them."
)
INTERNAL_ERROR = "Sorry: matrixqa could not answer this (an internal error, noted in its log). Please try again."


@dataclass(frozen=True)
class SlackBot:
    """Who the app is in the workspace (auth.test, as Bolt reads it): how its own messages are told apart."""

    user_id: str
    bot_id: str

    def wrote(self, message: dict[str, Any]) -> bool:
        return any(mine and message.get(key) == mine for key, mine in (("bot_id", self.bot_id), ("user", self.user_id)))


def thread_turns(messages: list[dict[str, Any]], bot: SlackBot) -> list[dict[str, str]]:
    """A thread's messages, oldest first, as /api/ask's `history`: each of the app's answers with the person's
    message it answered (what people said to each other, and other apps' messages, are left out)."""
    turns, asked = [], ""
    for message in messages:
        if bot.wrote(message):
            if asked and len(asked) <= MAX_QUESTION:  # a longer one was refused, not answered
                turns.append({"question": asked, "answer": answer_of(message)})
            asked = ""
        elif not message.get("bot_id") and not message.get("subtype"):
            asked = plain(message.get("text") or "")
    return turns[-MAX_HISTORY:]


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

    def reply(self, text: str, history: list[dict[str, str]] | None = None) -> tuple[str, list[Block]]:
        """The message answering a message's text (mentions of users and of the app left out), in the light of
        the conversation's earlier turns."""
        started = time.perf_counter()
        question = plain(text)
        if not question:
            return EMPTY_QUESTION, []
        try:
            body = checked(AskRequest, {"question": question, "history": history or []})
            response = answer_logged(self.current(), self.question_log, body, started)
        except MatrixQAError as error:
            return escape(f"I could not answer that: {error}"), []
        return answer_message(response, feedback=self.question_log is not None)

    def thread_history(self, event: dict[str, Any], client: WebClient, bot: SlackBot) -> list[dict[str, str]]:
        """The earlier turns of the thread a message replies in; none for a message that starts no thread's
        reply, or when the thread cannot be read (noted in the log: the question is then answered alone)."""
        thread = event.get("thread_ts")
        if not thread or thread == event["ts"]:
            return []
        try:
            messages = client.conversations_replies(channel=event["channel"], ts=thread, limit=THREAD_MESSAGES)
            earlier = list(itertools.takewhile(lambda m: m.get("ts") != event["ts"], messages["messages"]))
            return thread_turns(earlier, bot)
        except Exception as error:  # whatever went wrong with Slack, the question still gets its answer
            log.warning("could not read the thread's earlier turns; answering the question alone: %s", error)
            return []

    def answer_in_thread(self, event: dict[str, Any], client: WebClient, bot: SlackBot) -> None:
        try:
            text, blocks = self.reply(event.get("text") or "", self.thread_history(event, client, bot))
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

    def bot(context: BoltContext) -> SlackBot:
        return SlackBot(context.bot_user_id or "", context.bot_id or "")

    @app.event("app_mention")
    def mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        helpdesk.answer_in_thread(event, client, bot(context))

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # Only a person's own new message in a direct conversation: not an edit, a deletion or a bot's message.
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            helpdesk.answer_in_thread(event, client, bot(context))

    @app.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))
    def feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        helpdesk.feedback(body, action, client)

    return app
