"""The one HTTP client for feeds and pages: refuses our own network, caps size and time.

Why not urllib/requests: the checks that matter (THREATS.md 1 and 3) are on the address we
actually connect to, on every redirect hop, and on the *decoded* size and *total* time, none
of which those clients let us enforce in one place. Proxy variables are never read.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
CHUNK = 64 * 1024
NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")

# Tests replace this to play a hostile DNS server.
resolve = socket.getaddrinfo


class FetchError(Exception):
    """A fetch that did not give us a usable response; str() is fit for an editor."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class BlockedURL(FetchError):
    """Refused before connecting: scheme, credentials, or an address inside our network."""


class ResponseTooLarge(FetchError):
    """The body (declared or decoded) is larger than the cap."""


class FetchTimeout(FetchError):
    """The fetch passed its one total deadline."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class HTTPStatusError(FetchError):
    """The server answered 4xx or 5xx; ``status`` and ``retry_after`` say more."""


class IncompleteBody(FetchError):
    """The server hung up before sending the whole body; ``response`` holds what came."""

    def __init__(self, reason: str, *, response: FetchResponse):
        super().__init__(reason, status=response.status)
        self.response = response


@dataclass
class FetchResponse:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    permanent_url: str | None = None
    incomplete: str = ""  # why the body is shorter than its Content-Length, if it is

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None


@dataclass
class _Budget:
    """The one total deadline and byte cap shared by every hop of a fetch."""

    deadline_at: float
    max_bytes: int

    def remaining(self) -> float:
        left = self.deadline_at - time.monotonic()
        if left <= 0:
            raise FetchTimeout("The server took too long: the fetch passed its total time limit.")
        return left


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    accept: str = "*/*",
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> FetchResponse:
    """Fetch ``url`` safely, following at most a few redirects by hand."""
    pending = start_fetch(
        url,
        etag=etag,
        last_modified=last_modified,
        accept=accept,
        method=method,
        data=data,
        headers=headers,
        max_bytes=max_bytes,
        deadline=deadline,
        send_now=False,
    )
    return pending.result(fresh_deadline=False)


def start_fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    accept: str = "*/*",
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
    send_now: bool = True,
) -> PendingFetch:
    """Connect and send the request for ``url`` now; ``result()`` reads the answer later.

    In between, the server prepares its answer and the kernel receives it while the caller
    does other work (ingestion extracts one page while the next is on its way), with no
    thread. Every check is the same as ``fetch``'s. This never raises: a failure to connect
    or to send is raised by ``result()``. (``send_now=False`` leaves it all to ``result()``.)
    """
    request_headers = {"Accept": accept, **(headers or {})}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    return PendingFetch(
        url,
        method=method,
        data=data,
        headers=request_headers,
        max_bytes=max_bytes or settings.DIGESTCMS_FETCH_MAX_BYTES,
        deadline=deadline or settings.DIGESTCMS_FETCH_DEADLINE,
        send_now=send_now,
    )


class PendingFetch:
    """A request sent (or that failed to be); ``result()`` reads and checks the answer."""

    def __init__(
        self,
        url: str,
        *,
        method: str,
        data: bytes | None,
        headers: dict[str, str],
        max_bytes: int,
        deadline: float,
        send_now: bool = True,
    ):
        self.url = url
        self._method, self._data, self._headers = method, data, headers
        self._seconds = deadline
        self._budget = _Budget(deadline_at=time.monotonic() + deadline, max_bytes=max_bytes)
        self._sent: _Sent | None = None
        self._error: Exception | None = None
        if not send_now:
            return
        try:
            self._sent = _send(url, method, data, headers, self._budget)
        except Exception as exc:  # raised by result(), where the caller handles fetch errors
            self._error = exc

    def result(self, *, fresh_deadline: bool = True) -> FetchResponse:
        """The answer (redirects followed); FetchError or what sending raised.

        With ``fresh_deadline`` the server gets the whole deadline again from now on: the
        time the caller spent elsewhere since the request was sent is not the server's.
        Connecting and sending had a deadline of their own, so the whole fetch takes at most
        twice the deadline plus whatever the caller did in between.
        """
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if fresh_deadline:
            self._budget.deadline_at = time.monotonic() + self._seconds
        sent, self._sent = self._sent, None
        method, data, budget = self._method, self._data, self._budget
        current, seen, permanent = self.url, {self.url}, True
        for hop in range(settings.DIGESTCMS_FETCH_MAX_REDIRECTS + 1):
            if sent is not None:
                response, sent = sent.receive(budget), None
            else:
                response = _request(current, method, data, self._headers, budget)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                response.permanent_url = current if hop and permanent else None
                return _finish(response)
            if hop == settings.DIGESTCMS_FETCH_MAX_REDIRECTS:
                break
            target = urljoin(current, location.strip())
            if target in seen:
                raise TooManyRedirects(f"Redirect loop: {target} redirects back to itself.")
            if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
                raise BlockedURL(f"Refused a redirect from https to plain http ({target}).")
            permanent = permanent and response.status in PERMANENT_REDIRECTS
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, data = "GET", None
            current = target
            seen.add(target)
        raise TooManyRedirects(
            f"Too many redirects (more than {settings.DIGESTCMS_FETCH_MAX_REDIRECTS}) from {self.url}."
        )

    def close(self) -> None:
        """Hang up without reading the answer (the caller no longer wants it)."""
        sent, self._sent = self._sent, None
        self._error = FetchError("The fetch was given up before its answer was read.")
        if sent is not None:
            sent.close()


def _finish(response: FetchResponse) -> FetchResponse:
    if response.incomplete:
        raise IncompleteBody(response.incomplete, response=response)
    if response.status >= 400:
        retry_after = _retry_after(response.headers.get("retry-after", ""))
        raise HTTPStatusError(
            f"The server answered {response.status} {_status_phrase(response.status)}.",
            status=response.status,
            retry_after=retry_after,
        )
    return response


def _status_phrase(status: int) -> str:
    try:
        return http.client.responses[status]
    except KeyError:
        return ""


def _retry_after(value: str) -> float | None:
    """Seconds to wait, from a Retry-After header in either of its two forms."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def check_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a URL we may fetch; BlockedURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"Not a valid URL: {url!r} ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(
            f"Only http and https URLs are fetched, not {parts.scheme or 'this'}: {url}"
        )
    if parts.username is not None or parts.password is not None:
        raise BlockedURL("URLs with a user name or password in them are refused.")
    if not parts.hostname:
        raise BlockedURL(f"The URL has no host name: {url}")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_problem(address: str) -> str | None:
    """Why we must not connect to this IP address, or None when it is fine."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in net for net in NAT64):
            return "a NAT64 address (it can reach IPv4 hosts inside the network)"
        elif ip.sixtofour is not None or ip.teredo is not None:
            return "a 6to4/Teredo tunnel address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip.is_unspecified:
        return "a reserved address"
    internal = ip.is_loopback or ip.is_private or ip in SHARED_ADDRESS_SPACE
    if internal and settings.DIGESTCMS_ALLOW_PRIVATE_FETCH:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a private or non-public address"
    return None


def _addresses(host: str, port: int, budget: _Budget) -> list[tuple]:
    """Where to connect: the demo route, or every address the host resolves to, all checked."""
    route = getattr(settings, "DIGESTCMS_FETCH_ROUTE", "")
    if route:
        route_host, _, route_port = route.rpartition(":")
        host, port = route_host.strip("[]"), int(route_port)
    budget.remaining()
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Could not find the host {host} ({exc}).") from None
    for info in infos:
        problem = address_problem(info[4][0])
        if problem:
            raise BlockedURL(f"Refused: {host} resolves to {info[4][0]}, {problem}.")
    if not infos:
        raise FetchError(f"Could not find the host {host}.")
    return infos


def _connect(host: str, port: int, budget: _Budget) -> socket.socket:
    last_error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in _addresses(host, port, budget):
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(min(budget.remaining(), 10.0))
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        problem = address_problem(sock.getpeername()[0])
        if problem:
            sock.close()
            raise BlockedURL(f"Refused: connected to {sockaddr[0]}, {problem}.")
        return sock
    if isinstance(last_error, TimeoutError):
        raise FetchTimeout(f"Timed out connecting to {host}.")
    raise FetchError(f"Could not connect to {host}: {last_error}.")


_host_lock = threading.Lock()
_next_slot: dict[str, float] = {}


def _polite_wait(host: str, budget: _Budget) -> None:
    """Space requests to one host by DIGESTCMS_HOST_DELAY seconds (per process)."""
    delay = settings.DIGESTCMS_HOST_DELAY
    if delay <= 0:
        return
    with _host_lock:
        now = time.monotonic()
        slot = max(now, _next_slot.get(host, 0.0))
        _next_slot[host] = slot + delay
    if slot - now >= budget.remaining():
        raise FetchTimeout(f"Waiting our turn for {host} would pass the time limit.")
    time.sleep(slot - now)


def _request(
    url: str, method: str, data: bytes | None, headers: dict[str, str], budget: _Budget
) -> FetchResponse:
    return _send(url, method, data, headers, budget).receive(budget)


@dataclass
class _Sent:
    """A connection whose request has gone out; the answer is read by ``receive``."""

    conn: http.client.HTTPConnection
    sock: socket.socket
    url: str
    host: str

    def receive(self, budget: _Budget) -> FetchResponse:
        try:
            with _guarded(budget, self.host, self.sock):
                raw = self.conn.getresponse()
                response = FetchResponse(
                    url=self.url,
                    status=raw.status,
                    headers={k.lower(): v for k, v in raw.getheaders()},
                )
                if 200 <= raw.status < 300:
                    response.body, received = _read_body(raw, self.sock, response.headers, budget)
                    response.incomplete = _shortfall(self.host, received, raw.length)
                return response
        finally:
            self.sock.close()

    def close(self) -> None:
        self.sock.close()


def _send(
    url: str, method: str, data: bytes | None, headers: dict[str, str], budget: _Budget
) -> _Sent:
    """Check, connect (TLS included) and send the request."""
    scheme, host, port = check_url(url)
    _polite_wait(host, budget)
    sock = _connect(host, port, budget)
    try:
        with _guarded(budget, host, sock) as watched:
            if scheme == "https":
                context = ssl.create_default_context()
                sock = context.wrap_socket(
                    sock, server_hostname=host, do_handshake_on_connect=False
                )
                watched.sock = sock  # the watchdog must shut the TLS socket, handshake included
                sock.do_handshake()
            conn = http.client.HTTPConnection(host, port, timeout=budget.remaining())
            conn.default_port = 443 if scheme == "https" else 80
            conn.sock = sock
            _send_request(conn, url, method, data, headers)
    except BaseException:
        sock.close()
        raise
    return _Sent(conn, sock, url, host)


@contextlib.contextmanager
def _guarded(budget: _Budget, host: str, sock: socket.socket) -> Iterator[_Watched]:
    """Per-recv timeouts cannot bound a server that drips its TLS handshake or headers a
    byte at a time, so the watchdog shuts the socket when the total deadline passes; what
    goes wrong on the connection becomes a FetchError that says so."""
    watched = _watchdog.watch(budget.deadline_at, sock)
    try:
        yield watched
    except ssl.SSLError as exc:
        raise _timeout_or(
            budget, host, FetchError(f"TLS failed with {host}: {exc.reason or exc}.")
        ) from None
    except TimeoutError:
        raise FetchTimeout(f"{host} stopped answering before the time limit.") from None
    except (http.client.HTTPException, OSError) as exc:
        raise _timeout_or(budget, host, _connection_failure(host, exc)) from None
    finally:
        _watchdog.cancel(watched)


def _abort(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    __slots__ = ("deadline_at", "sock")

    def __init__(self, deadline_at: float, sock: socket.socket):
        self.deadline_at, self.sock = deadline_at, sock

    def __lt__(self, other: _Watched) -> bool:
        return self.deadline_at < other.deadline_at


class _Watchdog:
    """One thread that shuts down every socket whose fetch passed its deadline.

    A thread of its own per fetch cost a thread start (and a wake-up to end it) on every
    page. Here watching is a heap push and cancelling a set removal: the thread only wakes
    for the earliest deadline, and drops cancelled entries as it meets them.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[_Watched] = []
        self._live: set[int] = set()
        self._thread: threading.Thread | None = None

    def watch(self, deadline_at: float, sock: socket.socket) -> _Watched:
        watched = _Watched(deadline_at, sock)
        with self._cond:
            self._live.add(id(watched))
            heapq.heappush(self._heap, watched)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fetch-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0] is watched:
                self._cond.notify()  # earlier than what the thread sleeps towards
        return watched

    def cancel(self, watched: _Watched) -> None:
        with self._cond:
            self._live.discard(id(watched))

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and id(self._heap[0]) not in self._live:
                    heapq.heappop(self._heap)  # cancelled: the fetch ended in time
                if not self._heap:
                    self._cond.wait()
                    continue
                left = self._heap[0].deadline_at - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                expired = heapq.heappop(self._heap)
                self._live.discard(id(expired))
                _abort(expired.sock)


_watchdog = _Watchdog()
# A forked child has no watchdog thread (and maybe a lock held by the parent's): start over.
os.register_at_fork(after_in_child=_watchdog._reset)


def _connection_failure(host: str, exc: Exception) -> FetchError:
    # str(BadStatusLine) is the server's own first line, whatever it chose to send. A hang-up
    # before any status line (RemoteDisconnected) is a BadStatusLine too, with a message of
    # its own worth keeping.
    if isinstance(exc, http.client.BadStatusLine) and not isinstance(
        exc, http.client.RemoteDisconnected
    ):
        return FetchError(f"The server at {host} did not answer in HTTP.")
    return FetchError(f"The connection to {host} failed: {exc or type(exc).__name__}.")


def _timeout_or(budget: _Budget, host: str, error: FetchError) -> FetchError:
    """The watchdog's doing shows up as a broken connection: call it a timeout."""
    if time.monotonic() >= budget.deadline_at:
        return FetchTimeout(f"{host} stopped answering before the time limit.")
    return error


_PATH_SAFE = "/%:@!$&'()*+,;="  # RFC 3986 pchar delimiters, and % so escapes stay as they are
_QUERY_SAFE = _PATH_SAFE + "?"


def _send_request(
    conn: http.client.HTTPConnection,
    url: str,
    method: str,
    data: bytes | None,
    headers: dict[str, str],
) -> None:
    parts = urlsplit(url)
    # Links carry raw Unicode paths (/新闻/...): percent-encode what is not ASCII, never twice.
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    conn.putrequest(method, path, skip_accept_encoding=True)
    all_headers = {
        "User-Agent": settings.DIGESTCMS_USER_AGENT,
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
        **headers,
    }
    if data is not None:
        all_headers["Content-Length"] = str(len(data))
    for name, value in all_headers.items():
        conn.putheader(name, value)
    conn.endheaders(data)


def _read_body(
    raw: http.client.HTTPResponse, sock: socket.socket, headers: dict[str, str], budget: _Budget
) -> tuple[bytes, int]:
    """Read and decode the body against the byte cap and the total deadline.

    Returns the decoded body and how many bytes came over the wire.
    """
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > budget.max_bytes:
        raise ResponseTooLarge(
            f"The response declares {_size(int(declared))}, above the {_size(budget.max_bytes)} limit."
        )
    decoder = _decoder(headers.get("content-encoding", ""), budget.max_bytes)
    out = bytearray()
    received = 0
    while True:
        # One recv at a time (read1), each bounded by what is left of the total
        # deadline: a server dripping a byte a second cannot hold us past it.
        sock.settimeout(budget.remaining())
        chunk = raw.read1(CHUNK)
        if not chunk:
            break
        received += len(chunk)
        out += decoder.feed(chunk, budget.max_bytes - len(out))
        budget.remaining()
    budget.remaining()  # an end forced by the deadline watchdog is a timeout, not a body
    out += decoder.flush(budget.max_bytes - len(out))
    return bytes(out), received


def _shortfall(host: str, received: int, missing: int | None) -> str:
    """Why the body is incomplete, or "" when it is not.

    ``missing`` is http.client's count of Content-Length bytes not yet read (``length``):
    its read1 returns b"" when the server hangs up early, where read() would raise
    IncompleteRead.
    """
    if not missing:
        return ""
    return (
        f"The response is incomplete: the server at {host} closed the connection after "
        f"{received:,} of {received + missing:,} bytes."
    )


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


class _Decoder:
    """Undo gzip/deflate without ever producing more than the cap allows."""

    def __init__(self, wbits: int | None, limit: int):
        self._wbits = wbits
        self._limit = limit
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._zlib is None:
            return self._check(chunk, room)
        try:
            out = self._zlib.decompress(chunk, room + 1)
        except zlib.error:
            if self._wbits == zlib.MAX_WBITS:  # "deflate" sent raw, as some servers do
                self._wbits = -zlib.MAX_WBITS
                self._zlib = zlib.decompressobj(self._wbits)
                return self.feed(chunk, room)
            raise FetchError("The server sent a corrupt compressed body.") from None
        if self._zlib.unconsumed_tail:
            raise self._too_large()
        return self._check(out, room)

    def flush(self, room: int) -> bytes:
        return self._check(self._zlib.flush(room + 1), room) if self._zlib else b""

    def _check(self, data: bytes, room: int) -> bytes:
        if len(data) > room:
            raise self._too_large()
        return data

    def _too_large(self) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"The response is larger than the {_size(self._limit)} limit once decompressed."
        )


def _decoder(encoding: str, limit: int) -> _Decoder:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return _Decoder(16 + zlib.MAX_WBITS, limit)
    if encoding == "deflate":
        return _Decoder(zlib.MAX_WBITS, limit)
    return _Decoder(None, limit)
