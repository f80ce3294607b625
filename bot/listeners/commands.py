"""Slash commands: `/ask-<name>` (handed to the answer task, bot.slash, which answers the asker
alone, with a Share button) and `/twin-admin`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot.admin import CorpusAdmin
from bot.blocks import notices
from bot.listeners.common import ack_only
from bot.questions import Place, Question
from bot.tasks import COMMAND, question_args

if TYPE_CHECKING:
    from twin.sections.slack import SlackSettings
    from twin.tasks import TaskRunner

__all__ = ["register"]


def register(app: App, tasks: TaskRunner, admin: CorpusAdmin, slack: SlackSettings) -> None:
    def ask(ack: Ack, command: dict[str, Any]) -> None:
        """Hand the question to the answer task, then acknowledge (the task responds)."""
        text = command.get("text", "").strip()
        if not text:
            ack(text=f"Ask a question after the command, e.g. `{slack.command} what is our plan?`")
            return
        place = Place(command["channel_id"], None, private=True, team=command.get("team_id"))
        question = Question(text, command["user_id"], place)
        key = f"command:{command.get('trigger_id') or command['response_url']}"
        tasks.dispatch(COMMAND, question_args(question), command["response_url"], key)
        ack(text=notices.THINKING)

    def run_admin(command: dict[str, Any], respond: Respond) -> None:
        respond(text=admin.command(command["user_id"], command.get("text", "")))

    app.command(slack.command)(ask)
    app.command(slack.admin_command)(ack=ack_only, lazy=[run_admin])
