"""Resolve Google News article wrappers to the publisher's URL.

Google News RSS items link to ``<base>/rss/articles/<ID>?oc=5``. Since 2024 the
publisher address is obtained in two steps: the wrapper page carries a signature
(``data-n-a-sg``) and a timestamp (``data-n-a-ts``), which are then sent with the
ID to the ``batchexecute`` RPC endpoint (method ``Fbv4je``, request ``garturlreq``).
All HTTP goes through :func:`sources.fetching.fetch`.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import SplitResult, urlencode, urlsplit

from django.conf import settings

from sources.fetching import FetchError, FetchResponse, fetch

DEFAULT_BASE = "https://news.google.com"
WRAPPER_PREFIXES = ("/rss/articles/", "/articles/", "/read/")
BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
RPC_ID = "Fbv4je"
XSSI_PREFIX = ")]}'"
MAX_URL_LENGTH = 2000
_ID_RE = re.compile(r"[A-Za-z0-9_-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class GoogleNewsError(Exception):
    """A wrapper could not be resolved; ``str()`` is a reason fit for an editor."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


# --- recognising wrappers -------------------------------------------------------------


def _base() -> str:
    return str(getattr(settings, "DIGESTCMS_GOOGLE_NEWS_BASE", "") or DEFAULT_BASE).rstrip("/")


def _origin(parts: SplitResult) -> tuple[str, int | None] | None:
    """(host, explicit non-default port) of an http(s) URL, or None for any other URL."""
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port in _DEFAULT_PORTS.values():
        port = None
    return parts.hostname.lower().rstrip("."), port


def _same_origin(url_parts: SplitResult, base: str) -> bool:
    origin = _origin(url_parts)
    return origin is not None and origin == _origin(urlsplit(base))


def _wrapper_id(parts: SplitResult) -> str | None:
    for prefix in WRAPPER_PREFIXES:
        if parts.path.startswith(prefix):
            candidate = parts.path[len(prefix) :]
            return candidate if _ID_RE.fullmatch(candidate) else None
    return None


def is_wrapper(url: str) -> bool:
    """True when ``url`` is an article wrapper on the configured Google News host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return _same_origin(parts, _base()) and _wrapper_id(parts) is not None


def article_id(url: str) -> str:
    """The article ID of a wrapper URL (query string and fragment left out)."""
    article = _wrapper_id(urlsplit(url.strip())) if is_wrapper(url) else None
    if article is None:
        raise GoogleNewsError("not a Google News article address")
    return article


# --- step 1: the wrapper page ---------------------------------------------------------


class _SignatureFinder(HTMLParser):
    """Remember the attributes of the first element carrying ``data-n-a-sg``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is None and any(name == "data-n-a-sg" for name, _ in attrs):
            self.found = dict(attrs)


def parse_wrapper_page(html: str) -> tuple[str, int]:
    """Return (signature, timestamp) from a wrapper page, or raise GoogleNewsError."""
    finder = _SignatureFinder()
    finder.feed(html)
    finder.close()
    attrs = finder.found
    if attrs is None or not (attrs.get("data-n-a-sg") or "").strip():
        raise GoogleNewsError("Google News page has no signature (data-n-a-sg)")
    raw_ts = (attrs.get("data-n-a-ts") or "").strip()
    if not (raw_ts.isascii() and raw_ts.isdigit()):
        raise GoogleNewsError("Google News page has no valid timestamp (data-n-a-ts)")
    return (attrs["data-n-a-sg"] or "").strip(), int(raw_ts)


def _decode(response: FetchResponse) -> str:
    try:
        return response.body.decode(response.charset or "utf-8", errors="replace")
    except LookupError:  # unknown charset name
        return response.body.decode("utf-8", errors="replace")


def _fetch_signature(base: str, article: str) -> tuple[str, int]:
    """Read the signature from the RSS form of the page, falling back to the web form."""
    errors: list[GoogleNewsError] = []
    for prefix in ("/rss/articles/", "/articles/"):
        try:
            response = fetch(f"{base}{prefix}{article}", accept="text/html,*/*;q=0.8")
        except FetchError as err:
            error = _from_fetch_error("Google News page", err)
            if error.status not in (404, 410):  # rate limits, outages: do not hammer
                raise error from err
            errors.append(error)
            continue
        try:
            return parse_wrapper_page(_decode(response))
        except GoogleNewsError as err:
            errors.append(err)
    raise errors[0]


# --- step 2: batchexecute -------------------------------------------------------------


def build_batchexecute_body(article: str, timestamp: int, signature: str) -> bytes:
    """The form-encoded ``f.req`` body of the ``Fbv4je`` (garturlreq) call."""
    client = ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1]
    client += [None, None, None, None, None, 0, 1]
    request = ["garturlreq", [client, "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0]]
    inner = json.dumps([*request, article, timestamp, signature], separators=(",", ":"))
    outer = json.dumps([[[RPC_ID, inner, None, "generic"]]], separators=(",", ":"))
    return urlencode({"f.req": outer}).encode("ascii")


def _answer_rows(text: str) -> list:
    """The envelope rows of a batchexecute answer (plain or length-chunked form)."""
    body = text.lstrip("\ufeff").lstrip()
    if not body.startswith(XSSI_PREFIX):
        raise GoogleNewsError("batchexecute answer is not in the expected format")
    body = body[len(XSSI_PREFIX) :].strip()
    try:
        return _as_rows(json.loads(body))
    except json.JSONDecodeError:
        pass  # not one JSON document: read the length-chunked form below
    rows: list = []
    for line in filter(None, (line.strip() for line in body.splitlines())):
        if line.isdigit():  # chunked form: a length line before each JSON chunk
            continue
        try:
            rows += _as_rows(json.loads(line))
        except json.JSONDecodeError as err:
            raise GoogleNewsError("batchexecute answer is not valid JSON") from err
    return rows


def _as_rows(value: object) -> list:
    if not isinstance(value, list):
        raise GoogleNewsError("batchexecute answer is not in the expected format")
    return [row for row in value if isinstance(row, list) and row]


def parse_batchexecute_answer(text: str) -> str:
    """The publisher URL from a batchexecute answer, or raise GoogleNewsError."""
    rows = _answer_rows(text)
    if any(row[0] == "er" for row in rows):
        raise GoogleNewsError("Google News refused the request (error row in the answer)")
    row = next((r for r in rows if r[0] == "wrb.fr" and len(r) > 2 and r[1] == RPC_ID), None)
    if row is None:
        raise GoogleNewsError("batchexecute answer has no result for the article")
    if not isinstance(row[2], str):
        raise GoogleNewsError("Google News does not know this article (empty result)")
    try:
        payload = json.loads(row[2])
    except json.JSONDecodeError as err:
        raise GoogleNewsError("batchexecute result is not valid JSON") from err
    if not (isinstance(payload, list) and len(payload) > 1 and payload[0] == "garturlres"):
        raise GoogleNewsError("batchexecute result is not a garturlres answer")
    if not isinstance(payload[1], str) or not payload[1].strip():
        raise GoogleNewsError("Google News does not know this article (no address returned)")
    return payload[1].strip()


def _from_fetch_error(what: str, err: FetchError) -> GoogleNewsError:
    status = getattr(err, "status", None)
    retry_after = getattr(err, "retry_after", None)
    reason = f"{what} answered {status}" if status else f"{what} failed: {err}"
    return GoogleNewsError(reason, status=status, retry_after=retry_after)


def _call_batchexecute(base: str, article: str, timestamp: int, signature: str) -> str:
    try:
        response = fetch(
            f"{base}{BATCHEXECUTE_PATH}",
            method="POST",
            data=build_batchexecute_body(article, timestamp, signature),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        )
    except FetchError as err:
        raise _from_fetch_error("batchexecute", err) from err
    return parse_batchexecute_answer(response.body.decode("utf-8", errors="replace"))


# --- the public entry point -----------------------------------------------------------


def validate_publisher_url(url: str) -> str:
    """Return ``url`` when it is an acceptable publisher address, else raise GoogleNewsError."""
    if len(url) > MAX_URL_LENGTH:
        raise GoogleNewsError(f"the resolved address is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise GoogleNewsError("the resolved address contains spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise GoogleNewsError("the resolved address is not an http(s) URL") from err
    if _origin(parts) is None:
        raise GoogleNewsError("the resolved address is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise GoogleNewsError("the resolved address carries a user name or password")
    if is_wrapper(url) or _same_origin(parts, DEFAULT_BASE):
        raise GoogleNewsError("the resolved address is another Google News page")
    return url


def resolve(url: str) -> str:
    """Resolve a Google News wrapper URL to the publisher's article URL."""
    article = article_id(url)
    base = _base()
    signature, timestamp = _fetch_signature(base, article)
    return validate_publisher_url(_call_batchexecute(base, article, timestamp, signature))
