"""Low-level delivery: Events API callbacks, interaction payloads and slash commands, signed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from ._delivery import Courier, Delivery
from ._model import JsonDict
from ._payloads import envelope
from ._workspace import Workspace

FORM = "application/x-www-form-urlencoded"


class Sender:
    """Sends requests to the app's request URL and keeps every Delivery."""

    workspace: Workspace
    courier: Courier

    def send_event(
        self,
        event: JsonDict,
        *,
        timestamp: float | None = None,
        forged_signature: str | None = None,
    ) -> Delivery:
        """POST `event` in an event_callback envelope, signed (or forged, or stale)."""
        ws = self.workspace
        body = envelope(ws.identity, event, ws.ids.new("Ev"), ws.org_install)
        signing = {"timestamp": timestamp, "forged_signature": forged_signature}
        return self._send("event", json.dumps(body).encode(), "application/json", **signing)

    def send_interaction(
        self,
        payload: JsonDict,
        *,
        timestamp: float | None = None,
        forged_signature: str | None = None,
    ) -> Delivery:
        """POST an interaction payload as the form field `payload`, as Slack does."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        signing = {"timestamp": timestamp, "forged_signature": forged_signature}
        return self._send("interactivity", body, FORM, **signing)

    def send_command(
        self,
        form: dict[str, str],
        *,
        timestamp: float | None = None,
        forged_signature: str | None = None,
    ) -> Delivery:
        """POST a slash command's form fields."""
        signing = {"timestamp": timestamp, "forged_signature": forged_signature}
        return self._send("command", urlencode(form).encode(), FORM, **signing)

    def verify_url(self, challenge: str = "emulator-challenge") -> Delivery:
        """The url_verification handshake Slack makes when a request URL is configured."""
        body = {"token": self.workspace.identity.verification_token, "challenge": challenge}
        body["type"] = "url_verification"
        return self._send("url_verification", json.dumps(body).encode(), "application/json")

    def retry(self, delivery: Delivery, reason: str = "http_timeout") -> Delivery:
        """Send `delivery` again with X-Slack-Retry-Num one higher, as Slack's retries do."""
        content_type = delivery.headers["Content-Type"]
        retry_num = delivery.retry_num + 1
        return self._send(
            delivery.kind, delivery.body, content_type, retry_num=retry_num, retry_reason=reason
        )

    def _send(self, kind: str, body: bytes, content_type: str, **options: Any) -> Delivery:
        delivery = self.courier.send(kind, body, content_type, **options)
        self.workspace.mutate(lambda: self.workspace.deliveries.append(delivery))
        return delivery
