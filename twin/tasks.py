"""Tasks: work that outlives a request (an answer after Slack's ack, a video render, an admin
ingest), run by name with JSON arguments.

A task is a handler function registered under a name. `TaskRunner.dispatch(name, *args)` is the
one way work is handed on:

- `LocalTasks` (empty `tasks.broker_url`, the embedded default): the same handlers run in a
  pool of threads of this process, so `make demo` and a single-machine `twin serve` need no
  broker. Work queued here is lost if the process stops.
- `CeleryTasks`: the task is published to Celery over RabbitMQ and run by `twin worker`
  processes on any machine (`run_worker`). Messages are persistent and acknowledged only after
  the handler returns (acks_late), and a worker that dies mid-task has its task delivered again
  (RabbitMQ requeues the unacknowledged message when the worker's connection closes;
  reject_on_worker_lost does the same when a pool process dies). A handler may therefore run
  more than once: handlers record what they posted in SQL, so a second run never posts twice.

RabbitMQ rather than Redis as the broker: a task whose worker was killed is delivered again as
soon as the connection drops, while Redis's transport redelivers an unacknowledged message only
after its visibility timeout (an hour by default; shortening it delivers a long render to a
second worker while the first still works). Results are not kept: what a task did is in SQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from twin.sections.tasks import TaskSettings

if TYPE_CHECKING:
    from celery import Celery

__all__ = [
    "CeleryTasks",
    "Handler",
    "LocalTasks",
    "TaskRunner",
    "UnknownTask",
    "celery_app",
    "run_worker",
    "task_runner",
]

log = logging.getLogger(__name__)

Handler = Callable[..., None]


class UnknownTask(LookupError):
    """No handler is registered under this task name."""


class TaskRunner:
    """Runs a named task with JSON-serialisable arguments, somewhere, soon."""

    def dispatch(self, name: str, *args: Any) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop taking tasks (work already handed on finishes or stays with the broker)."""


class LocalTasks(TaskRunner):
    """The handlers, run in a pool of threads of this process."""

    def __init__(self, handlers: Mapping[str, Handler], threads: int = 8) -> None:
        self.handlers = dict(handlers)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="twin-task")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def dispatch(self, name: str, *args: Any) -> None:
        if name not in self.handlers:
            raise UnknownTask(f"task {name!r}: no such task")
        future = self._pool.submit(self._run, name, args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def wait(self, timeout: float | None = None) -> None:
        """Until every task handed on so far has ended (tests, the CLI)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _run(self, name: str, args: tuple[Any, ...]) -> None:
        try:
            self.handlers[name](*args)
        except Exception:
            log.exception("task %s failed", name)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)


class CeleryTasks(TaskRunner):
    """Publishes tasks to the broker for `twin worker` processes, on a connection of its own
    (kombu's pools are shared by every app in the process): one publish at a time."""

    def __init__(self, settings: TaskSettings, workspace: str = "") -> None:
        self.settings = settings
        self.workspace = workspace  # sent as the `workspace` keyword: the worker routes by it
        self.app = celery_app(settings)
        self._lock = threading.Lock()
        # No heartbeat: an idle web process sends none; a dropped connection is reopened when
        # the next task is published (kombu's ensure, under send_task's retry policy).
        self._connection = self.app.connection_for_write(heartbeat=0)
        self._producer = self.app.amqp.Producer(self._connection)

    def dispatch(self, name: str, *args: Any) -> None:
        with self._lock:
            self.app.send_task(
                name,
                args=list(args),
                kwargs={"workspace": self.workspace} if self.workspace else None,
                queue=self.settings.queue,
                producer=self._producer,
            )

    def close(self) -> None:
        with self._lock:
            self._connection.release()
        self.app.close()


def celery_app(settings: TaskSettings, handlers: Mapping[str, Handler] | None = None) -> Celery:
    """A Celery app on `settings.broker_url` with `handlers` registered as its tasks."""
    from celery import Celery

    app = Celery("twin", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged after the handler returns, not when received
        task_reject_on_worker_lost=True,  # a pool process that dies: the message goes back
        task_acks_on_failure_or_timeout=True,  # a handler that raised is not run forever
        worker_prefetch_multiplier=1,  # a worker holds no more messages than it has threads
        task_ignore_result=True,
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_enable_remote_control=False,  # no pidbox queue: workers are never steered
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    for name, handler in (handlers or {}).items():
        app.task(name=name, bind=False, acks_late=True, reject_on_worker_lost=True)(handler)
    return app


def task_runner(
    settings: TaskSettings, handlers: Mapping[str, Handler], workspace: str = ""
) -> TaskRunner:
    """In-process without a broker; else Celery (the handlers then run in `twin worker`, on
    the services of `workspace`, an OAuth install's workspace key, when it is given)."""
    if settings.in_process:
        return LocalTasks(handlers, settings.threads)
    return CeleryTasks(settings, workspace)


def run_worker(settings: TaskSettings, handlers: Mapping[str, Handler], name: str) -> None:
    """Consume `settings.queue` with `settings.threads` threads until a signal stops it."""
    from twin.signal_wakeup import SignalWakeup

    app = celery_app(settings, handlers)
    app.steps["worker"].add(SignalWakeup)
    worker = app.Worker(
        pool="threads",
        concurrency=settings.threads,
        queues=[settings.queue],
        hostname=f"twin@{name}",
        loglevel="INFO",
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        quiet=True,
    )
    worker.start()
