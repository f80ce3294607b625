"""chat.startStream / appendStream / stopStream: a message built up while it is streamed.

When the emulator's `streaming` flag is off these methods answer `unknown_method` (HTTP 404),
which is what Slack's method reference lists as "This method is currently not available.".
"""

from __future__ import annotations

from ._api import ApiError, Args, method
from ._blockkit import check_message_blocks
from ._chat import post_as_bot, writable_channel
from ._messages import rich_text_blocks
from ._model import JsonDict
from ._workspace import Stream, Workspace


def append(message: JsonDict, stream: Stream, args: Args) -> None:
    """Add markdown_text and any markdown_text chunks to the streamed message."""
    chunks = list(args.get("chunks") or [])
    stream.chunks.extend(chunks)
    pieces = [args.get("markdown_text") or ""]
    pieces += [c.get("text", "") for c in chunks if c.get("type") == "markdown_text"]
    message["text"] += "".join(pieces)
    message["blocks"] = rich_text_blocks(message["text"]) if message["text"] else []


def open_stream(ws: Workspace, args: Args) -> tuple[JsonDict, Stream]:
    channel = args.channel(ws)
    ts = str(args.require("ts", "message_not_found"))
    message = ws.find(channel.id, ts)
    if message is None:
        raise ApiError("message_not_found")
    stream = ws.streams.get((channel.id, ts))
    if stream is None or not stream.open:
        raise ApiError("message_not_in_streaming_state")
    return message, stream


@method("chat.startStream")
def start_stream(ws: Workspace, args: Args) -> JsonDict:
    channel = writable_channel(ws, args)
    if not channel.is_im:
        for name in ("recipient_user_id", "recipient_team_id"):
            if not args.get(name):
                raise ApiError(f"missing_{name}")
    message = post_as_bot(ws, channel.id, {"text": ""}, args.get("thread_ts"))
    stream = Stream(channel.id, message["ts"])
    ws.streams[(channel.id, message["ts"])] = stream
    append(message, stream, args)
    return {"channel": channel.id, "ts": message["ts"]}


@method("chat.appendStream")
def append_stream(ws: Workspace, args: Args) -> JsonDict:
    message, stream = open_stream(ws, args)
    if not args.get("markdown_text") and not args.get("chunks"):
        raise ApiError("no_text")
    append(message, stream, args)
    return {"channel": stream.channel, "ts": stream.ts}


@method("chat.stopStream")
def stop_stream(ws: Workspace, args: Args) -> JsonDict:
    message, stream = open_stream(ws, args)
    if args.get("blocks"):
        check_message_blocks(args["blocks"])
    append(message, stream, args)
    if args.get("blocks"):
        message["blocks"] = [*message["blocks"], *args["blocks"]]
    if args.get("metadata"):
        message["metadata"] = args["metadata"]
    stream.open = False
    return {"channel": stream.channel, "ts": stream.ts, "message": message}
