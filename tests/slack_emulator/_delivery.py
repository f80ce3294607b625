"""Delivering requests to the app the way Slack does: signed HTTP POSTs, timed, with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from ._socket import SocketLink

ACK_DEADLINE = 3.0  # seconds Slack waits for the app to acknowledge a request
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return f"v0={digest.hexdigest()}"


@dataclass(frozen=True)
class Delivery:
    """One request sent to the app and how the app answered it."""

    kind: str  # "event", "interactivity", "command" or "url_verification"
    body: bytes
    headers: dict[str, str]
    status: int | None  # None when the app did not answer (timeout, refused)
    response_body: bytes
    elapsed: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def acked_in_time(self) -> bool:
        return self.ok and self.elapsed < ACK_DEADLINE

    @property
    def text(self) -> str:
        return self.response_body.decode("utf-8", "replace")

    @property
    def retry_num(self) -> int:
        return int(self.headers.get("X-Slack-Retry-Num", "0"))

    @property
    def event(self) -> dict[str, Any]:
        """The `event` of an Events API delivery (empty for other kinds)."""
        return dict(self.payload.get("event", {})) if self.kind == "event" else {}

    def json(self) -> Any:
        """The app's acknowledgement body as JSON, or None when it was empty."""
        return json.loads(self.response_body) if self.response_body.strip() else None

    @property
    def payload(self) -> dict[str, Any]:
        """What was sent: the event envelope, the interaction payload or the command form."""
        if self.headers["Content-Type"].startswith("application/json"):
            return dict(json.loads(self.body))
        form = {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}
        return dict(json.loads(form["payload"])) if self.kind == "interactivity" else form


class Courier:
    """Signs and POSTs requests to the app's request URL, timing the acknowledgement; while the
    app holds a Socket Mode connection, sends them over it instead."""

    def __init__(self, signing_secret: str, request_url: str | None, timeout: float) -> None:
        self.signing_secret = signing_secret
        self.request_url = request_url
        self.timeout = timeout
        self.socket: SocketLink | None = None

    def send(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        *,
        timestamp: float | None = None,
        forged_signature: str | None = None,
        retry_num: int = 0,
        retry_reason: str = "http_timeout",
    ) -> Delivery:
        if self.socket is not None and self.socket.connected and kind != "url_verification":
            return self._over_socket(kind, body, content_type, retry_num, retry_reason)
        if not self.request_url and self.socket is not None:
            raise RuntimeError("the app holds no Socket Mode connection (wait_for_socket)")
        if not self.request_url:
            raise RuntimeError("set the emulator's request_url to the app's URL first")
        stamp = str(int(time.time() if timestamp is None else timestamp))
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": forged_signature or signature(self.signing_secret, stamp, body),
        }
        if retry_num:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._post(kind, body, headers)

    def _post(self, kind: str, body: bytes, headers: dict[str, str]) -> Delivery:
        request = urllib.request.Request(str(self.request_url), body, headers, method="POST")
        started = time.monotonic()
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status, answer = response.status, response.read()
        except HTTPError as error:
            with error:
                status, answer = error.code, error.read()
        except (TimeoutError, URLError) as error:
            elapsed = time.monotonic() - started
            return Delivery(kind, body, headers, None, b"", elapsed, repr(error))
        return Delivery(kind, body, headers, status, answer, time.monotonic() - started)

    def _over_socket(
        self, kind: str, body: bytes, content_type: str, retry_num: int, retry_reason: str
    ) -> Delivery:
        headers = {"Content-Type": content_type, "X-Socket-Mode": "1"}
        if retry_num:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        unsent = Delivery(kind, body, headers, None, b"", 0.0)
        assert self.socket is not None
        ack = self.socket.deliver(kind, unsent.payload, (retry_num, retry_reason), self.timeout)
        if not ack.acked:
            error = f"no acknowledgement within {self.timeout}s"
            return Delivery(kind, body, headers, None, b"", ack.elapsed, error)
        answer = json.dumps(ack.payload).encode() if ack.payload else b""
        return Delivery(kind, body, headers, 200, answer, ack.elapsed)
