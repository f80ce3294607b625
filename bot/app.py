"""The bolt App: request checks, event deduplication, then the listeners (bot.listeners)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient

from bot.listeners import register

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    services: Services,
    signing_secret: str = "",
    *,
    authorize: Authorize | None = None,
    client: WebClient | None = None,
) -> App:
    """A sync bolt App on `services.client`. `signing_secret` verifies HTTP requests (Socket
    Mode needs none). Listeners acknowledge at once and do their work in lazy functions, on a
    pool of slack.listener_threads threads (acks wait for a free one too). An OAuth install's
    workspace bot (bot.tenants) passes its `authorize` and a tokenless `client` instead."""
    app = App(
        client=client or services.client,
        authorize=cast("Callable[..., AuthorizeResult] | None", authorize),
        signing_secret=signing_secret,
        request_verification_enabled=bool(signing_secret),
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(
            max_workers=services.slack.listener_threads, thread_name_prefix="twin-listener"
        ),
    )
    app.use(_deduplicate(services))
    register(app, services)
    return app


def _deduplicate(services: Services) -> Callable[..., BoltResponse | None]:
    """Each Events API event is handled once: its event_id is taken with one INSERT (shared by
    every process on the database). A retry (X-Slack-Retry-Num) of an event already taken is
    acknowledged and dropped; a retry of one never seen (the first delivery was lost) is
    handled."""

    def middleware(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not services.events.first_time(str(event_id)):
            retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
            reason = (request.headers.get("x-slack-retry-reason") or [""])[0]
            log.info(
                "event %s already handled; dropping delivery (retry %s %s)", event_id, retry, reason
            )
            return BoltResponse(status=200, body="")
        return next()

    return middleware
