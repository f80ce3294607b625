"""response_url: what the app POSTs there shows up the way Slack would show it."""

from __future__ import annotations

import time

from ._api import ApiError
from ._blockkit import check_message_blocks
from ._chat import edit, post_as_bot
from ._messages import bot_message
from ._model import JsonDict, ResponsePost
from ._workspace import ResponseTarget, Workspace

MAX_USES = 5  # Slack: a response_url works up to 5 times within 30 minutes


def respond(ws: Workspace, target_id: str, payload: JsonDict) -> tuple[int, JsonDict]:
    """Record a response_url POST and apply it; the caller holds the workspace lock."""
    target = ws.response_targets.get(target_id)
    if target is None:
        return 404, {"ok": False, "error": "expired_url"}
    if target.uses >= MAX_USES:
        return 404, {"ok": False, "error": "used_url"}
    if payload.get("blocks") is not None:
        try:
            check_message_blocks(payload["blocks"])
        except ApiError as error:
            return 400, error.body()
    target.uses += 1
    url = f"{ws.base_url}/response/{target_id}"
    ws.responses.append(ResponsePost(url, payload, target.user, target.channel, time.time()))
    apply(ws, target, payload)
    return 200, {"ok": True}


def apply(ws: Workspace, target: ResponseTarget, payload: JsonDict) -> None:
    content = {k: payload[k] for k in ("text", "blocks", "attachments") if k in payload}
    original = (
        ws.find(target.channel, target.message_ts) if target.channel and target.message_ts else None
    )
    if payload.get("delete_original") and original is not None:
        ws.delete(str(target.channel), original["ts"])
    elif (
        payload.get("replace_original")
        and original
        and original.get("bot_id") == ws.identity.bot_id
    ):
        edit(ws, original, {"text": "", **content})
    elif payload.get("response_type") == "in_channel" and target.channel:
        post_as_bot(ws, target.channel, content, payload.get("thread_ts") or target.thread_ts)
    elif target.channel:
        message = {**bot_message(ws.identity, content), "ts": ws.clock.next()}
        ws.ephemerals.append({"channel": target.channel, "user": target.user, "message": message})
