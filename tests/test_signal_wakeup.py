"""A signal that the kernel hands to another thread still wakes the worker's event loop at
once (twin.signal_wakeup): without it, the main thread sleeps in epoll until the loop's next
timer and Celery's SIGTERM handler (the warm shutdown) waits up to 10 s."""

from __future__ import annotations

import signal
import threading
from types import FrameType, SimpleNamespace

from kombu.asynchronous import Hub

from twin.signal_wakeup import SignalWakeup


def test_a_signal_delivered_to_another_thread_wakes_the_event_loop() -> None:
    hub = Hub()
    worker = SimpleNamespace(hub=hub, use_eventloop=True)
    step = SignalWakeup(worker)
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGUSR1, handler)
    step.start(worker)
    try:
        bystander = threading.Event()
        sleeper = threading.Thread(target=bystander.wait, daemon=True)
        sleeper.start()
        assert sleeper.ident is not None
        signal.pthread_kill(sleeper.ident, signal.SIGUSR1)  # lands on the other thread
        events = hub.poller.poll(30)  # returns at once only if the signal wakes it
        assert step.reader.fileno() in [fd for fd, _ in events]
        assert received == [signal.SIGUSR1]  # the handler ran on the main thread
        bystander.set()
    finally:
        step.stop(worker)
        signal.signal(signal.SIGUSR1, previous)
