"""views.open / push / update / publish: modals exchanged for trigger ids, and App Home tabs."""

from __future__ import annotations

import secrets
import time

from ._api import ApiError, Args, invalid_arguments, method
from ._blockkit import check_view_blocks
from ._model import JsonDict
from ._workspace import Workspace


def view_spec(args: Args, kinds: tuple[str, ...]) -> JsonDict:
    spec = args.require("view")
    if not isinstance(spec, dict) or spec.get("type") not in kinds:
        raise invalid_arguments(f"[ERROR] view type must be one of {', '.join(kinds)}")
    check_view_blocks(spec.get("blocks", []))
    return spec


def build_view(
    ws: Workspace, spec: JsonDict, view_id: str, root: str, previous: str | None
) -> JsonDict:
    """The view object Slack answers with: the caller's fields plus ids, state and hash."""
    identity = ws.identity
    return {
        "id": view_id,
        "team_id": identity.team_id,
        "type": spec["type"],
        "title": spec.get("title"),
        "submit": spec.get("submit"),
        "close": spec.get("close"),
        "blocks": spec.get("blocks", []),
        "private_metadata": spec.get("private_metadata", ""),
        "callback_id": spec.get("callback_id", ""),
        "external_id": spec.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": bool(spec.get("clear_on_close", False)),
        "notify_on_close": bool(spec.get("notify_on_close", False)),
        "root_view_id": root,
        "previous_view_id": previous,
        "app_id": identity.app_id,
        "app_installed_team_id": identity.team_id,
        "bot_id": identity.bot_id,
    }


def exchange_trigger(ws: Workspace, args: Args) -> str:
    """The user a trigger id was issued for; a trigger works once, within `trigger_ttl` s."""
    trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
    if not trigger_id:
        raise invalid_arguments("[ERROR] missing required field: trigger_id")
    trigger = ws.triggers.get(str(trigger_id))
    if trigger is None:
        raise invalid_arguments("invalid `trigger_id`")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued_at > ws.trigger_ttl:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger.user


def store(ws: Workspace, view: JsonDict, user: str) -> JsonDict:
    external_id = view["external_id"]
    if external_id and any(
        v["external_id"] == external_id and v["id"] != view["id"] for v in ws.views.values()
    ):
        raise ApiError("duplicate_external_id")
    ws.views[view["id"]] = view
    ws.view_users[view["id"]] = user
    return {"view": view}


def top_modal(ws: Workspace, user: str) -> JsonDict | None:
    modals = [
        v
        for view_id, v in ws.views.items()
        if ws.view_users[view_id] == user
        and v["type"] == "modal"
        and view_id not in ws.closed_views
    ]
    return modals[-1] if modals else None


@method("views.open")
def views_open(ws: Workspace, args: Args) -> JsonDict:
    spec = view_spec(args, ("modal",))
    user = exchange_trigger(ws, args)
    view_id = ws.ids.new("V")
    return store(ws, build_view(ws, spec, view_id, view_id, None), user)


@method("views.push")
def views_push(ws: Workspace, args: Args) -> JsonDict:
    spec = view_spec(args, ("modal",))
    user = exchange_trigger(ws, args)
    current = top_modal(ws, user)
    view_id = ws.ids.new("V")
    root = current["root_view_id"] if current else view_id
    view = build_view(ws, spec, view_id, root, current["id"] if current else None)
    return store(ws, view, user)


@method("views.update")
def views_update(ws: Workspace, args: Args) -> JsonDict:
    spec = view_spec(args, ("modal", "home"))
    current = find_view(ws, args)
    if args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view = build_view(ws, spec, current["id"], current["root_view_id"], current["previous_view_id"])
    return store(ws, view, ws.view_users[current["id"]])


def find_view(ws: Workspace, args: Args) -> JsonDict:
    view_id, external_id = args.get("view_id"), args.get("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("[ERROR] missing required field: view_id or external_id")
    for view in ws.views.values():
        if view["id"] == view_id or (external_id and view["external_id"] == external_id):
            return view
    raise ApiError("not_found")


@method("views.publish")
def views_publish(ws: Workspace, args: Args) -> JsonDict:
    user = str(args.require("user_id"))
    if user not in ws.users:
        raise invalid_arguments("invalid `user_id`")
    spec = view_spec(args, ("home",))
    current_id = ws.home_views.get(user)
    current = ws.views.get(current_id) if current_id else None
    if current and args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view_id = current_id or ws.ids.new("V")
    ws.home_views[user] = view_id
    return store(ws, build_view(ws, spec, view_id, view_id, None), user)
