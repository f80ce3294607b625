"""Periodic chores of a running bot: approval reminders, forgetting old event ids."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["Housekeeper"]

log = logging.getLogger(__name__)


class Housekeeper:
    """Runs `run_once` every slack.housekeeping_s seconds in a daemon thread."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Send due reminders and purge old event ids; returns the reminders sent."""
        s = self.services
        sent = s.approvals.remind(s.client)
        s.events.purge(s.slack.event_ttl_s)
        return sent

    def start(self) -> Housekeeper:
        self._thread = threading.Thread(target=self._loop, name="twin-housekeeping", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.services.slack.housekeeping_s):
            try:
                self.run_once()
            except Exception:  # the database or Slack is away: try again next round
                log.exception("housekeeping failed; trying again later")
