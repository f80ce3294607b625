"""files.getUploadURLExternal, the upload URL itself, files.completeUploadExternal, files.info."""

from __future__ import annotations

from ._api import ApiError, Args, invalid_arguments, method
from ._chat import post_as_bot
from ._model import Channel, JsonDict, UploadedFile
from ._workspace import Workspace


@method("files.getUploadURLExternal")
def get_upload_url(ws: Workspace, args: Args) -> JsonDict:
    filename = str(args.require("filename"))
    length = str(args.require("length"))
    if not length.isdigit():
        raise invalid_arguments("[ERROR] length must be an integer")
    if int(length) == 0:
        raise ApiError("missing_argument")
    file = UploadedFile(ws.ids.new("F"), filename, int(length), ws.identity.bot_user_id)
    file.alt_txt = str(args.get("alt_txt") or "")
    ws.files[file.id] = file
    return {"upload_url": f"{ws.base_url}/upload/v1/{file.id}", "file_id": file.id}


def store_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Keep the bytes POSTed to a file's upload URL; False for an unknown file."""
    file = ws.files.get(file_id)
    if file is None:
        return False
    file.content = content
    return True


@method("files.completeUploadExternal")
def complete_upload(ws: Workspace, args: Args) -> JsonDict:
    entries = args.require("files")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("[ERROR] files must be a non-empty array")
    files = [uploaded(ws, entry) for entry in entries]
    refs = str(args.get("channel_id") or args.get("channels") or "").split(",")
    channels = [target_channel(ws, ref) for ref in refs if ref]
    for channel in channels:
        share(ws, channel, files, args)
    return {"files": [f.to_api(ws.base_url, ws.identity.team_id) for f in files]}


def uploaded(ws: Workspace, entry: JsonDict) -> UploadedFile:
    file = ws.files.get(str(entry.get("id", "")))
    if file is None or file.content is None:
        raise ApiError("file_not_found")
    file.title = str(entry.get("title") or file.title or file.filename)
    return file


def target_channel(ws: Workspace, ref: str) -> Channel:
    channel = ws.resolve_channel(ref)
    if channel is None:
        raise ApiError("invalid_channel")
    if ws.identity.bot_user_id not in channel.members:
        raise ApiError("posting_to_channel_denied")
    return channel


def share(ws: Workspace, channel: Channel, files: list[UploadedFile], args: Args) -> None:
    """Post the files into the channel (or thread) as one message, with initial_comment."""
    content = {"text": str(args.get("initial_comment") or ""), "upload": True}
    message = post_as_bot(ws, channel.id, content, args.get("thread_ts"))
    for file in files:
        file.shares.append((channel.id, message["ts"]))
    message["files"] = [f.to_api(ws.base_url, ws.identity.team_id) for f in files]


def visible_to_bot(ws: Workspace, file: UploadedFile) -> bool:
    """The bot sees its own files and those shared where it is a member (a DM with it, a
    channel it was invited to); Slack answers file_not_found for the rest."""
    bot = ws.identity.bot_user_id
    return file.user == bot or any(bot in ws.channels[c].members for c, _ in file.shares)


@method("files.info")
def files_info(ws: Workspace, args: Args) -> JsonDict:
    file = ws.files.get(str(args.require("file", "file_not_found")))
    if file is None or not visible_to_bot(ws, file):
        raise ApiError("file_not_found")
    return {"file": file.to_api(ws.base_url, ws.identity.team_id)}
