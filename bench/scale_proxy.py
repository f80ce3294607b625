"""A round-robin HTTP balancer for the scale benchmark: Slack's requests go to the web
processes in turn, headers and body unchanged (the signature still verifies)."""

from __future__ import annotations

import itertools
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError, URLError

__all__ = ["RoundRobin"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
FORWARDED = (
    "Content-Type",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Slack-Retry-Num",
    "X-Slack-Retry-Reason",
    "User-Agent",
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the whole burst at once


class RoundRobin:
    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = itertools.cycle(upstreams)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/slack/events"

    def start(self) -> RoundRobin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_upstream(self) -> str:
        with self._lock:
            return next(self.upstreams)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k in FORWARDED if (v := self.headers.get(k)) is not None}
                request = urllib.request.Request(
                    balancer.next_upstream(), data=body, headers=headers, method="POST"
                )
                try:
                    with _OPENER.open(request, timeout=30) as response:
                        self._reply(response.status, response.read(), response.headers)
                except HTTPError as exc:
                    self._reply(exc.code, exc.read(), exc.headers)
                except URLError:
                    self._reply(502, b"upstream down", {})

            def _reply(self, status: int, data: bytes, headers: Any) -> None:
                self.send_response(status)
                kind = headers.get("Content-Type") if headers else None
                self.send_header("Content-Type", kind or "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
