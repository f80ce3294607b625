"""Socket Mode: apps.connections.open and the WebSocket Slack delivers over.

apps.connections.open (with the app-level token) answers a one-time ws:// URL served here. A
connection gets Slack's `hello`; while one is open, deliveries go over it instead of HTTP: an
envelope (`envelope_id`, `type` events_api / interactive / slash_commands, `payload`,
`accepts_response_payload`, `retry_attempt`) that the app must acknowledge by sending back
{"envelope_id": ..., "payload": ...} within 3 s. The WebSocket itself (RFC 6455: the
handshake, masked client frames, text, ping/pong and close) is written here on the standard
library, so the app's real Socket Mode client is what is tested.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import parse_qs, urlsplit

from ._api import ApiError, Args, method
from ._model import JsonDict
from ._workspace import Workspace

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's handshake constant
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
ENVELOPE_TYPES = {
    "event": "events_api",
    "interactivity": "interactive",
    "command": "slash_commands",
}


@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    payload: JsonDict | None = None


@dataclass
class SocketAck:
    """How the app answered an envelope: acknowledged (with the ack's payload) or not."""

    acked: bool
    payload: JsonDict | None
    elapsed: float


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: IO[bytes] = sock.makefile("rb")
        self.lock = threading.Lock()
        self.open = True

    def send(self, opcode: int, data: bytes) -> None:
        size = len(data)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with self.lock:
            self.sock.sendall(head + data)

    def receive(self) -> tuple[int, bytes]:
        """One message (continuation frames joined), unmasked."""
        opcode, message = 0, b""
        while True:
            first, second = self._exact(2)
            opcode = opcode or first & 0x0F
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._exact(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._exact(8))[0]
            mask = self._exact(4) if second & 0x80 else b"\0\0\0\0"
            data = self._exact(size)
            message += bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if first & 0x80:
                return opcode, message

    def _exact(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) < size:
            raise ConnectionError("the app closed the WebSocket")
        return data

    def close(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class SocketLink:
    """The WebSocket endpoint and the envelopes waiting for their acknowledgement."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._waiting: dict[str, _Waiting] = {}
        self.envelopes: list[JsonDict] = []  # every envelope sent, in order
        self.connected_event = threading.Condition()
        self._thread = threading.Thread(target=self._accept, name="emulator-ws", daemon=True)
        self._thread.start()

    def new_url(self, app_id: str) -> str:
        ticket = secrets.token_hex(8)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={app_id}"

    @property
    def connected(self) -> bool:
        with self._lock:
            return any(c.open for c in self._connections)

    def wait_connected(self, timeout: float) -> bool:
        with self.connected_event:
            return self.connected_event.wait_for(lambda: self.connected, timeout)

    def deliver(
        self, kind: str, payload: JsonDict, retry: tuple[int, str], timeout: float
    ) -> SocketAck:
        """Send one envelope to the newest connection and wait for its acknowledgement."""
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "type": ENVELOPE_TYPES[kind],
            "payload": payload,
            "accepts_response_payload": kind != "event",
            "retry_attempt": retry[0],
            "retry_reason": retry[1] if retry[0] else "",
        }
        waiting = _Waiting()
        with self._lock:
            connection = next(c for c in reversed(self._connections) if c.open)
            self._waiting[envelope["envelope_id"]] = waiting
            self.envelopes.append(envelope)
        started = time.monotonic()
        connection.send(TEXT, json.dumps(envelope).encode())
        acked = waiting.done.wait(timeout)
        with self._lock:
            self._waiting.pop(envelope["envelope_id"], None)
        return SocketAck(acked, waiting.payload, time.monotonic() - started)

    def disconnect_all(self) -> None:
        """Slack closing every connection as it does now and then: a `disconnect` message
        (refresh_requested), a close frame, then the socket closed; the app should reconnect."""
        with self._lock:
            connections, self._connections = self._connections, []
        notice = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.send(TEXT, json.dumps(notice).encode())
                connection.send(CLOSE, struct.pack("!H", 1000))
            connection.close()

    def stop(self) -> None:
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    # -- the server side -----------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        connection = _Connection(sock)
        try:
            if not self._handshake(connection):
                return connection.close()
            with self._lock:
                self._connections.append(connection)
            hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "emulator"}}
            connection.send(TEXT, json.dumps({**hello, "connection_info": {}}).encode())
            with self.connected_event:
                self.connected_event.notify_all()
            self._read(connection)
        except (ConnectionError, OSError):
            pass
        finally:
            connection.open = False

    def _handshake(self, connection: _Connection) -> bool:
        lines = []
        while (line := connection.reader.readline().decode("latin-1").strip()) != "":
            lines.append(line)
        target = lines[0].split(" ")[1] if lines else ""
        ticket = parse_qs(urlsplit(target).query).get("ticket", [""])[0]
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
        }
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid or "sec-websocket-key" not in headers:
            connection.sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return False
        digest = hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()
        accept = base64.b64encode(digest).decode()
        connection.sock.sendall(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        return True

    def _read(self, connection: _Connection) -> None:
        while connection.open:
            opcode, data = connection.receive()
            if opcode == PING:
                connection.send(PONG, data)
            elif opcode == CLOSE:
                connection.send(CLOSE, data[:2])
                return connection.close()
            elif opcode == TEXT:
                self._acknowledged(json.loads(data))

    def _acknowledged(self, ack: JsonDict) -> None:
        with self._lock:
            waiting = self._waiting.get(str(ack.get("envelope_id")))
        if waiting is not None:
            waiting.payload = ack.get("payload")
            waiting.done.set()


@method("apps.connections.open")
def apps_connections_open(ws: Workspace, args: Args) -> JsonDict:
    link = ws.grid.socket if ws.grid is not None else None
    if link is None:
        raise ApiError("invalid_auth")
    return {"url": link.new_url(ws.identity.app_id)}
