"""Corpus admin in Slack: files uploaded by admins are ingested; `/twin-admin` does the rest.

An admin drops a file in a DM to the bot, the assistant pane (or slack.admin_channel); the bot
offers "Choose audience…" (a modal for the audience and kind) and "Ignore"; on submit it reads
the file with files.info, downloads it from url_private with the bot token, ingests it with the
Ingestor the CLI uses and reports back. Nobody else is offered anything.
"""

from __future__ import annotations

import logging
import re
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import notices
from bot.blocks.admin import (
    admin_help,
    documents_text,
    ingest_offer_blocks,
    ingest_report_text,
    stats_text,
)
from bot.blocks.modals import ingest_modal
from retrieval.access import normalize_audience
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor

if TYPE_CHECKING:
    from bot.directory import SlackDirectory
    from twin.settings import Settings

__all__ = ["CorpusAdmin"]

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class CorpusAdmin:
    def __init__(self, corpus: Corpus, directory: SlackDirectory, settings: Settings) -> None:
        self.corpus = corpus
        self.directory = directory
        self.slack = settings.slack
        self.uploads = Path(settings.home) / "uploads"
        self.max_bytes = int(settings.retrieval.max_file_mb * 1e6)

    def is_admin(self, user: str) -> bool:
        return self.directory.is_member(user, self.slack.admins)

    def accepts_uploads_in(self, channel: str, channel_type: str | None) -> bool:
        return channel_type == "im" or channel == self.slack.admin_channel

    # -- uploads -------------------------------------------------------------------------------

    def offer(self, client: WebClient, event: dict[str, Any]) -> bool:
        """Offer to ingest the files of an admin's upload (a DM, the assistant pane or the admin
        channel); False, offering nothing, when the uploader is not an admin."""
        if not self.is_admin(event["user"]):
            return False
        for file in event.get("files", []):
            blocks = ingest_offer_blocks(file["id"], file.get("name", file["id"]))
            self._reply(client, event, "Add this file?", blocks)
        return True

    def refuse(self, client: WebClient, event: dict[str, Any]) -> None:
        """Tell a non-admin who uploaded a file that only admins add what the twin knows."""
        self._reply(client, event, notices.NOT_ADMIN)

    def _reply(
        self, client: WebClient, event: dict[str, Any], text: str, blocks: list[Any] | None = None
    ) -> None:
        private = event.get("channel_type") == "im"
        thread_ts = event.get("thread_ts") or event["ts"]
        self._say(client, event["channel"], event["user"], private, thread_ts, text, blocks)

    def open_modal(
        self, client: WebClient, trigger_id: str, user: str, file_id: str, where: dict[str, Any]
    ) -> str | None:
        """The audience modal for `file_id`; returns a refusal for a non-admin."""
        if not self.is_admin(user):
            return notices.NOT_ADMIN
        file = client.files_info(file=file_id)["file"]
        info = {
            "id": file["id"],
            "name": file.get("name") or file["id"],
            "url": file.get("url_private_download") or file["url_private"],
            "channel": where["channel"],
            "thread_ts": where.get("thread_ts"),
        }
        client.views_open(
            trigger_id=trigger_id, view=ingest_modal(info, self.directory.known_groups())
        )
        return None

    def ingest(
        self, client: WebClient, user: str, file: dict[str, Any], audience: list[str], kind: str
    ) -> None:
        """Download and ingest the file chosen in the modal; report in the channel it came from."""
        channel = file["channel"]
        private = channel.startswith("D")
        if not self.is_admin(user):
            self._say(client, channel, user, private, file.get("thread_ts"), notices.NOT_ADMIN)
            return
        try:
            path = self._download(file, client.token)
            report = Ingestor(
                self.corpus,
                f"slack:{user}",
                [normalize_audience(audience)],
                kind,
            ).run([path])
            result = report.results[0]
            text = ingest_report_text(file["name"], result.status, result.error, result.doc_id)
            text += self._audience_note(result.doc_id, normalize_audience(audience))
        except (OSError, ValueError) as exc:
            log.warning("ingesting %s failed: %s", file["name"], exc)
            text = ingest_report_text(file["name"], "failed", str(exc), None)
        self._say(client, channel, user, private, file.get("thread_ts"), text)

    def _audience_note(self, doc_id: int | None, chosen: str) -> str:
        doc = self.corpus.document(doc_id) if doc_id else None
        if doc is None or doc.audience == chosen:
            return ""
        return (
            f" Its front matter sets the audience to `{doc.audience}`, which wins over `{chosen}`."
        )

    def _download(self, file: dict[str, Any], token: str | None) -> Path:
        limit = self.max_bytes
        name = _UNSAFE.sub("_", file["name"]).strip("._") or "upload"
        folder = self.uploads / _UNSAFE.sub("_", file["id"])
        folder.mkdir(parents=True, exist_ok=True)
        request = urllib.request.Request(file["url"], headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"the file is larger than retrieval.max_file_mb ({limit / 1e6:g} MB)")
        path = folder / name
        path.write_bytes(data)
        return path

    # -- /twin-admin -----------------------------------------------------------------------------

    def command(self, user: str, text: str) -> str:
        """What `/twin-admin TEXT` answers (ephemerally)."""
        if not self.is_admin(user):
            return notices.NOT_ADMIN
        verb, _, rest = text.strip().partition(" ")
        verb = verb.lower()
        corpus = self.corpus
        name = self.slack.admin_command
        if verb == "docs":
            return documents_text(corpus.documents())
        if verb == "stats":
            stats = corpus.stats()
            return stats_text(stats.by_kind, stats.first, stats.last)
        if verb == "remove":
            if not rest.strip().isdigit():
                return f"Usage: `{name} remove ID` (the ID from `{name} docs`)."
            removed = corpus.remove(int(rest))
            if removed is None:
                return f"No document has ID {rest.strip()}."
            return f"Removed `{removed.id}` {removed.title}."
        return admin_help(name)

    # -- replies -------------------------------------------------------------------------------

    @staticmethod
    def _say(
        client: WebClient,
        channel: str,
        user: str,
        private: bool,
        thread_ts: str | None,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> None:
        try:
            if private:
                client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=text, blocks=blocks
                )
            else:
                client.chat_postEphemeral(
                    channel=channel, user=user, thread_ts=thread_ts, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            log.warning("could not answer %s: %s", user, exc)
