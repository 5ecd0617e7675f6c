"""Real servers on loopback for tests that need a misbehaving peer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def raw_server(handler: Callable[[socket.socket], None]) -> Iterator[RawServer]:
    """A TCP server on 127.0.0.1 that hands each connection to ``handler``."""
    server = RawServer(handler)
    try:
        yield server
    finally:
        server.close()


class RawServer:
    def __init__(self, handler: Callable[[socket.socket], None]):
        self.handler = handler
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                self.handler(conn)
            except OSError:
                pass  # the client hung up or timed out: that is what these servers test

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def drip(conn: socket.socket, *, interval: float = 0.2, limit: float = 10.0) -> None:
    """Send headers, then one byte every ``interval`` seconds until ``limit``."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    end = time.monotonic() + limit
    while time.monotonic() < end:
        conn.sendall(b"x")
        time.sleep(interval)
