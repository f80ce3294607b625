"""A per-user rate limit: at most `limit` questions in any `window_s` seconds (per process)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._asked: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, user: str) -> float:
        """0 if `user` may ask now (and count it), else the seconds until they may."""
        now = self.clock()
        with self._lock:
            asked = self._asked[user]
            while asked and now - asked[0] >= self.window_s:
                asked.popleft()
            if len(asked) >= self.limit:
                return max(0.1, self.window_s - (now - asked[0]))
            asked.append(now)
            return 0.0
