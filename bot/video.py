"""Video replies: the "Video reply" button queues a render job; the clip lands in the thread.

A click (or an answer in one of slack.video_channels) posts a notice in the thread that the video
is being made, records a render job (render.jobs) whose target is the thread, and hands the
render task its id (twin.tasks: in-process, or `twin worker` processes through the broker). The
task renders the clip and SlackPublisher uploads it into the thread with files_upload_v2.
Answers longer than render.script_max_chars are shortened for the video at a sentence boundary,
and the thread says so.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import notices
from bot.posting import AnswerPoster
from bot.slack_client import web_client
from bot.store import APPROVED, PENDING, REJECTED, ApprovalStore
from bot.tasks import RENDER, SLACK
from persona.audit import AuditLog
from persona.results import Citation
from persona.spoken import spoken_script
from render.errors import RenderError
from render.publish import Publisher, RetryPublish

if TYPE_CHECKING:
    from render.jobs import Job, RenderQueue
    from render.worker import Worker
    from twin.tasks import TaskRunner

from twin.settings import Settings

__all__ = ["SlackPublisher", "VideoReplies", "slack_publisher"]

log = logging.getLogger(__name__)


class VideoReplies:
    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        sessions: sessionmaker[Session],
        approvals: ApprovalStore,
        poster: AnswerPoster,
        tasks: TaskRunner,
    ) -> None:
        self.settings = settings
        self.client = client
        self.sessions = sessions
        self.approvals = approvals
        self.poster = poster
        self._lock = threading.Lock()
        self.tasks = tasks
        self._queue: RenderQueue | None = None
        self._workers: dict[bool, Worker] = {}
        # OAuth installs (bot.tenants): the workspace a job is for, and each workspace's client.
        self.workspace: str | None = None
        self.clients: Callable[[str], WebClient] | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.slack.video_replies

    def request(
        self, client: WebClient, *, answer_id: int, user: str, channel: str, thread_ts: str | None
    ) -> str | None:
        """Queue a video of the answer for the thread; returns a note for the requester alone,
        or None when the thread shows what happens."""
        if not self.enabled:
            return notices.VIDEO_DISABLED
        text = self._answer_text(answer_id)
        if text is None:
            return notices.video_unavailable("this answer was not posted.")
        private = channel.startswith("D")
        if not private and not self._public(answer_id):
            return notices.VIDEO_RESTRICTED
        key = f"slack:{answer_id}:{channel}:{thread_ts or ''}"
        queue = self.queue()
        if queue.find(key) is not None:
            return notices.VIDEO_ALREADY
        script, shortened = spoken_script(text, self.settings)
        notice = notices.video_started(user)
        if shortened:
            notice += notices.VIDEO_SHORTENED
        posted = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=notice)
        target = {
            "channel": channel,
            "thread_ts": thread_ts,
            "user": user,
            "notice_ts": str(posted["ts"]),
            "shortened": shortened,
            "answer_id": answer_id,
            **({"workspace": self.workspace} if self.workspace else {}),
        }
        return self._enqueue(client, queue, script, target, key)

    def _enqueue(
        self, client: WebClient, queue: RenderQueue, script: str, target: dict[str, Any], key: str
    ) -> str | None:
        try:
            job = queue.enqueue(
                script,
                persona=self.settings.persona.name,
                target=target,
                request_key=key,
            )
        except RenderError as exc:  # e.g. no consent on record
            text = notices.video_unavailable(str(exc))
            client.chat_update(channel=target["channel"], ts=target["notice_ts"], text=text)
            return None
        if job.target.get("notice_ts") != target["notice_ts"]:  # a simultaneous click won
            client.chat_delete(channel=target["channel"], ts=target["notice_ts"])
            return notices.VIDEO_ALREADY
        self.tasks.dispatch(RENDER, job.id, SLACK)
        return None

    # -- the queue and the render task ---------------------------------------------------------

    def queue(self) -> RenderQueue:
        with self._lock:
            if self._queue is None:
                from render.jobs import RenderQueue

                settings = self.settings
                self._queue = RenderQueue(
                    settings.db_url, settings.render.jobs, sessions=self.sessions
                )
            return self._queue

    def run_job(self, job_id: int, *, slack: bool) -> None:
        """The render task: render job `job_id` and publish it (into its Slack thread, or with
        render.jobs.publisher)."""
        self._worker(slack=slack).run_job(job_id)

    def resume(self) -> int:
        """In-process tasks (no broker): hand on again the render jobs a stopped process left
        queued or running; returns how many. With a broker they wait there."""
        if not (self.enabled and self.settings.tasks.in_process):
            return 0
        from render.jobs import QUEUED, RUNNING

        queue = self.queue()
        left = [j for status in (QUEUED, RUNNING) for j in queue.jobs(status, limit=1000)]
        for job in left:
            self.tasks.dispatch(RENDER, job.id, SLACK if "channel" in job.target else "")
        return len(left)

    def _worker(self, *, slack: bool) -> Worker:
        with self._lock:
            if slack not in self._workers:
                from render.worker import Worker

                publisher = SlackPublisher(self.client, self.clients) if slack else None
                self._workers[slack] = Worker.from_settings(self.settings, publisher=publisher)
            return self._workers[slack]

    def stop(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.close()
            self._workers.clear()

    # -- what the video says -------------------------------------------------------------------

    def _answer_text(self, answer_id: int) -> str | None:
        """The answer body as posted: the approved text if it was reviewed; None if not posted."""
        approval = self.approvals.for_answer(answer_id)
        if approval is not None and approval.status in (PENDING, REJECTED):
            return None
        if approval is not None and approval.status == APPROVED:
            return approval.final
        record = AuditLog(self.sessions).get(answer_id)
        if record is None or record.needs_approval:
            return None
        disclosure = self.settings.persona.disclosure
        text = record.answer
        if disclosure and text.endswith(disclosure):
            text = text[: -len(disclosure)]
        return text.strip()

    def _public(self, answer_id: int) -> bool:
        record = AuditLog(self.sessions).get(answer_id)
        citations = [Citation(**c) for c in (record.citations if record else [])]
        return self.poster.is_public(citations)


class SlackPublisher(Publisher):
    """Uploads a finished clip into the job's thread with files_upload_v2 (with the client of
    the job's workspace, for an OAuth install's)."""

    def __init__(
        self, client: WebClient, clients: Callable[[str], WebClient] | None = None
    ) -> None:
        self.client = client
        self.clients = clients

    def _client(self, target: dict[str, Any]) -> WebClient:
        workspace = target.get("workspace")
        return self.clients(workspace) if workspace and self.clients else self.client

    def publish(self, job: Job, clip_path: Path) -> None:
        target = job.target
        comment = notices.video_ready(target.get("user", ""))
        if target.get("shortened"):
            comment += notices.VIDEO_SHORTENED
        try:
            self._client(target).files_upload_v2(
                channel=target["channel"],
                thread_ts=target.get("thread_ts"),
                file=str(clip_path),
                filename=f"video-reply-{job.id}.mp4",
                title=f"Video reply by {job.persona}'s AI twin",
                initial_comment=comment,
            )
        except SlackApiError as exc:
            # files.getUploadURLExternal refused before anything was sent: safe to retry later.
            if exc.response.get("error") == "ratelimited":
                raise RetryPublish("Slack rate limit") from exc
            raise
        self._update_notice(target, comment)

    def failed(self, job: Job, error: str) -> None:
        text = notices.video_failed(error[:300])
        if not self._update_notice(job.target, text):
            try:
                self._client(job.target).chat_postMessage(
                    channel=job.target["channel"], thread_ts=job.target.get("thread_ts"), text=text
                )
            except SlackApiError as exc:
                log.warning("could not tell the thread that video %s failed: %s", job.id, exc)

    def _update_notice(self, target: dict[str, Any], text: str) -> bool:
        if not target.get("notice_ts"):
            return False
        try:
            self._client(target).chat_update(
                channel=target["channel"], ts=target["notice_ts"], text=text
            )
        except SlackApiError:
            return False
        return True


def slack_publisher(settings: Settings) -> SlackPublisher:
    """For `render.jobs.publisher: "bot.video:slack_publisher"` in `twin worker` processes."""
    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        raise RenderError("SLACK_BOT_TOKEN is not set: the Slack publisher needs the bot token")
    slack = settings.slack
    return SlackPublisher(web_client(token, slack.api_base_url, slack.api_retries))
