"""Corpus admin: the "Choose audience…" and "Ignore" buttons under an uploaded file, and the
audience modal."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import constants as ids
from bot.admin import CorpusAdmin
from bot.listeners.common import ack_only, tell_clicker, thread_of
from bot.tasks import INGEST
from twin.tasks import TaskRunner

__all__ = ["register"]


def register(app: App, admin: CorpusAdmin, tasks: TaskRunner) -> None:
    def open_ingest(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user = body["user"]["id"]
        file_id = body["actions"][0]["value"]
        channel, thread_ts = thread_of(body)
        where = {"channel": channel, "thread_ts": thread_ts}
        refusal = admin.open_modal(client, body["trigger_id"], user, file_id, where)
        if refusal:
            tell_clicker(respond, refusal)

    def ingest(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Handed to the ingest task before the ack (the broker has it once Slack has the ack)."""
        values = view["state"]["values"]
        block, action = ids.INGEST_AUDIENCE
        audience = [o["value"] for o in values[block][action].get("selected_options") or []]
        block, action = ids.INGEST_KIND
        kind = (values[block][action].get("selected_option") or {}).get("value", "auto")
        file = json.loads(view["private_metadata"])
        tasks.dispatch(INGEST, body["user"]["id"], file, audience or ["all"], kind)
        ack()

    def ignore(respond: Respond) -> None:
        respond(delete_original=True)

    app.action(ids.INGEST_FILE)(ack=ack_only, lazy=[open_ingest])
    app.action(ids.IGNORE_FILE)(ack=ack_only, lazy=[ignore])
    app.view(ids.INGEST_MODAL)(ingest)
