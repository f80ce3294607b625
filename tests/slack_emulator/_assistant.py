"""assistant.threads.setStatus / setSuggestedPrompts / setTitle for AI app threads.

setStatus works in any thread the bot can post in (Slack's chat:write scope update of March
2026: channel threads too, not only the assistant pane); `loading_messages` takes 1 to 10
strings.
"""

from __future__ import annotations

from ._api import ApiError, Args, method
from ._model import JsonDict
from ._workspace import Workspace


def thread_root(ws: Workspace, args: Args) -> JsonDict:
    """The root message of the thread named by channel_id and thread_ts."""
    channel = args.channel(ws, "channel_id")
    root = ws.find(channel.id, str(args.require("thread_ts", "invalid_thread_ts")))
    if root is None:
        raise ApiError("invalid_thread_ts")
    return root


MAX_LOADING_MESSAGES = 10


@method("assistant.threads.setStatus")
def set_status(ws: Workspace, args: Args) -> JsonDict:
    if ws.identity.bot_user_id not in args.channel(ws, "channel_id").members:
        raise ApiError("not_in_channel")
    thread_root(ws, args)
    loading = args.get("loading_messages")
    if loading is not None and (
        not isinstance(loading, list)
        or not 0 < len(loading) <= MAX_LOADING_MESSAGES
        or not all(isinstance(m, str) and m for m in loading)
    ):
        raise ApiError("invalid_arguments")
    thread = (str(args["channel_id"]), str(args["thread_ts"]))
    status = str(args.get("status") or "")
    if status:
        ws.statuses[thread] = status
    else:
        ws.statuses.pop(thread, None)
    return {}


@method("assistant.threads.setSuggestedPrompts")
def set_suggested_prompts(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws, "channel_id")
    prompts = args.require("prompts")
    thread_ts = str(args.get("thread_ts") or "")
    ws.prompts[(channel.id, thread_ts)] = {"title": args.get("title"), "prompts": prompts}
    return {}


@method("assistant.threads.setTitle")
def set_title(ws: Workspace, args: Args) -> JsonDict:
    root = thread_root(ws, args)
    title = str(args.require("title"))
    root.setdefault("assistant_app_thread", {"title_blocks": [], "artifacts": []})["title"] = title
    return {}
