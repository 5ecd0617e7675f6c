"""A loopback web server that misbehaves on purpose, and a resolver that points `*.test` at it.

Unlike pytest-httpserver (Werkzeug), every byte on the wire is ours: a status line without a
reason, 200 headers, a Content-Length that lies, a body that drips or stops half-way, a
request answered with silence. Routes are keyed by (host, path), so one server stands for
many outlets ("virtual hosts"); a second server on another port is "another host".
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.client import responses

HEAD_LIMIT = 64 * 1024
TEST_TLD = ".test"


def loopback_resolver(host, port, *args, **kwargs):
    """``sources.fetching.resolve`` for the corpus: every ``*.test`` name is 127.0.0.1.

    Anything else (IP literals such as 169.254.169.254) goes to the real resolver, so the
    fetch client's address checks see exactly what they would see in production.
    """
    if isinstance(host, str) and host.lower().rstrip(".").endswith(TEST_TLD):
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]
    return socket.getaddrinfo(host, port, *args, **kwargs)


@dataclass(frozen=True)
class Request:
    method: str
    host: str
    path: str
    headers: dict[str, str]


Body = bytes | Callable[[], bytes]


def _bytes(body: Body) -> bytes:
    return body() if callable(body) else body


@dataclass(frozen=True)
class Reply:
    """An HTTP/1.1 answer. ``length``: "auto" (the truth), None (no header: read to close)
    or a number (a lie). ``etag`` makes a matching If-None-Match answer 304."""

    body: Body = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    etag: str = ""
    length: int | str | None = "auto"

    def send(self, conn: socket.socket, request: Request) -> None:
        if self.etag and request.headers.get("if-none-match") == self.etag:
            conn.sendall(_head(304, [("ETag", self.etag), ("Content-Length", "0")]))
            return
        body = _bytes(self.body)
        headers = [("Content-Type", self.content_type)] if self.content_type else []
        if self.etag:
            headers.append(("ETag", self.etag))
        headers.extend(self.headers)
        if self.length == "auto":
            headers.append(("Content-Length", str(len(body))))
        elif self.length is not None:
            headers.append(("Content-Length", str(self.length)))
        headers.append(("Connection", "close"))
        conn.sendall(_head(self.status, headers) + body)


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, content_type="text/html", headers=(("Location", location),))


@dataclass(frozen=True)
class Raw:
    """Bytes sent exactly as given (status line and headers included), then close."""

    data: Body

    def send(self, conn: socket.socket, request: Request) -> None:
        conn.sendall(_bytes(self.data))


@dataclass(frozen=True)
class Drip:
    """``head`` at once, then one byte of ``byte`` every ``interval`` s until ``limit`` s."""

    head: bytes
    byte: bytes = b" "
    interval: float = 0.25
    limit: float = 20.0

    def send(self, conn: socket.socket, request: Request) -> None:
        conn.sendall(self.head)
        end = time.monotonic() + self.limit
        while time.monotonic() < end:
            time.sleep(self.interval)
            conn.sendall(self.byte)


@dataclass(frozen=True)
class Silent:
    """Read the request, then say nothing until the client gives up (or ``limit`` s)."""

    limit: float = 20.0

    def send(self, conn: socket.socket, request: Request) -> None:
        conn.settimeout(0.25)
        end = time.monotonic() + self.limit
        while time.monotonic() < end:
            try:
                if not conn.recv(1024):
                    return  # the client hung up
            except TimeoutError:
                continue


@dataclass(frozen=True)
class Chunked:
    """Transfer-Encoding: chunked; ``finish=False`` hangs up before the last chunk."""

    chunks: tuple[bytes, ...]
    content_type: str = "text/html; charset=utf-8"
    finish: bool = True

    def send(self, conn: socket.socket, request: Request) -> None:
        headers = [("Content-Type", self.content_type), ("Transfer-Encoding", "chunked")]
        out = bytearray(_head(200, [*headers, ("Connection", "close")]))
        for chunk in self.chunks:
            out += b"%x\r\n%s\r\n" % (len(chunk), chunk)
        if self.finish:
            out += b"0\r\n\r\n"
        conn.sendall(out)


def _head(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {responses.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


NOT_FOUND = Reply(b"no such page on this test server", status=404, content_type="text/plain")


class CorpusServer:
    """A threaded server on 127.0.0.1 (port 0: the system picks a free one)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Reply | Raw | Drip | Silent | Chunked] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.errors: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="corpus-server", daemon=True)
        self._thread.start()

    def route(self, url_host: str, path: str, reply) -> None:
        self.routes[(url_host.lower(), path)] = reply

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                request = _read_request(conn)
                if request is None:
                    return
                with self._lock:
                    self.hits[(request.host, request.path)] += 1
                reply = self.routes.get((request.host, request.path), NOT_FOUND)
                reply.send(conn, request)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the client hung up or gave up: often the point of the case
            except Exception as exc:  # a bug in the corpus itself: surfaced by the test
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    request_line, *lines = head.split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    host = headers.get("host", "").rsplit(":", 1)[0] if "]" not in headers.get("host", "") else ""
    return Request(method, host.lower(), target, headers)
