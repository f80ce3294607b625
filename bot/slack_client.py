"""The Slack Web API client every part of the bot uses: rate limits, server errors and dropped
connections are retried by slack_sdk's retry handlers, never shown to the employee.

A 429 is retried after its Retry-After; a 500 or 503 and a dropped connection after a short
backoff; each up to `retries` times.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

__all__ = ["retry_handlers", "web_client"]


def retry_handlers(retries: int) -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries),
        ConnectionErrorRetryHandler(max_retry_count=retries),
    ]


def web_client(token: str | None, base_url: str, retries: int) -> WebClient:
    return WebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(retries))
