"""chat.* and reactions.*: posting, editing, deleting and reacting to messages."""

from __future__ import annotations

from ._api import ApiError, Args, method
from ._blockkit import check_message_blocks
from ._messages import bot_message, rich_text_blocks
from ._model import Channel, JsonDict
from ._workspace import Workspace

CONTENT_FIELDS = ("text", "blocks", "attachments", "markdown_text")


def message_content(args: Args) -> JsonDict:
    """text/blocks/attachments/metadata of chat.postMessage and chat.update, checked like Slack."""
    markdown = args.get("markdown_text")
    if markdown and (args.get("text") or args.get("blocks")):
        raise ApiError("markdown_text_conflict")
    if not any(args.get(name) for name in CONTENT_FIELDS):
        raise ApiError("no_text")
    if args.get("blocks") is not None:
        check_message_blocks(args["blocks"])
    content = {k: args[k] for k in ("blocks", "attachments", "metadata") if args.get(k) is not None}
    content["text"] = markdown or args.get("text") or ""
    return content


def writable_channel(ws: Workspace, args: Args) -> Channel:
    """The channel the app posts to; the bot must be a member of it."""
    channel = args.channel(ws)
    if ws.identity.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def post_as_bot(ws: Workspace, channel: str, content: JsonDict, thread_ts: str | None) -> JsonDict:
    """Post a bot message; like Slack, a reply clears the thread's assistant status."""
    message = ws.post(channel, bot_message(ws.identity, content), thread_ts)
    if thread_ts:
        ws.statuses.pop((channel, thread_ts), None)
    return message


def own_message(ws: Workspace, channel: Channel, ts: str, error: str) -> JsonDict:
    message = ws.find(channel.id, ts)
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != ws.identity.bot_id:
        raise ApiError(error)
    return message


@method("chat.postMessage")
def post_message(ws: Workspace, args: Args) -> JsonDict:
    channel = writable_channel(ws, args)
    content = message_content(args)
    message = post_as_bot(ws, channel.id, content, args.get("thread_ts"))
    return {"channel": channel.id, "ts": message["ts"], "message": message}


@method("chat.update")
def update(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws)
    ts = str(args.require("ts", "message_not_found"))
    message = own_message(ws, channel, ts, "cant_update_message")
    if ws.is_streaming(channel.id, ts):
        raise ApiError("streaming_state_conflict")
    edit(ws, message, message_content(args))
    return {"channel": channel.id, "ts": ts, "text": message["text"], "message": message}


def edit(ws: Workspace, message: JsonDict, content: JsonDict) -> None:
    """Apply an edit; blocks and attachments not given are kept, as chat.update documents."""
    derived = not message.get("blocks") or message["blocks"][0].get("type") == "rich_text"
    message.update(content)
    if "blocks" not in content and derived:
        message["blocks"] = rich_text_blocks(message["text"]) if message["text"] else []
    message["edited"] = {"user": ws.identity.bot_user_id, "ts": ws.clock.next()}


@method("chat.delete")
def delete(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws)
    ts = str(args.require("ts", "message_not_found"))
    own_message(ws, channel, ts, "cant_delete_message")
    ws.delete(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


@method("chat.postEphemeral")
def post_ephemeral(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws)
    user = str(args.require("user"))
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    message = bot_message(ws.identity, message_content(args))
    ts = ws.clock.next()
    message.update(ts=ts, **({"thread_ts": args["thread_ts"]} if args.get("thread_ts") else {}))
    ws.ephemerals.append({"channel": channel.id, "user": user, "message": message})
    return {"message_ts": ts}


def reaction_target(ws: Workspace, args: Args) -> tuple[JsonDict, str]:
    name = str(args.require("name", "invalid_name")).strip(":")
    if not args.get("channel") or not args.get("timestamp"):
        raise ApiError("no_item_specified")
    message = ws.find(args.channel(ws).id, str(args["timestamp"]))
    if message is None:
        raise ApiError("message_not_found")
    return message, name


@method("reactions.add")
def add_reaction(ws: Workspace, args: Args) -> JsonDict:
    message, name = reaction_target(ws, args)
    bot = ws.identity.bot_user_id
    reactions = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if bot in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(bot)
    reaction["count"] = len(reaction["users"])
    return {}


@method("reactions.remove")
def remove_reaction(ws: Workspace, args: Args) -> JsonDict:
    message, name = reaction_target(ws, args)
    bot = ws.identity.bot_user_id
    reactions = message.get("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name and bot in r["users"]), None)
    if reaction is None:
        raise ApiError("no_reaction")
    reaction["users"].remove(bot)
    reaction["count"] = len(reaction["users"])
    message["reactions"] = [r for r in reactions if r["count"]]
    return {}
