"""Interaction payloads built from the workspace, and what the app's acks do to it.

Every function here runs under the workspace lock (via `Workspace.mutate`).
"""

from __future__ import annotations

import copy
from typing import Any

from ._delivery import Delivery
from ._messages import find_element
from ._model import Channel, JsonDict, User
from ._payloads import action, channel_ref, interaction, state_values
from ._respond import apply
from ._views import build_view
from ._workspace import ResponseTarget, Workspace


def locate(ws: Workspace, ts: str) -> tuple[Channel, JsonDict]:
    """The channel and stored message with timestamp `ts` (unique across the workspace)."""
    for channel_id, history in ws.history.items():
        for message in history:
            if message["ts"] == ts:
                return ws.channels[channel_id], message
    raise ValueError(f"no message with ts {ts!r} in the emulated workspace")


def element(blocks: list[JsonDict], action_id: str) -> tuple[str, JsonDict]:
    found = find_element(blocks, action_id)
    if found is None:
        raise ValueError(f"no element with action_id {action_id!r} in those blocks")
    return found


def block_actions(
    ws: Workspace, user: User, target: JsonDict, action_id: str, value: Any
) -> JsonDict:
    """A block_actions payload for a click in a message, an ephemeral message or a view."""
    payload = interaction(
        ws.identity, "block_actions", user, ws.issue_trigger(user.id), ws.org_install
    )
    payload["state"] = {"values": {}}
    if target.get("type") in ("modal", "home") and target.get("id") in ws.views:
        view = ws.views[target["id"]]
        block_id, clicked = element(view["blocks"], action_id)
        fields = {"container": {"type": "view", "view_id": view["id"]}, "view": view}
    elif "message" in target and "channel" in target:  # an ephemeral message record
        message, channel = target["message"], ws.channels[target["channel"]]
        block_id, clicked = element(message.get("blocks", []), action_id)
        fields = message_fields(ws, user, channel, message, ephemeral=True)
    else:
        channel, message = locate(ws, target["ts"])
        block_id, clicked = element(message.get("blocks", []), action_id)
        fields = message_fields(ws, user, channel, message, ephemeral=False)
    payload |= copy.deepcopy(fields)
    payload["actions"] = [action(block_id, clicked, value)]
    return payload


def message_fields(
    ws: Workspace, user: User, channel: Channel, message: JsonDict, ephemeral: bool
) -> JsonDict:
    """container, channel, response_url (and message, unless ephemeral) of a message click."""
    thread_ts = message.get("thread_ts")
    container = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel.id,
        "is_ephemeral": ephemeral,
        **({"thread_ts": thread_ts} if thread_ts else {}),
    }
    source_ts = None if ephemeral else message["ts"]
    url = ws.new_response_url(user.id, channel.id, source_ts, thread_ts)
    fields = {"container": container, "channel": channel_ref(channel), "response_url": url}
    return fields if ephemeral else {**fields, "message": message}


def view_submission(
    ws: Workspace, user: User, view_id: str, values: dict[str, dict[str, Any]]
) -> JsonDict:
    view = copy.deepcopy(ws.views[view_id])
    view["state"] = {"values": state_values(view, values)}
    payload = interaction(
        ws.identity, "view_submission", user, ws.issue_trigger(user.id), ws.org_install
    )
    return {**payload, "view": view, "response_urls": []}


def shortcut(ws: Workspace, user: User, callback_id: str, message: JsonDict | None) -> JsonDict:
    """A global shortcut payload, or a message_action one when `message` is given."""
    kind = "message_action" if message else "shortcut"
    payload = interaction(ws.identity, kind, user, ws.issue_trigger(user.id), ws.org_install)
    payload |= {"callback_id": callback_id, "action_ts": ws.clock.next()}
    if message is None:
        return payload
    channel, stored = locate(ws, message["ts"])
    url = ws.new_response_url(user.id, channel.id, stored["ts"], stored.get("thread_ts"))
    fields = {"channel": channel_ref(channel), "message_ts": stored["ts"], "response_url": url}
    return payload | copy.deepcopy({**fields, "message": stored})


def ack_body(delivery: Delivery) -> JsonDict | None:
    """The app's acknowledgement as JSON; plain text becomes {"text": ...}; empty is None."""
    body = delivery.response_body.strip()
    if not delivery.ok or not body:
        return None
    return dict(delivery.json()) if body.startswith(b"{") else {"text": delivery.text}


def apply_view_ack(ws: Workspace, user: User, view_id: str, ack: JsonDict | None) -> None:
    """An empty ack closes the modal; update and push replace or stack a view; clear closes
    the whole stack; errors keeps it open — as Slack's modal docs describe."""
    response_action = (ack or {}).get("response_action")
    current = ws.views[view_id]
    root, previous = current["root_view_id"], current["previous_view_id"]
    if response_action is None:
        ws.closed_views.add(view_id)
    elif response_action == "update" and ack:
        ws.views[view_id] = build_view(ws, ack["view"], view_id, root, previous)
    elif response_action == "push" and ack:
        pushed = ws.ids.new("V")
        ws.views[pushed] = build_view(ws, ack["view"], pushed, root, view_id)
        ws.view_users[pushed] = user.id
    elif response_action == "clear":
        ws.closed_views.update(v for v, view in ws.views.items() if view["root_view_id"] == root)


def apply_command_ack(ws: Workspace, user: User, channel: Channel, ack: JsonDict) -> None:
    """A slash command's ack body is a message: ephemeral unless response_type in_channel."""
    apply(ws, ResponseTarget("ack", user.id, channel.id), ack)
