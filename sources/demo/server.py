"""The offline demo: bundled feeds and pages served as virtual hosts on loopback.

With ``DIGESTCMS_FETCH_ROUTE="127.0.0.1:<port>"`` a request for ``http://<host>/<path>`` arrives
here with its ``Host`` header and is answered from ``data/sites/<host>/<path>`` (``news.google.com``
goes to the fake Google News first). Files are rendered once at start-up, so ETags are stable.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sources.demo import gnews_fake

DATA_DIR = Path(__file__).resolve().parent / "data"
GNEWS_HOST = "news.google.com"
TEMPLATED = {".xml", ".html", ".htm", ".shtml", ".json", ".txt"}
TYPES = {".json": "application/json", ".txt": "text/plain; charset=utf-8"}
TYPES |= dict.fromkeys([".html", ".htm", ".shtml"], "text/html; charset=utf-8")
TIME_TAG = re.compile(rb"\{\{(RFC822|ISO|DATE):([+-]?\d+)([mhd])(?::([^}]*))?\}\}")
GNEWS_TAG = re.compile(rb"\{\{GNEWS_ID:([^}\s]+)\}\}")
ROOT_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
NO_PAD = re.compile(r"%-([dHIMm])")  # glibc's "%-d", portably
UNITS = {b"m": "minutes", b"h": "hours", b"d": "days"}


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    # Computed once per file: the server answers many requests for the same bytes, and
    # compressing a 100 KB page on every request cost it ~2 ms of CPU each (bench/ingest.py).
    @cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.body, compresslevel=6, mtime=0)

    @property
    def compressible(self) -> bool:
        kind = self.content_type.split(";")[0]
        return kind.startswith("text/") or kind.endswith(("xml", "json"))


def error_page(status: int, reason: str, **headers: str) -> tuple[int, Resource]:
    body = f"<!doctype html><html lang='en'><title>{status} {reason}</title><h1>{reason}</h1>"
    return status, Resource(body.encode(), "text/html; charset=utf-8", headers)


def anchor_time(now: datetime | None = None) -> datetime:
    """The demo's 'now': the given (or current) time, UTC, floored to the hour."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(minute=0, second=0, microsecond=0)


def render(raw: bytes, anchor: datetime, mapping: dict[str, str]) -> bytes:
    """Fill ``{{RFC822:-5h}}``, ``{{ISO:-30m}}``, ``{{DATE:-2h:%d %b %Y}}``, ``{{GNEWS_ID:url}}``."""

    def when(match: re.Match[bytes]) -> bytes:
        kind, amount, unit, fmt = match.groups()
        moment = anchor + timedelta(**{UNITS[unit]: int(amount)})
        if kind == b"RFC822":
            return format_datetime(moment, usegmt=True).encode()
        if kind == b"ISO":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        pattern = (fmt or b"%d %B %Y %H:%M UTC").decode()
        pattern = NO_PAD.sub(lambda m: str(int(moment.strftime("%" + m.group(1)))), pattern)
        return moment.strftime(pattern).encode()

    def gnews_id(match: re.Match[bytes]) -> bytes:
        url = match.group(1).decode()
        article_id = gnews_fake.make_article_id(url)
        mapping[article_id] = url
        return article_id.encode()

    return GNEWS_TAG.sub(gnews_id, TIME_TAG.sub(when, raw))


def content_type_for(path: Path, body: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xml":
        root = ROOT_ELEMENT.search(re.sub(rb"<[?!][^>]*>", b"", body[:4096]))
        name = root.group(1).split(b":")[-1].lower() if root else b""
        kind = {b"rss": "rss+xml", b"feed": "atom+xml"}.get(name, "xml")
        return f"application/{kind}; charset=utf-8"
    return TYPES.get(suffix, "application/octet-stream")


def load_site(data_dir: Path, anchor: datetime) -> tuple[dict[str, Resource], dict[str, str]]:
    """Every file under ``sites/`` rendered, keyed by ``host/path``; plus the GNews mapping."""
    mapping: dict[str, str] = {}
    mapping_file = data_dir / "googlenews.json"
    if mapping_file.is_file():
        mapping.update(json.loads(mapping_file.read_text(encoding="utf-8")))
    sites = data_dir / "sites"
    resources: dict[str, Resource] = {}
    for path in sorted(p for p in sites.rglob("*") if p.is_file()):
        if path.suffix == ".headers":
            continue
        raw = path.read_bytes()
        body = render(raw, anchor, mapping) if path.suffix.lower() in TEMPLATED else raw
        sidecar = path.with_name(path.name + ".headers")
        extra = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
        ctype = extra.pop("Content-Type", None) or content_type_for(path, body)
        resources[path.relative_to(sites).as_posix()] = Resource(body, ctype, extra)
    return resources, mapping


def candidates(host: str, path: str) -> list[str] | None:
    """Keys to try for a request, or None when the path tries to leave ``sites/``."""
    path = unquote(urlsplit(path).path)
    parts = [p for p in path.split("/") if p]
    if any(p in {".", ".."} or "\\" in p or "\0" in p for p in parts) or "/" in host:
        return None
    base = "/".join([host, *parts])
    return [base, base + ".xml", base + "/index.html", base + ".html"]


def accepts_gzip(header: str) -> bool:
    """``gzip`` (or ``*``) listed in Accept-Encoding without ``q=0``."""
    match = re.search(r"(?:^|,)\s*(?:gzip|\*)\s*(;[^,]*)?(?:,|$)", header.lower())
    return bool(match) and not re.search(r"q=0(\.0*)?\s*$", match.group(1) or "")


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, data_dir: Path, anchor: datetime):
        self.anchor = anchor
        self.resources, self.mapping = load_site(data_dir, anchor)
        self.gnews = gnews_fake.FakeGoogleNews(self.mapping)
        super().__init__(("127.0.0.1", port), DemoHandler)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a client hanging up mid-answer is not worth a traceback in the demo

    def lookup(self, host: str, method: str, path: str, body: bytes) -> tuple[int, Resource]:
        if host == GNEWS_HOST:
            answer = self.gnews.handle(method, path, body)
            if answer is not None:
                status, ctype, payload = answer
                return status, Resource(payload, ctype)
        keys = candidates(host, path)
        if keys is None:
            return error_page(400, "Bad Request")
        if method not in {"GET", "HEAD"}:
            return error_page(405, "Method Not Allowed", Allow="GET, HEAD")
        found = next((self.resources[k] for k in keys if k in self.resources), None)
        return (200, found) if found else error_page(404, "Not Found")


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoHTTPServer
    server_version = "DigestcmsDemo/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo command prints its own summary."""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    do_POST = do_GET

    def _answer(self, *, send_body: bool) -> None:
        host = self.headers.get("Host", "").strip().lower()
        host = host[1:].partition("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, res = self.server.lookup(host, self.command, self.path, body)
        payload, etag = res.body, res.etag
        use_gzip = res.compressible and accepts_gzip(self.headers.get("Accept-Encoding", ""))
        if use_gzip:
            payload, etag = res.gzipped, etag[:-1] + '-gzip"'
        if status == 200 and self._not_modified(etag):
            status, payload = 304, b""
        self.send_response(status)
        headers = {"Content-Type": res.content_type, "ETag": etag, "Vary": "Accept-Encoding"}
        headers["Last-Modified"] = format_datetime(self.server.anchor, usegmt=True)
        if use_gzip and status != 304:
            headers["Content-Encoding"] = "gzip"
        for name, value in {**headers, **res.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if send_body and payload:
            self.wfile.write(payload)

    def _not_modified(self, etag: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or bool(tags & {etag, etag.replace('-gzip"', '"')})
        ims = self.headers.get("If-Modified-Since")
        try:
            return bool(ims) and parsedate_to_datetime(ims) >= self.server.anchor
        except (TypeError, ValueError):
            return False


class DemoServer:
    """The demo server on 127.0.0.1, in a daemon thread; a context manager."""

    def __init__(self, port: int = 0, *, now: datetime | None = None, data_dir: Path = DATA_DIR):
        self._httpd = DemoHTTPServer(port, data_dir, anchor_time(now))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="digestcms-demo", daemon=True
        )
        self._thread.start()
        self._stopped = False

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def anchor(self) -> datetime:
        return self._httpd.anchor

    @property
    def google_news_mapping(self) -> dict[str, str]:
        return dict(self._httpd.mapping)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_feeds(data_dir: Path = DATA_DIR) -> list[dict[str, str | None]]:
    """The demo's feeds: ``{"url", "title", "default_perspective"}`` each."""
    return json.loads((data_dir / "feeds.json").read_text(encoding="utf-8"))


def demo_feed_urls() -> list[str]:
    return [str(feed["url"]) for feed in demo_feeds()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the digestcms offline demo.")
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args(argv).port
    with DemoServer(port) as server:
        print(f"Demo sites on {server.address}: set DIGESTCMS_FETCH_ROUTE={server.address}")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
