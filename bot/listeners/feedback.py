"""Buttons under an answer: Slack's thumbs up / down (thumbs down opens a comment modal),
Video reply, and Share in channel (under an ephemeral `/ask-<name>` answer).

A thumb is handled in the ack: the comment modal must be opened within the 3 s life of the
click's trigger_id, and recording the verdict is one quick insert."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import constants as ids
from bot.blocks import notices
from bot.blocks.answers import AnswerView, answer_parts, shared_intro
from bot.blocks.modals import feedback_modal
from bot.listeners.common import ack_only, clicked, respond_answer, tell_clicker, thread_of
from bot.posting import AnswerPoster
from bot.store import FeedbackStore
from bot.video import VideoReplies
from persona.audit import AuditLog
from persona.results import Citation

__all__ = ["register"]


def register(
    app: App,
    feedback: FeedbackStore,
    video: VideoReplies,
    poster: AnswerPoster,
    sessions: sessionmaker[Session],
) -> None:
    def thumbs(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        verdict, _, answer = str(body["actions"][0].get("value", "")).partition(":")
        if verdict not in ("helpful", "not_helpful") or not answer.isdigit():
            return  # not a value we put there
        user, answer_id, helpful = body["user"]["id"], int(answer), verdict == "helpful"
        channel, _ = thread_of(body)
        ts = body.get("container", {}).get("message_ts", "")
        feedback.record(answer_id, user, helpful, channel, ts)
        if helpful:
            tell_clicker(respond, notices.THANKS)
        else:
            client.views_open(
                trigger_id=body["trigger_id"], view=feedback_modal(answer_id, channel, ts)
            )

    def comment(body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view["private_metadata"])
        block, action = ids.FEEDBACK_COMMENT
        text = view["state"]["values"][block][action].get("value") or ""
        if text.strip():
            feedback.comment(meta["answer"], body["user"]["id"], text)

    def video_reply(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user, answer_id = clicked(body)
        channel, thread_ts = thread_of(body)
        note = video.request(
            client, answer_id=answer_id, user=user, channel=channel, thread_ts=thread_ts
        )
        if note:
            tell_clicker(respond, note)

    def share(body: dict[str, Any], respond: Respond) -> None:
        user, answer_id = clicked(body)
        share_answer(respond, user, answer_id, AuditLog(sessions), poster)

    app.action(ids.FEEDBACK)(thumbs)
    app.view(ids.FEEDBACK_MODAL)(ack=ack_only, lazy=[comment])
    app.action(ids.VIDEO_REPLY)(ack=ack_only, lazy=[video_reply])
    app.action(ids.SHARE_ANSWER)(ack=ack_only, lazy=[share])


def share_answer(
    respond: Respond, user: str, answer_id: int, audit: AuditLog, poster: AnswerPoster
) -> None:
    """Post the asker's own ephemeral answer in the channel, if everyone there may read it."""
    record = audit.get(answer_id)
    if record is None or record.user_id != user or record.needs_approval:
        respond(text="This answer can't be shared.", replace_original=False)
        return
    citations = [Citation(**c) for c in record.citations]
    if not poster.is_public(citations):
        respond(text=notices.SHARE_RESTRICTED, replace_original=False)
        return
    view = AnswerView(citations, "", answer_id, video=True)
    intro = shared_intro(user, record.question)
    parts = answer_parts(record.answer, poster.max_chars - len(intro) - 2)
    parts[0] = f"{intro}\n\n{parts[0]}"
    respond_answer(respond, parts, view, response_type="in_channel")
    respond(delete_original=True)
