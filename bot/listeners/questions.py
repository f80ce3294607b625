"""Questions: DMs, @mentions, follow-ups in the twin's threads, and the assistant pane."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Assistant
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import CorpusAdmin
from bot.listeners.common import ack_only
from bot.questions import Place, Question, reads_as_question, thread_key
from bot.tasks import ANSWER, question_args
from twin.models import AnswerRecord, Thread

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


def _asked_in(sessions: sessionmaker[Session], user: str, channel: str, thread_ts: str) -> bool:
    """Whether `user` asked the twin in this thread (started it, or asked there since)."""
    key = thread_key(channel, thread_ts)
    with sessions() as session:
        thread = session.get(Thread, key)
        if thread is None:
            return False
        asked = session.query(AnswerRecord.id).filter_by(thread_id=key, user_id=user)
        return thread.user_id == user or asked.first() is not None


def addressed_to_twin(sessions: sessionmaker[Session]) -> Callable[[dict[str, Any]], bool]:
    """A bolt matcher for a reply in a channel thread that is meant for the twin: a question
    (bot.questions.reads_as_question) by someone who asked the twin in that thread. Anyone
    else, or "thanks!", is people talking; an @mention is always answered (app_mention)."""

    def matches(event: dict[str, Any]) -> bool:
        return reads_as_question(question_text(event.get("text", ""))) and _asked_in(
            sessions, event["user"], event["channel"], event["thread_ts"]
        )

    return matches


def register(
    app: App,
    tasks: TaskRunner,
    admin: CorpusAdmin,
    sessions: sessionmaker[Session],
    slack: SlackSettings,
) -> None:
    """Questions are handed to the answer task before the ack: once Slack has its ack, the
    question is with the task engine (the broker, when there is one), not in this process."""

    def hand_on(body: dict[str, Any], event: dict[str, Any], place: Place) -> None:
        text = question_text(event.get("text", ""))
        if text:
            question = Question(text, event["user"], place)
            tasks.dispatch(ANSWER, question_args(question), event_key(body, event))

    def dm_place(event: dict[str, Any]) -> Place:
        return Place(event["channel"], event["ts"], True, event.get("team"))

    def answer_dm(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        hand_on(body, event, dm_place(event))
        ack()

    def answer_mention(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        thread = event.get("thread_ts") or event["ts"]
        hand_on(body, event, Place(event["channel"], thread, False, event.get("team")))
        ack()

    def answer_follow_up(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        if _known_thread(sessions, event["channel"], event["thread_ts"]):
            place = Place(event["channel"], event["thread_ts"], False, event.get("team"))
            hand_on(body, event, place)
        ack()

    def uploads(event: dict[str, Any]) -> bool:
        return admin.accepts_uploads_in(event["channel"], event.get("channel_type"))

    def offer_ingest(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if admin.offer(client, event):
            return
        if is_dm(event) and question_text(event.get("text", "")):
            hand_on(body, event, dm_place(event))  # a non-admin's question with a file
        else:
            admin.refuse(client, event)

    person = [from_a_person]
    app.event("app_mention", matchers=person)(answer_mention)
    app.event({"type": "message", "subtype": "file_share"}, matchers=[*person, uploads])(
        ack=ack_only, lazy=[offer_ingest]
    )
    app.event({"type": "message", "subtype": None}, matchers=[*person, is_dm])(answer_dm)
    follow_up: list[Callable[..., bool]] = [*person, in_channel_thread, addressed_to_twin(sessions)]
    app.event({"type": "message", "subtype": None}, matchers=follow_up)(answer_follow_up)
    app.use(assistant(tasks, admin, sessions, slack))


def assistant(
    tasks: TaskRunner, admin: CorpusAdmin, sessions: sessionmaker[Session], slack: SlackSettings
) -> Assistant:
    """Slack's AI assistant surface: greeting, suggested prompts, thread title (the status is
    set by bot.asking, as in every thread); a question is handed to the answer task."""
    pane = Assistant()

    @pane.thread_started
    def greet(say: Any, set_suggested_prompts: Any) -> None:
        say(slack.assistant_greeting)
        prompts = [p.model_dump() for p in slack.suggested_prompts]
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Try asking")

    @pane.user_message
    def answer(
        body: dict[str, Any], payload: dict[str, Any], client: WebClient, set_title: Any
    ) -> None:
        """A message in the pane (or a DM thread): a dropped file is offered to an admin; text
        is a question."""
        if payload.get("files") and admin.offer(client, payload):
            return
        text = question_text(payload.get("text", ""))
        if not text:
            if payload.get("files"):
                admin.refuse(client, payload)
            return
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        if not _known_thread(sessions, channel, thread_ts):
            set_title(text[:80])
        place = Place(channel, thread_ts, private=True, team=payload.get("team"))
        question = Question(text, payload["user"], place)
        tasks.dispatch(ANSWER, question_args(question), event_key(body, payload))

    return pane
