"""A fake Google News speaking the 2024 wrapper-resolution protocol (tests and offline demo).

It serves wrapper pages carrying ``data-n-a-sg``/``data-n-a-ts`` and answers the
``batchexecute`` ``Fbv4je`` call in Google's ``)]}'`` format. It deliberately shares no
code with :mod:`sources.googlenews`, so the resolver is tested against an independent
reading of the protocol.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qs

PAGE_PREFIXES = ("/rss/articles/", "/articles/", "/read/")
BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
RPC_ID = "Fbv4je"
HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DEFAULT_SIGNATURE = "AU_yqLPVuUk3DXm_yJrGwE5pvNQ2lVfhxcL4mWT9Gw"
_ID_RE = re.compile(r"[A-Za-z0-9_-]+")

Answer = tuple[int, str, bytes]


def make_article_id(url: str) -> str:
    """A deterministic, realistic base64url article ID ("CBMi…") for ``url``."""
    digest = hashlib.sha256(url.encode()).digest() + hashlib.sha256(b"gn:" + url.encode()).digest()
    token = b"AU_yqL" + base64.urlsafe_b64encode(digest).rstrip(b"=")
    # Protobuf like Google's: field 1 = 19, field 4 = the token (length < 128: one byte).
    message = b"\x08\x13\x22" + bytes([len(token)]) + token + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(message).decode("ascii").rstrip("=")


def _envelope(rows: list) -> bytes:
    """Rows in batchexecute's answer format: the XSSI guard, a blank line, JSON."""
    rows = [*rows, ["di", 42], ["af.httprm", 41, "-6110473462196438811", 7]]
    return b")]}'\n\n" + json.dumps(rows, separators=(",", ":")).encode("utf-8")


def error_answer(status: int = 400) -> Answer:
    """What Google answers to a malformed or badly signed batchexecute call."""
    return status, JSON_TYPE, _envelope([["er", None, None, None, None, status, None, None, 3]])


def decode_request(body: bytes) -> tuple[str, int, str] | None:
    """(id, timestamp, signature) from a garturlreq ``f.req`` body, or None if malformed."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        (call,) = json.loads(form["f.req"][0])[0]
        if call[0] != RPC_ID or call[3] != "generic":
            return None
        inner = json.loads(call[1])
        if len(inner) != 5 or inner[0] != "garturlreq" or not isinstance(inner[1], list):
            return None
        article, timestamp, signature = inner[2], inner[3], inner[4]
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return None
    if not (isinstance(article, str) and isinstance(timestamp, int)):
        return None
    return (article, timestamp, signature) if isinstance(signature, str) else None


class FakeGoogleNews:
    """Answers wrapper-page and batchexecute requests for a fixed ID → publisher URL map."""

    def __init__(
        self,
        mapping: dict[str, str],
        *,
        signature: str = DEFAULT_SIGNATURE,
        timestamp: int = 1700000000,
    ) -> None:
        self.mapping = dict(mapping)
        self.signature = signature
        self.timestamp = timestamp

    @classmethod
    def from_urls(
        cls, urls: Iterable[str], *, signature: str = DEFAULT_SIGNATURE, timestamp: int = 1700000000
    ) -> FakeGoogleNews:
        """A fake that knows each URL under its :func:`make_article_id` ID."""
        mapping = {make_article_id(url): url for url in urls}
        return cls(mapping, signature=signature, timestamp=timestamp)

    def handle(self, method: str, path: str, body: bytes) -> Answer | None:
        """Answer a request if it is a Google News wrapper page or batchexecute call.

        Returns (status, content_type, body); None when the path isn't ours.
        """
        path = path.split("?", 1)[0]
        if path == BATCHEXECUTE_PATH:
            return self.batchexecute(body) if method == "POST" else (405, HTML_TYPE, b"")
        article = next((path[len(p) :] for p in PAGE_PREFIXES if path.startswith(p)), None)
        if article is None:
            return None
        if not _ID_RE.fullmatch(article):
            return 404, HTML_TYPE, b"<!doctype html><title>Error 404 (Not Found)</title>"
        if method not in ("GET", "HEAD"):
            return 405, HTML_TYPE, b""
        return 200, HTML_TYPE, self.page(article).encode("utf-8")

    def batchexecute(self, body: bytes) -> Answer:
        """The ``Fbv4je`` answer: the publisher URL, an empty result, or an error row."""
        request = decode_request(body)
        if request is None or request[1:] != (self.timestamp, self.signature):
            return error_answer(400)
        url = self.mapping.get(request[0])
        if url is None:  # Google's "no such article": a result row without a payload
            return 200, JSON_TYPE, _envelope([["wrb.fr", RPC_ID, None, None, None, [3], "generic"]])
        payload = json.dumps(["garturlres", url, 1], separators=(",", ":"))
        return 200, JSON_TYPE, _envelope([["wrb.fr", RPC_ID, payload, None, None, None, "generic"]])

    def page(self, article: str) -> str:
        """The wrapper page: a Google News shell whose c-wiz carries the signature."""
        sg, ts, aid = (html.escape(str(v)) for v in (self.signature, self.timestamp, article))
        return (
            '<!doctype html><html lang="en-US" dir="ltr"><head>'
            '<base href="https://news.google.com/"><meta name="referrer" content="origin">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Google News</title>"
            '<script nonce="x7b1">window.WIZ_global_data={"FdrFJe":"-1","qwAQke":"DotsSplashUi"};'
            "</script></head>"
            '<body jscontroller="ro5o3d" jsaction="rcuQ6b:npT2md" class="EIlDfe">'
            '<c-wiz jsrenderer="jvYsJf" class="T2TK9e" jsshadow jsdata="deferred-i1"'
            f' data-n-a-id="{aid}" data-n-a-sg="{sg}" data-n-a-ts="{ts}"'
            ' data-p="%.@.[]]" jsmodel="hc6Ubd" c-wiz>'
            '<div jscontroller="GKvxfe" class="m5k28"><div class="YQ4Vjb">Opening the article…'
            "</div></div></c-wiz>"
            '<script nonce="x7b1">AF_initDataCallback({key: "ds:0", hash: "1", data:[]});</script>'
            "</body></html>"
        )
