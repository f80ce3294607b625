"""Periodic chores of a running bot: posting what waits in the outbox, reminding and escalating
waiting reviews, forgetting old event ids."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from slack_sdk import WebClient

if TYPE_CHECKING:
    from bot.nudges import Nudges
    from bot.outbox import Outbox
    from bot.store import EventLog

__all__ = ["Housekeeper"]

log = logging.getLogger(__name__)


class Housekeeper:
    """Runs `run_once` every `every_s` seconds in a daemon thread."""

    def __init__(
        self,
        client: WebClient,
        outbox: Outbox,
        nudges: Nudges,
        events: EventLog,
        *,
        every_s: float,
        event_ttl_s: float,
    ) -> None:
        self.client = client
        self.outbox = outbox
        self.nudges = nudges
        self.events = events
        self.every_s = every_s
        self.event_ttl_s = event_ttl_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Post due outbox messages, send due reminders and escalations, purge old event ids;
        returns the reminders and escalations sent."""
        self.outbox.deliver(self.client)
        sent = self.nudges.remind(self.client) + self.nudges.escalate(self.client)
        self.events.purge(self.event_ttl_s)
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
        while not self._stop.wait(self.every_s):
            try:
                self.run_once()
            except Exception:  # the database or Slack is away: try again next round
                log.exception("housekeeping failed; trying again later")
