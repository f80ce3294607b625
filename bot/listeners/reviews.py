"""The comms review buttons and modals: Approve, Edit & approve, Reject."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import constants as ids
from bot.approvals import Approvals
from bot.blocks.modals import edit_modal, reject_modal
from bot.listeners.common import ack_only, clicked, modal_text, tell_clicker
from bot.store import ApprovalStore

__all__ = ["register"]

Handler = Callable[..., None]


def ack_required(field: tuple[str, str], error: str) -> Handler:
    """A modal's ack: closes it when `field` is filled in, else shows `error` under it."""

    def handler(ack: Ack, view: dict[str, Any]) -> None:
        if modal_text(view, field).strip():
            ack()
        else:
            ack(response_action="errors", errors={field[0]: error})

    return handler


def register(app: App, approvals: Approvals, store: ApprovalStore, review_channel: str) -> None:
    def approve(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user, approval_id = clicked(body)
        decision = approvals.approve(client, approval_id, user)
        if not decision.applied:
            tell_clicker(respond, decision.message)

    def open_modal(kind: str) -> Handler:
        def handler(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            user, approval_id = clicked(body)
            allowed = approvals.check(approval_id, user)
            if not allowed.applied:
                tell_clicker(respond, allowed.message)
                return
            approval = store.get(approval_id)
            assert approval is not None
            edit = kind == "edit"
            view = edit_modal(approval_id, approval.draft) if edit else reject_modal(approval_id)
            client.views_open(trigger_id=body["trigger_id"], view=view)

        handler.__name__ = f"open_{kind}_modal"  # bolt tells lazy functions apart by name
        return handler

    def decide(kind: str) -> Handler:
        def handler(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            user = body["user"]["id"]
            approval_id = int(json.loads(view["private_metadata"])["approval"])
            text = modal_text(view, ids.EDIT_TEXT if kind == "edit" else ids.REJECT_REASON)
            if not text.strip():
                return  # the ack kept the modal open with an error; lazy functions run anyway
            if kind == "edit":
                decision = approvals.approve(client, approval_id, user, edited=text)
            else:
                decision = approvals.reject(client, approval_id, user, text)
            if not decision.applied and review_channel:
                client.chat_postEphemeral(channel=review_channel, user=user, text=decision.message)

        handler.__name__ = f"decide_{kind}"
        return handler

    app.action(ids.APPROVE)(ack=ack_only, lazy=[approve])
    app.action(ids.EDIT_APPROVE)(ack=ack_only, lazy=[open_modal("edit")])
    app.action(ids.REJECT)(ack=ack_only, lazy=[open_modal("reject")])
    app.view(ids.EDIT_MODAL)(
        ack=ack_required(ids.EDIT_TEXT, "The answer can't be empty."), lazy=[decide("edit")]
    )
    app.view(ids.REJECT_MODAL)(
        ack=ack_required(ids.REJECT_REASON, "Please give a reason."), lazy=[decide("reject")]
    )
