"""The bot's tasks: answering a question after the ack, rendering a video reply, ingesting an
admin's upload (from Slack, or from the console: retrieval.uploads). Each is a handler on
the process's Services, run by name through `twin.tasks` (in-process, or by `twin worker`
processes through the broker), with JSON arguments only."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.questions import Place, Question
from retrieval.uploads import INGEST_UPLOAD, ingest_upload
from twin.tasks import Handler

if TYPE_CHECKING:
    from bot.services import Services

__all__ = [
    "ANSWER",
    "COMMAND",
    "INGEST",
    "RENDER",
    "SLACK",
    "handlers",
    "question_args",
    "question_of",
]

ANSWER = "twin.answer"
COMMAND = "twin.command"  # the answer to the slash command, through its response_url
RENDER = "twin.render"
INGEST = "twin.ingest"
SLACK = "slack"  # the render task's publisher for video replies


def question_args(question: Question) -> dict[str, Any]:
    return asdict(question)


def question_of(args: dict[str, Any]) -> Question:
    return Question(args["text"], args["user"], Place(**args["place"]))


def handlers(services: Services) -> dict[str, Handler]:
    """The task handlers of `services` (a `twin serve` process or a `twin worker`)."""

    def client() -> WebClient:
        """The bot's client; an OAuth install's, with its current token for the whole task."""
        pinned = getattr(services.client, "pinned", None)
        return pinned() if pinned is not None else services.client

    def answer(question: dict[str, Any], key: str) -> None:
        services.asker.ask(client(), question_of(question), key)

    def command(question: dict[str, Any], response_url: str, key: str) -> None:
        from bot.slash import answer_command

        answer_command(services.asker, client(), question_of(question), response_url, key)

    def render(job_id: int, publisher: str = "") -> None:
        """`publisher` "slack": into the job's thread; "": render.jobs.publisher."""
        services.video.run_job(job_id, slack=publisher == SLACK)

    def ingest(user: str, file: dict[str, Any], audience: list[str], kind: str) -> None:
        services.admin.ingest(client(), user, file, audience, kind)

    def console_upload(job_id: str, files: list[dict[str, str]], kind: str, force: bool) -> None:
        ingest_upload(services.corpus, job_id, files, kind, force)

    return {
        ANSWER: answer,
        COMMAND: command,
        RENDER: render,
        INGEST: ingest,
        INGEST_UPLOAD: console_upload,
    }
