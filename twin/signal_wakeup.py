"""A worker step that wakes Celery's event loop as soon as a signal arrives.

Python runs signal handlers on the main thread only, but the kernel hands a process's signal to
any of its threads. With the answerer's and the pool's threads running, SIGTERM mostly lands on
one of those: the main thread sleeps on in epoll until the loop's next timer (up to 10 s) before
Celery's handler starts the warm shutdown. `signal.set_wakeup_fd` makes every signal also write
a byte to a socket the loop watches, so the main thread wakes and the handler runs at once.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from typing import Any

from celery import bootsteps

__all__ = ["SignalWakeup"]


class SignalWakeup(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Hub",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.reader, self.writer = socket.socketpair()
        self.previous = -1

    def include_if(self, worker: Any) -> bool:
        return bool(worker.use_eventloop)

    def start(self, worker: Any) -> None:
        for end in (self.reader, self.writer):
            end.setblocking(False)
        self.previous = signal.set_wakeup_fd(self.writer.fileno(), warn_on_full_buffer=False)
        worker.hub.add_reader(self.reader, self._drain)

    def stop(self, worker: Any) -> None:
        signal.set_wakeup_fd(self.previous)
        if worker.hub is not None:
            worker.hub.remove_reader(self.reader)
        self.reader.close()
        self.writer.close()

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self.reader.recv(4096)
