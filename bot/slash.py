"""The answer to `/ask-<name>`, run as a task: to the asker alone, through the command's
response_url, once however often the task runs (bot.deliveries; Slack keeps no ephemeral
message to look for, so a run that died between claiming the answer and recording it is the
one case answered again)."""

from __future__ import annotations

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.asking import Asker
from bot.blocks import notices
from bot.deliveries import HELD, PRIVATE
from bot.listeners.common import respond_answer
from bot.questions import Question

__all__ = ["answer_command"]


def answer_command(
    asker: Asker, client: WebClient, question: Question, response_url: str, key: str
) -> None:
    respond = Respond(response_url=response_url)
    run = asker.once.begin(client, key, question)
    if run.done:
        return

    def tell(notice: str) -> None:
        respond(text=notice)

    result = asker.ask_privately(question, tell, limit=not run.retried)
    if result is None:
        asker.once.refused(run)
        return
    if not asker.once.may_post(run):
        return
    if result.needs_approval:
        held = asker.approvals.submit(client, question, result)
        respond(text=notices.REVIEW_DM if held else notices.REVIEW_UNAVAILABLE)
        asker.once.finished(run, HELD, [], result)
        return
    view = asker.poster.view(result, share=not result.refused, video=False)
    respond_answer(respond, asker.poster.parts(result), view)
    asker.once.finished(run, PRIVATE, [], result)
