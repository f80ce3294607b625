"""The comms review buttons and modals: View draft, Approve, Edit & approve, Reject.

Modals are opened in the ack, within the 3 s life of the click's trigger_id (the checks before
them read only the database and the cached directory). An edited answer is checked
(bot.edits) in the ack of its modal: a problem keeps the modal open, saying what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import constants as ids
from bot.approvals import Approvals
from bot.blocks.modals import draft_modal, edit_fields, edit_modal, reject_modal
from bot.blocks.reviews import draft_blocks
from bot.edits import EditCheck
from bot.listeners.common import ack_only, clicked, modal_text, tell_clicker
from bot.store import ApprovalStore

__all__ = ["register"]

Handler = Callable[..., None]


def edited_text(view: dict[str, Any]) -> str:
    """The answer typed into an edit modal, its parts joined."""
    parts = json.loads(view["private_metadata"]).get("parts", 1)
    texts = [modal_text(view, field).strip() for field in edit_fields(parts)]
    return "\n\n".join(t for t in texts if t)


def _approval_of(view: dict[str, Any]) -> int:
    return int(json.loads(view["private_metadata"])["approval"])


def opener(kind: str, approvals: Approvals, store: ApprovalStore) -> Handler:
    """The ack of a button that opens a modal: check, then open it at once."""

    def handler(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user, approval_id = clicked(body)
        allowed = approvals.check(approval_id, user, sees_draft=kind != "reject")
        approval = store.get(approval_id)
        if not allowed.applied or approval is None:
            tell_clicker(respond, allowed.message)
            return
        if kind == "edit":
            view = edit_modal(approval_id, approval.draft)
        elif kind == "draft":
            view = draft_modal(approval_id, draft_blocks(approvals.card(approval)))
        else:
            view = reject_modal(approval_id)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handler


def decider(
    kind: str, approvals: Approvals, store: ApprovalStore, edits: EditCheck, review_channel: str
) -> Handler:
    """The lazy work after a submitted edit or reject modal."""

    def handler(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        edit = kind == "edit"
        text = edited_text(view) if edit else modal_text(view, ids.REJECT_REASON).strip()
        approval = store.get(_approval_of(view))
        if not text or approval is None or (edit and edits.problem(approval, text)):
            return  # the ack kept the modal open with an error; lazy functions run anyway
        if edit:
            decision = approvals.approve(client, approval.id, user, edited=text)
        else:
            decision = approvals.reject(client, approval.id, user, text)
        if not decision.applied and review_channel:
            client.chat_postEphemeral(channel=review_channel, user=user, text=decision.message)

    handler.__name__ = f"decide_{kind}"  # bolt tells lazy functions apart by name
    return handler


def ack_reject(ack: Ack, view: dict[str, Any]) -> None:
    if modal_text(view, ids.REJECT_REASON).strip():
        ack()
    else:
        ack(response_action="errors", errors={ids.REJECT_REASON[0]: "Please give a reason."})


def register(
    app: App,
    approvals: Approvals,
    store: ApprovalStore,
    edits: EditCheck,
    review_channel: str,
) -> None:
    def approve(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user, approval_id = clicked(body)
        decision = approvals.approve(client, approval_id, user)
        if not decision.applied:
            tell_clicker(respond, decision.message)

    def ack_edit(ack: Ack, view: dict[str, Any]) -> None:
        text = edited_text(view)
        approval = store.get(_approval_of(view))
        problem = "The answer can't be empty." if not text else None
        if problem is None and approval is not None:
            problem = edits.problem(approval, text)
        if problem:
            ack(response_action="errors", errors={ids.EDIT_TEXT[0]: problem[:2000]})
        else:
            ack()

    app.action(ids.APPROVE)(ack=ack_only, lazy=[approve])
    app.action(ids.VIEW_DRAFT)(opener("draft", approvals, store))
    app.action(ids.EDIT_APPROVE)(opener("edit", approvals, store))
    app.action(ids.REJECT)(opener("reject", approvals, store))
    decide = {k: decider(k, approvals, store, edits, review_channel) for k in ("edit", "reject")}
    app.view(ids.EDIT_MODAL)(ack=ack_edit, lazy=[decide["edit"]])
    app.view(ids.REJECT_MODAL)(ack=ack_reject, lazy=[decide["reject"]])
