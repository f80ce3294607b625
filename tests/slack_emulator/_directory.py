"""auth.test, users.*, usergroups.* and conversations.*: reading the workspace."""

from __future__ import annotations

from ._api import ApiError, Args, method
from ._model import JsonDict
from ._workspace import Workspace


@method("auth.test")
def auth_test(ws: Workspace, args: Args) -> JsonDict:
    identity = ws.identity
    info = ws.tokens.get(args.token or "")
    org_wide = bool(info and info.org_wide)
    answer = {
        "url": f"https://{identity.team_domain}.slack.com/",
        "team": identity.team_name,
        "user": identity.bot_name,
        "team_id": identity.team_id,
        "user_id": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "app_id": identity.app_id,
        "is_enterprise_install": org_wide,
    }
    return {**answer, "enterprise_id": identity.enterprise_id} if identity.enterprise_id else answer


@method("users.info")
def users_info(ws: Workspace, args: Args) -> JsonDict:
    user = ws.users.get(str(args.require("user", "user_not_found")))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_api(ws.identity.team_id, ws.identity.enterprise_id)}


@method("usergroups.list")
def usergroups_list(ws: Workspace, args: Args) -> JsonDict:
    include_users = args.flag("include_users")
    groups = [g.to_api(ws.identity.team_id, include_users) for g in ws.groups.values()]
    return {"usergroups": groups}


@method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, args: Args) -> JsonDict:
    group = ws.groups.get(str(args.require("usergroup", "no_such_subteam")))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


@method("conversations.info")
def conversations_info(ws: Workspace, args: Args) -> JsonDict:
    return {"channel": args.channel(ws).to_api()}


@method("conversations.history")
def conversations_history(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws)
    top_level = [m for m in ws.history[channel.id] if m.get("thread_ts", m["ts"]) == m["ts"]]
    newest_first = in_range(list(reversed(top_level)), args)
    return page(newest_first, args, "messages")


@method("conversations.replies")
def conversations_replies(ws: Workspace, args: Args) -> JsonDict:
    channel = args.channel(ws)
    thread = ws.thread(channel.id, str(args.require("ts", "thread_not_found")))
    if not thread:
        raise ApiError("thread_not_found")
    return page(in_range(thread, args), args, "messages")


def in_range(messages: list[JsonDict], args: Args) -> list[JsonDict]:
    """Apply oldest/latest; the bounds count only with `inclusive`, as Slack documents."""
    inclusive = args.flag("inclusive")
    oldest, latest = args.get("oldest"), args.get("latest")

    def keep(ts: float) -> bool:
        above = oldest is None or ts > float(oldest) or (inclusive and ts == float(oldest))
        below = latest is None or ts < float(latest) or (inclusive and ts == float(latest))
        return above and below

    return [m for m in messages if keep(float(m["ts"]))]


def page(items: list[JsonDict], args: Args, key: str) -> JsonDict:
    """One page of `items`: `limit` (default 100 here) and an opaque offset cursor."""
    cursor = str(args.get("cursor") or "0")
    if not cursor.isdigit():
        raise ApiError("invalid_cursor")
    start = int(cursor)
    limit = int(args.get("limit") or 100)
    chunk, rest = items[start : start + limit], items[start + limit :]
    metadata = {"next_cursor": str(start + limit) if rest else ""}
    return {key: chunk, "has_more": bool(rest), "response_metadata": metadata}
