"""Slack-style identifiers, trigger ids and message timestamps."""

from __future__ import annotations

import secrets
import threading
import time


class IdFactory:
    """Unique ids per prefix: `new("F")` gives "F00000001", then "F00000002", ..."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            number = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = number
        return f"{prefix}{number:08d}"

    def trigger(self) -> str:
        """A trigger id shaped like Slack's, e.g. "12345.98765.abcd2358fdea"."""
        return f"{self.new('')}.{int(time.time())}.{secrets.token_hex(16)}"


class TsClock:
    """Message timestamps ("1700000000.000100"): wall-clock based, strictly increasing."""

    def __init__(self) -> None:
        self._last_us = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
            seconds, micros = divmod(self._last_us, 1_000_000)
        return f"{seconds}.{micros:06d}"
