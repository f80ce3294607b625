"""The emulator's HTTP side: the Web API under /api/, upload URLs, file downloads, response URLs."""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import _assistant, _chat, _directory, _oauth, _socket, _streaming, _views  # noqa: F401
from ._api import dispatch
from ._files import store_upload
from ._grid import Grid
from ._model import JsonDict
from ._oauth import install_page
from ._openid import authorize
from ._respond import respond
from ._scopes import manifest_bot_scopes
from ._workspace import Workspace


def multipart_fields(body: bytes, content_type: str) -> list[tuple[str, bytes, str | None]]:
    """(name, value, filename) of each part of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = str(part.get_param("name", header="content-disposition") or "")
        fields.append((name, part.get_payload(decode=True) or b"", part.get_filename()))
    return fields


def parse_body(body: bytes, content_type: str) -> JsonDict:
    """Arguments from a JSON, form-encoded or multipart request body."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        parsed = json.loads(body)
        return parsed if isinstance(parsed, dict) else {}
    if kind == "multipart/form-data":
        fields = multipart_fields(body, content_type)
        return {name: value.decode("utf-8", "replace") for name, value, _ in fields}
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def uploaded_bytes(body: bytes, content_type: str) -> bytes:
    """An upload URL takes raw bytes or a multipart form whose file part holds them."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    fields = multipart_fields(body, content_type)
    files = [value for name, value, filename in fields if filename or name in ("file", "filename")]
    return files[0] if files else b""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read recorded calls instead of the access log."""

    def _route(self) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/openid/connect/authorize":
            return self._authorize()
        if path == "/oauth/v2/authorize":
            return self._install()
        routes = {
            "/api/": self._web_api,
            "/upload/v1/": self._upload,
            "/files-pri/": self._download,
            "/response/": self._response_url,
        }
        for prefix, route in routes.items():
            if path.startswith(prefix):
                return route(path.removeprefix(prefix), body)
        self._send(404, b"not found", "text/plain")

    def _web_api(self, method: str, body: bytes) -> None:
        try:
            args = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            args.update(parse_body(body, self.headers.get("Content-Type", "")))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._send_json(200, {"ok": False, "error": "invalid_json"})
        token = self._bearer() or args.get("token")
        args.pop("token", None)
        args.update(self._basic())
        ws = self.server.grid.route(token, args)
        status, answer, headers = dispatch(ws, method, args, token)
        if answer.get("ok"):
            info = ws.tokens.get(token or "")
            scopes = info.scopes if info and info.scopes is not None else manifest_bot_scopes()
            headers = {**headers, "x-oauth-scopes": ",".join(sorted(scopes))}
        self._send_json(status, answer, headers)

    def _upload(self, file_id: str, body: bytes) -> None:
        content = uploaded_bytes(body, self.headers.get("Content-Type", ""))
        ws = self.server.grid.find(file_id) or self.server.workspace
        if not ws.mutate(lambda: store_upload(ws, file_id, content)):
            return self._send(404, b"file not found", "text/plain")
        self._send(200, f"OK - {len(content)}".encode(), "text/plain")

    def _download(self, path: str, body: bytes) -> None:
        ws = self.server.grid.find(path.split("/")[0]) or self.server.workspace
        if self._bearer() not in ws.tokens:
            return self._send(403, b"invalid_auth", "text/plain")
        file = ws.read(lambda: ws.files.get(path.split("/")[0]))
        if file is None or file.content is None:
            return self._send(404, b"file_not_found", "text/plain")
        self._send(200, file.content, file.mimetype)

    def _response_url(self, target_id: str, body: bytes) -> None:
        ws = self.server.grid.find(target_id) or self.server.workspace
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return self._send_json(400, {"ok": False, "error": "invalid_payload"})
        status, answer = ws.mutate(lambda: respond(ws, target_id, payload))
        self._send_json(status, answer)

    def _install(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        grid = self.server.grid
        with grid.lock:
            status, page, headers = install_page(grid, query)
        self._send(status, page.encode(), "text/html; charset=utf-8", headers)

    def _authorize(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        ws = self.server.grid.browser()
        status, page, headers = ws.mutate(lambda: authorize(ws, query))
        self._send(status, page.encode(), "text/html; charset=utf-8", headers)

    def _basic(self) -> dict[str, str]:
        """client_id and client_secret from HTTP Basic auth (how slack_sdk sends them)."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return {}
        decoded = base64.b64decode(header.removeprefix("Basic ").strip()).decode()
        client_id, _, secret = decoded.partition(":")
        return {"client_id": client_id, "client_secret": secret}

    def _bearer(self) -> str | None:
        header = self.headers.get("Authorization", "")
        return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None

    def _send_json(
        self, status: int, body: JsonDict, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many app processes call at once, as they do Slack

    def __init__(self, grid: Grid) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.grid = grid

    @property
    def workspace(self) -> Workspace:
        """The first team: Sign in with Slack and requests no token routes elsewhere."""
        assert self.grid.primary is not None
        return self.grid.primary


class ApiServer:
    """Serves the teams of a grid on a free loopback port from a background thread."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._server = _Server(self.grid)
        base_url = f"http://127.0.0.1:{self._server.server_port}"
        for ws in self.grid.teams.values():
            ws.base_url = base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return base_url

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None
