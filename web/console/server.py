"""Serving the console with uvicorn from a background thread, beside the Slack app."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

__all__ = ["ConsoleServer"]


class ConsoleServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    def start(self, timeout: float = 20.0) -> ConsoleServer:
        self._thread = threading.Thread(target=self._server.run, name="twin-console", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console did not start (is the port taken?)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
