"""Questions: DMs, @mentions, follow-ups in the twin's threads, and the assistant pane."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Assistant
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import CorpusAdmin
from bot.listeners.common import ack_only
from bot.questions import Place, Question, thread_key
from bot.tasks import ANSWER, question_args
from twin.models import Thread

if TYPE_CHECKING:
    from twin.sections.slack import SlackSettings
    from twin.tasks import TaskRunner

__all__ = ["register"]

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def from_a_person(event: dict[str, Any], context: Any) -> bool:
    return (
        not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != context.bot_user_id
    )


def question_text(text: str) -> str:
    return " ".join(MENTION.sub(" ", text or "").split())


def is_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" and not event.get("thread_ts")


def in_channel_thread(event: dict[str, Any], context: Any) -> bool:
    """A reply in a channel thread that mentions nobody (an @mention is answered as such)."""
    mentioned = set(MENTION.findall(event.get("text", "")))
    return (
        bool(event.get("thread_ts"))
        and event.get("channel_type") in ("channel", "group")
        and context.bot_user_id not in mentioned  # app_mention answers it
        and not mentioned - {context.bot_user_id}  # addressed to someone else
    )


def _known_thread(sessions: sessionmaker[Session], channel: str, thread_ts: str) -> bool:
    with sessions() as session:
        return session.get(Thread, thread_key(channel, thread_ts)) is not None


def event_key(body: dict[str, Any], event: dict[str, Any]) -> str:
    """The question's delivery key: the Events API event id (Slack's retries keep it)."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    return f"message:{event.get('channel')}:{event.get('ts')}"


def register(
    app: App,
    tasks: TaskRunner,
    admin: CorpusAdmin,
    sessions: sessionmaker[Session],
    slack: SlackSettings,
) -> None:
    """Questions are handed to the answer task before the ack: once Slack has its ack, the
    question is with the task engine (the broker, when there is one), not in this process."""

    def ask(ack: Ack, body: dict[str, Any], event: dict[str, Any], place: Place) -> None:
        text = question_text(event.get("text", ""))
        if text:
            question = Question(text, event["user"], place)
            tasks.dispatch(ANSWER, question_args(question), event_key(body, event))
        ack()

    def answer_dm(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ask(ack, body, event, Place(event["channel"], event["ts"], True, event.get("team")))

    def answer_mention(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        thread = event.get("thread_ts") or event["ts"]
        ask(ack, body, event, Place(event["channel"], thread, False, event.get("team")))

    def answer_follow_up(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        if not _known_thread(sessions, event["channel"], event["thread_ts"]):
            ack()
            return
        place = Place(event["channel"], event["thread_ts"], False, event.get("team"))
        ask(ack, body, event, place)

    def uploads(event: dict[str, Any]) -> bool:
        return admin.accepts_uploads_in(event["channel"], event.get("channel_type"))

    def offer_ingest(event: dict[str, Any], client: WebClient) -> None:
        admin.offer(client, event)

    person = [from_a_person]
    app.event("app_mention", matchers=person)(answer_mention)
    app.event({"type": "message", "subtype": "file_share"}, matchers=[*person, uploads])(
        ack=ack_only, lazy=[offer_ingest]
    )
    app.event({"type": "message", "subtype": None}, matchers=[*person, is_dm])(answer_dm)
    app.event({"type": "message", "subtype": None}, matchers=[*person, in_channel_thread])(
        answer_follow_up
    )
    app.use(assistant(tasks, sessions, slack))


def assistant(
    tasks: TaskRunner, sessions: sessionmaker[Session], slack: SlackSettings
) -> Assistant:
    """Slack's AI assistant surface: greeting, suggested prompts, status, thread title."""
    pane = Assistant()

    @pane.thread_started
    def greet(say: Any, set_suggested_prompts: Any) -> None:
        say(slack.assistant_greeting)
        prompts = [p.model_dump() for p in slack.suggested_prompts]
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Try asking")

    @pane.user_message
    def answer(
        body: dict[str, Any], payload: dict[str, Any], set_status: Any, set_title: Any
    ) -> None:
        text = question_text(payload.get("text", ""))
        if not text or payload.get("bot_id"):
            return
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        if not _known_thread(sessions, channel, thread_ts):
            set_title(text[:80])
        set_status("is thinking…")
        place = Place(channel, thread_ts, private=True, team=payload.get("team"))
        question = Question(text, payload["user"], place)
        tasks.dispatch(ANSWER, question_args(question), event_key(body, payload))

    return pane
