"""The task engine's section: where work that outlives a request runs."""

from __future__ import annotations

from pydantic import Field

from twin.sections.base import Section

__all__ = ["TaskSettings"]


class TaskSettings(Section):
    """Answers after the ack, video renders and admin ingests are tasks: run in this process
    (empty broker_url, the embedded default) or by `twin worker` processes through a broker."""

    # Celery broker, e.g. "amqp://guest:guest@rabbitmq:5672//". Empty: tasks run in a pool of
    # `threads` threads inside the process that receives the request (`twin serve`, the CLI).
    broker_url: str = Field("", pattern=r"^$|^(amqp|amqps|pyamqp)://")
    # Threads that run tasks in-process (no broker), and per `twin worker` process.
    threads: int = Field(8, ge=1, le=256)
    # The Celery queue every task goes to.
    queue: str = Field("twin", pattern=r"^[A-Za-z0-9._-]{1,64}$")

    @property
    def in_process(self) -> bool:
        return not self.broker_url
