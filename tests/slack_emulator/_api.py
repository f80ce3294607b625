"""Web API dispatch: the method registry, token checks, argument helpers and Slack's errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ._model import Call, Channel, JsonDict
from ._scopes import needed_scope
from ._workspace import Workspace

Handler = Callable[[Workspace, "Args"], JsonDict]

METHODS: dict[str, Handler] = {}
STREAMING_METHODS = frozenset({"chat.startStream", "chat.appendStream", "chat.stopStream"})
# Methods authenticated by the app's client id and secret, not a token.
CLIENT_METHODS = frozenset({"openid.connect.token", "oauth.v2.access"})
# Methods an app-level token (xapp-) calls, and only those.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Arguments Slack takes as JSON, which form-encoded requests carry as JSON strings.
JSON_ARGS = frozenset({"blocks", "attachments", "view", "files", "prompts", "metadata", "chunks"})


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the Web API method `name`."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


class ApiError(Exception):
    """An `{"ok": false, "error": ...}` answer, with any extra fields Slack adds."""

    def __init__(
        self, error: str, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> JsonDict:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(message: str) -> ApiError:
    return ApiError("invalid_arguments", response_metadata={"messages": [message]})


class Args(dict[str, Any]):
    """A method's arguments, with the checks Slack applies to them (and the caller's token)."""

    token: str | None = None

    def require(self, name: str, error: str | None = None) -> Any:
        value = self.get(name)
        if value in (None, ""):
            if error:
                raise ApiError(error)
            raise invalid_arguments(f"[ERROR] missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        return str(self.get(name, "")).lower() in ("1", "true")

    def channel(
        self, ws: Workspace, name: str = "channel", error: str = "channel_not_found"
    ) -> Channel:
        channel = ws.resolve_channel(str(self.require(name, error)))
        if channel is None:
            raise ApiError(error)
        return channel


def decode_json_args(args: JsonDict) -> JsonDict:
    """Turn JSON strings of form-encoded requests into objects, as Slack parses them."""
    decoded = dict(args)
    for name in JSON_ARGS & decoded.keys():
        value = decoded[name]
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                decoded[name] = json.loads(value)
            except json.JSONDecodeError as error:
                code = "invalid_blocks_format" if name == "blocks" else "invalid_arguments"
                raise ApiError(code) from error
    return decoded


Reply = tuple[int, JsonDict, dict[str, str]]


def dispatch(ws: Workspace, name: str, args: JsonDict, token: str | None) -> Reply:
    """Answer one Web API call and record it, whatever the answer: (status, body, headers)."""
    headers: dict[str, str] = {}
    with ws.changed:  # the call is recorded before anyone waiting sees what it changed
        try:
            args = decode_json_args(args)
            status, body = _answer(ws, name, Args(args), token)
        except ApiError as error:
            status, body, headers = error.status, error.body(), error.headers
        ws.record(Call(name, args, token, time.time(), body))
    return status, body, headers


def _answer(ws: Workspace, name: str, args: Args, token: str | None) -> tuple[int, JsonDict]:
    handler = METHODS.get(name)
    if handler is None or (name in STREAMING_METHODS and not ws.streaming):
        raise ApiError("unknown_method", status=404, req_method=name)
    if ws.mutate(lambda: ws.throttle.hit(name)):
        retry_after = {"Retry-After": str(ws.throttle.retry_after)}
        raise ApiError("ratelimited", status=429, headers=retry_after)
    if name not in CLIENT_METHODS:
        authenticate(ws, name, args, token)
    args.token = token
    with ws.changed:
        body = handler(ws, args)
        ws.changed.notify_all()
    return 200, {"ok": True, **body}


def authenticate(ws: Workspace, name: str, args: Args, token: str | None) -> None:
    """The token's checks, in Slack's order: present, known, of the right type, not expired,
    with the scope the method needs."""
    if not token:
        raise ApiError("not_authed")
    if token in ws.user_tokens:
        return
    info = ws.app_tokens.get(token) if name in APP_TOKEN_METHODS else ws.tokens.get(token)
    if info is None:
        known = token in ws.app_tokens or token in ws.tokens
        raise ApiError("not_allowed_token_type" if known else "invalid_auth")
    if info.expires_at is not None and time.time() >= info.expires_at:
        raise ApiError("token_expired")
    ref = args.get("channel")
    needed = needed_scope(name, ws.resolve_channel(str(ref)) if ref else None)
    if needed and info.scopes is not None and needed not in info.scopes:
        provided = ",".join(sorted(info.scopes))
        raise ApiError("missing_scope", needed=needed, provided=provided)
