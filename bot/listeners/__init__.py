"""The bolt listeners: each acknowledges at once and hands the work to a lazy function that
calls the core (bot.asking, bot.approvals, bot.admin, bot.video). Bolt routes by decorator and
matcher; the order of registration matters only for the catch-all `message` listener, last."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.listeners import admin, commands, feedback, questions, reviews
from bot.listeners.common import ack_only

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["register"]


def register(app: App, s: Services) -> None:
    questions.register(app, s.tasks, s.admin, s.sessions, s.slack)
    commands.register(app, s.tasks, s.admin, s.slack)
    feedback.register(app, s.feedback, s.video, s.poster, s.sessions)
    reviews.register(app, s.approvals, s.approvals_store, s.edits, s.slack.review_channel)
    admin.register(app, s.admin, s.tasks)

    def home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            s.home.publish(client, event["user"])

    app.event("app_home_opened")(ack=ack_only, lazy=[home])
    # Everything else is acknowledged and dropped (bots, edits, chatter in channels): an
    # unanswered event would come back as a retry.
    app.event("app_mention")(ack_only)
    app.event("message")(ack_only)
