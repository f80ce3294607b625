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
    Mode needs none). A listener's own function runs before the response (process before
    response), so a question is with the task engine before Slack has its ack (and a task that
    cannot be handed on is answered 500: Slack retries); listeners keep to quick steps there
    (hand on a task, open a modal, check an edit) and do the rest in lazy functions, on a pool
    of slack.listener_threads threads. An OAuth install's workspace bot (bot.tenants) passes
    its `authorize` and a tokenless `client` instead."""
    app = App(
        client=client or services.client,
        authorize=cast("Callable[..., AuthorizeResult] | None", authorize),
        signing_secret=signing_secret,
        request_verification_enabled=bool(signing_secret),
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=services.slack.listener_threads, thread_name_prefix="twin-listener"
        ),
    )
    app.use(_deduplicate(services))
    app.error(_give_back(services))
    register(app, services)
    return app


def _give_back(services: Services) -> Callable[..., None]:
    """A listener failed before the response (e.g. its task could not be published): Slack
    gets a 500 and retries, so the event id is given back for the retry to be handled."""

    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("listener failed: %s", error, exc_info=error)
        if body.get("type") == "event_callback" and body.get("event_id"):
            services.events.forget(str(body["event_id"]))

    return on_error


def _deduplicate(services: Services) -> Callable[..., BoltResponse | None]:
    """Each Events API event is handled once: its event_id is taken with one INSERT (shared by
    every process on the database). A retry (X-Slack-Retry-Num) of an event already taken is
    acknowledged and dropped; a retry of one never seen (the first delivery was lost) is
    handled, and so is the retry of one this process failed to hand on (its task could not be
    published: the event id is given back)."""

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
