"""Slash commands: `/ask-<name>` (answered to the asker alone, with a Share button) and
`/twin-admin`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.admin import CorpusAdmin
from bot.approvals import Approvals
from bot.asking import Asker
from bot.blocks import notices
from bot.listeners.common import ack_only, respond_answer
from bot.posting import AnswerPoster
from bot.questions import Place, Question

if TYPE_CHECKING:
    from twin.sections.slack import SlackSettings

__all__ = ["register"]


def register(
    app: App,
    asker: Asker,
    approvals: Approvals,
    poster: AnswerPoster,
    admin: CorpusAdmin,
    slack: SlackSettings,
) -> None:
    def ack_thinking(ack: Ack, command: dict[str, Any]) -> None:
        if command.get("text", "").strip():
            ack(text=notices.THINKING)
        else:
            ack(text=f"Ask a question after the command, e.g. `{slack.command} what is our plan?`")

    def answer(command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = command.get("text", "").strip()
        if not text:
            return
        place = Place(command["channel_id"], None, private=True, team=command.get("team_id"))
        question = Question(text, command["user_id"], place)

        def tell(notice: str) -> None:
            respond(text=notice)

        result = asker.ask_privately(question, tell)
        if result is None:
            return
        if result.needs_approval:
            held = approvals.submit(client, question, result)
            respond(text=notices.REVIEW_DM if held else notices.REVIEW_UNAVAILABLE)
            return
        view = poster.view(result, share=not result.refused, video=False)
        respond_answer(respond, poster.parts(result), view)

    def run_admin(command: dict[str, Any], respond: Respond) -> None:
        respond(text=admin.command(command["user_id"], command.get("text", "")))

    app.command(slack.command)(ack=ack_thinking, lazy=[answer])
    app.command(slack.admin_command)(ack=ack_only, lazy=[run_admin])
