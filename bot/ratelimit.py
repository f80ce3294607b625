"""The per-user question limit: at most `limit` questions in any `window_s` seconds.

A moving window from the `limits` library. Its storage is in memory (one process) by default;
with a Redis URL (slack.rate_limit_storage: "redis://host:6379/0") every process of the bot
counts against the same limit.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

__all__ = ["QuestionLimit"]


class QuestionLimit:
    def __init__(self, limit: int, window_s: float, storage_url: str = "memory://") -> None:
        self.item = RateLimitItemPerSecond(limit, max(1, math.ceil(window_s)), namespace="twin")
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def check(self, user: str) -> float:
        """0 if `user` may ask now (and count it), else the seconds until they may."""
        if self.limiter.hit(self.item, "question", user):
            return 0.0
        reset = self.limiter.get_window_stats(self.item, "question", user).reset_time
        return max(0.1, reset - time.time())
