"""What Slack sends to an app: Events API envelopes, interaction payloads, slash commands.

Pure builders: they take workspace records and return dicts; the shapes follow the examples in
Slack's event and interactivity reference pages.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from ._messages import find_element
from ._model import AppIdentity, Channel, JsonDict, User

THREAD_SUMMARY = ("reply_count", "reply_users", "reply_users_count", "latest_reply", "reactions")
SELECTS = ("static_select", "external_select", "radio_buttons", "overflow")


def envelope(
    identity: AppIdentity, event: JsonDict, event_id: str, org_wide: bool = False
) -> JsonDict:
    """The `event_callback` wrapper every Events API request carries (`org_wide`: the app is
    installed for the workspace's whole Enterprise Grid organisation)."""
    enterprise = identity.enterprise_id
    return {
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "enterprise_id": enterprise,
        "context_team_id": identity.team_id,
        "context_enterprise_id": enterprise,
        "api_app_id": identity.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "is_enterprise_install": org_wide,
        "authorizations": [
            {
                "enterprise_id": enterprise,
                "team_id": None if org_wide else identity.team_id,
                "user_id": identity.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": org_wide,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(12)}",
    }


def message_event(message: JsonDict, channel: Channel) -> JsonDict:
    event = {k: v for k, v in message.items() if k not in THREAD_SUMMARY}
    return {
        **event,
        "channel": channel.id,
        "event_ts": message["ts"],
        "channel_type": channel.channel_type,
    }


def app_mention_event(message: JsonDict, channel: Channel) -> JsonDict:
    keys = ("user", "text", "ts", "team", "client_msg_id", "blocks", "thread_ts", "files")
    fields = {k: message[k] for k in keys if k in message}
    return {"type": "app_mention", **fields, "channel": channel.id, "event_ts": message["ts"]}


def file_shared_event(file_id: str, user: str, channel: str, event_ts: str) -> JsonDict:
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": event_ts,
    }


def assistant_thread_event(
    kind: str, user: str, channel: str, thread_ts: str, context: JsonDict, event_ts: str
) -> JsonDict:
    """assistant_thread_started or assistant_thread_context_changed."""
    thread = {"user_id": user, "context": context, "channel_id": channel, "thread_ts": thread_ts}
    return {"type": kind, "assistant_thread": thread, "event_ts": event_ts}


def app_home_opened_event(
    user: str, channel: str, tab: str, view: JsonDict | None, event_ts: str
) -> JsonDict:
    event = {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab}
    return {**event, "event_ts": event_ts, **({"view": view} if view else {})}


def user_ref(user: User, team_id: str) -> JsonDict:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": team_id}


def channel_ref(channel: Channel) -> JsonDict:
    return {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}


def action(block_id: str, element: JsonDict, value: Any) -> JsonDict:
    """One entry of a block_actions payload's `actions`, for the element clicked."""
    kind = element.get("type", "button")
    result = {"action_id": element["action_id"], "block_id": block_id, "type": kind}
    result["action_ts"] = f"{time.time():.6f}"
    if kind in SELECTS:
        options = element.get("options", [])
        result["selected_option"] = next(
            (o for o in options if o.get("value") == value), {"value": value}
        )
        return result
    if kind == "feedback_buttons":  # `value`: "positive" or "negative", the button clicked
        if value not in ("positive", "negative"):
            raise ValueError("click feedback_buttons with value='positive' or 'negative'")
        button = element[f"{value}_button"]
        return {**result, "value": button["value"], "text": button["text"]}
    result["value"] = element.get("value") if value is None else value
    return {**result, **({"text": element["text"]} if "text" in element else {})}


def interaction(
    identity: AppIdentity, kind: str, user: User, trigger_id: str, org_wide: bool = False
) -> JsonDict:
    """The fields every interaction payload has."""
    return {
        "type": kind,
        "token": identity.verification_token,
        "api_app_id": identity.app_id,
        "team": identity.team,
        "enterprise": identity.enterprise,
        "is_enterprise_install": org_wide,
        "user": user_ref(user, identity.team_id),
        "trigger_id": trigger_id,
    }


def state_values(view: JsonDict, values: dict[str, dict[str, Any]]) -> JsonDict:
    """view.state.values; plain values become plain_text_input-style {type, value} entries."""
    state: JsonDict = {}
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            if not isinstance(value, dict):
                found = find_element(
                    [b for b in view["blocks"] if b.get("block_id") == block_id], action_id
                )
                kind = found[1].get("type", "plain_text_input") if found else "plain_text_input"
                value = {"type": kind, "value": value}
            state.setdefault(block_id, {})[action_id] = value
    return state


def slash_command(
    identity: AppIdentity,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    extra: dict[str, str],
    org_wide: bool = False,
) -> dict[str, str]:
    """The form fields of a slash command request; `extra` has trigger_id and response_url."""
    grid = {"enterprise_id": identity.enterprise_id} if identity.enterprise_id else {}
    return {
        **grid,
        "token": identity.verification_token,
        "team_id": identity.team_id,
        "team_domain": identity.team_domain,
        "channel_id": channel.id,
        "channel_name": channel_ref(channel)["name"],
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": identity.app_id,
        "is_enterprise_install": "true" if org_wide else "false",
        **extra,
    }
