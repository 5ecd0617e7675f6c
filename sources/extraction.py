"""Article text from fetched HTML: trafilatura inside limits, then our own cleanup.

THREATS.md 7: trafilatura's ``extract()`` has no time limit of its own, parses whatever it
is given and, when it downloads, retries TLS without certificate checks. So our fetch client
does the download; here the body is size-checked *before* parsing, decoded by HTTP and meta
charset the way browsers do, checked for a sane number of elements, and extracted once
under a time limit with a trafilatura config that has a size and tree limit and the
insecure fallback off.
"""

from __future__ import annotations

import codecs
import functools
import html as html_lib
import re
import signal
import threading
import time
from collections.abc import Iterator
from configparser import ConfigParser
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from urllib.parse import urlsplit

import trafilatura
from charset_normalizer import from_bytes
from django.conf import settings
from trafilatura.settings import use_config

from .cleanup import clean_text_with_titles

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIME_LIMIT = 20.0
MAX_TREE_SIZE = 50_000  # elements; a news page has a few thousand
MIN_TEXT_CHARS = 40
META_SCAN_BYTES = 4096  # where browsers look for <meta charset>
LANG_SCAN_CHARS = 8192
HEAD_SCAN_CHARS = 65536
SNIFF_BYTES = 65536  # what charset-normalizer is shown when nothing is declared
TITLE_MAX_CHARS = 500

# What browsers (WHATWG Encoding) really decode a declared label as.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "iso8859-1": "cp1252", "ascii": "cp1252",
    "shift_jis": "cp932", "euc_kr": "cp949", "iso8859-9": "cp1254", "tis-620": "cp874",
    "iso8859-11": "cp874", "big5": "big5hkscs",
}  # fmt: skip
_ALIASES = {  # labels browsers know and Python does not
    "x-sjis": "cp932", "windows-31j": "cp932", "x-gbk": "gb18030", "x-euc-jp": "euc_jp",
    "unicode-1-1-utf-8": "utf-8", "windows-874": "cp874", "x-mac-roman": "mac_roman",
}  # fmt: skip
_UNSAFE_CODECS = {"utf-7", "undefined", "unicode-escape", "raw-unicode-escape", "idna",
                  "punycode"}  # fmt: skip
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"))  # fmt: skip
_CHARSET_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,40}")
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
_OPEN_TAG = re.compile(r"<[A-Za-z]")
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)", re.I)  # fmt: skip
_META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_TITLE_TAG = re.compile(r"<title\b[^>]*>([^<]{1,2000})</title>", re.I)
_LANG_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_SPACES = re.compile(r"\s+")


class ExtractionError(Exception):
    """The page gave no usable article text; str() is a reason fit for an editor."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    text: str
    language: str
    title: str


class _Deadline(BaseException):
    """Raised by the alarm. Not an Exception: trafilatura's ``except Exception`` (its
    readability fallback has one) must not swallow it and carry on."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ExtractionError when the block runs longer than ``seconds``.

    SIGALRM via ``setitimer(ITIMER_REAL)``: main thread only, and it interrupts Python code
    only (a long C call finishes first). In any other thread it does nothing, and the
    django-q2 task timeout is the hard limit there. django-q2 itself runs a task in the
    worker's main thread under its own SIGALRM timeout: a timer already running is kept
    (if it is due first, its handler fires as it would have) and given back what is left.
    """
    if seconds <= 0 or not _can_use_alarm():
        yield
        return
    alarm = _Alarm(seconds)
    try:
        yield
    except _Deadline:
        raise ExtractionError(f"extraction took longer than {seconds:g} s") from None
    finally:
        try:
            alarm.cancel()
        except _Deadline:  # fired just as the block ended: it ended in time
            alarm.cancel()


class _Alarm:
    """A one-shot SIGALRM that nests inside whatever timer and handler were there."""

    def __init__(self, seconds: float):
        self.started = time.monotonic()
        self.previous = signal.getsignal(signal.SIGALRM)
        self.outer_delay, self.outer_interval = signal.getitimer(signal.ITIMER_REAL)
        self.outer_first = 0 < self.outer_delay <= seconds
        signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.outer_delay if self.outer_first else seconds)

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        if self.outer_first and callable(self.previous):
            self.previous(signum, frame)  # the outer deadline came first: its handler decides
        raise _Deadline

    def cancel(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        previous = self.previous if self.previous is not None else signal.SIG_DFL
        signal.signal(signal.SIGALRM, previous)
        left = self.outer_delay - (time.monotonic() - self.started)
        if self.outer_delay and left > 0:
            signal.setitimer(signal.ITIMER_REAL, left, self.outer_interval)
        elif self.outer_interval:
            signal.setitimer(signal.ITIMER_REAL, self.outer_interval, self.outer_interval)


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def extract_article(
    body: bytes, *, url: str, http_charset: str | None = None, title: str = ""
) -> Extracted:
    """Main text, language and title of an article page; raises ExtractionError."""
    max_bytes = int(getattr(settings, "DIGESTCMS_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES))
    _check_size(len(body), max_bytes)
    seconds = float(getattr(settings, "DIGESTCMS_EXTRACT_TIME_LIMIT", DEFAULT_TIME_LIMIT))
    with time_limit(seconds):
        page = decode_html(body, http_charset=http_charset)
        _check_tree_size(page)
        raw = _run_trafilatura(page, url=url, config=trafilatura_config(max_bytes))
        head = _head(page)
        metas = _head_metas(head)
        titles = _page_titles(head, metas)
        text = clean_text_with_titles(raw, (title, *titles, *_site_names(url)))
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError("no article text found (the page looks like navigation only)")
    language = _language(page, metas)
    return Extracted(text=text, language=language, title=titles[0] if titles else title)


@functools.cache
def trafilatura_config(max_bytes: int) -> ConfigParser:
    """trafilatura settings, built once per size limit (names: trafilatura/settings.cfg).

    The download options do not matter while our client downloads, but are closed anyway:
    no TLS retry without certificate checks, short timeout, no redirects.
    """
    config = use_config()
    options = {
        "MAX_FILE_SIZE": max_bytes, "MAX_TREE_SIZE": MAX_TREE_SIZE,
        "INSECURE_SSL_FALLBACK": "off", "SSRF_PROTECTION": "on", "DOWNLOAD_TIMEOUT": 5,
        "MAX_REDIRECTS": 0, "EXTRACTION_TIMEOUT": 0,  # CLI only: time_limit does this
        "EXTENSIVE_DATE_SEARCH": "off",
    }  # fmt: skip
    for name, value in options.items():
        config.set("DEFAULT", name, str(value))
    return config


# favor_precision: the same paragraphs as the default on our pages, less sidebar text, and
# 3x faster on a heavy page (the default "balanced" mode also runs the fallback extractors).
# fast=True is not used: it lost a whole div-soup article. No metadata: its date search
# costs more than the text.
_EXTRACT_OPTIONS = {
    "favor_precision": True, "include_comments": False, "include_tables": False,
    "include_images": False, "include_links": False, "deduplicate": False,
}  # fmt: skip


def _run_trafilatura(page: str, *, url: str, config: ConfigParser) -> str:
    """The single trafilatura call."""
    try:
        text = trafilatura.extract(page, url=url or None, config=config, **_EXTRACT_OPTIONS)
    except Exception as exc:  # a trafilatura/lxml bug on odd HTML must not kill ingestion
        raise ExtractionError(f"the page could not be parsed ({type(exc).__name__})") from exc
    if not text:
        raise ExtractionError("no article text found (trafilatura found no main content)")
    return text


def _check_size(size: int, limit: int) -> None:
    if size <= limit:
        return
    shown, cap = f"{_megabytes(size)} MB", f"{_megabytes(limit)} MB"
    if shown == cap:  # "5 MB, above the 5 MB limit" would explain nothing
        shown, cap = f"{size:,} bytes", f"{limit:,}-byte"
    raise ExtractionError(f"page is {shown}, above the {cap} limit")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _check_tree_size(page: str) -> None:
    """Refuse before parsing a page with more elements than the tree limit.

    ``str.count`` is an upper bound and costs next to nothing; only a page above the limit
    pays for the exact count of opening tags.
    """
    if page.count("<") <= MAX_TREE_SIZE:
        return
    elements = len(_OPEN_TAG.findall(page))
    if elements > MAX_TREE_SIZE:
        raise ExtractionError(
            f"page has {elements:,} HTML elements, above the {MAX_TREE_SIZE:,} limit"
        )


def decode_html(body: bytes, *, http_charset: str | None) -> str:
    """Decode a page the way browsers do.

    Order: byte-order mark (it overrides everything, as in browsers and the WHATWG
    Encoding standard), HTTP charset, ``<meta charset>`` / ``http-equiv`` in the first
    4 KB, strict UTF-8, charset-normalizer, then UTF-8 with replacement characters.
    Declared labels are mapped to what browsers use (gb2312 -> gb18030, latin-1 -> cp1252,
    shift_jis -> cp932); unknown, non-text or unsafe (utf-7) labels fall through.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    encoding = _codec(http_charset) or _meta_charset(body[:META_SCAN_BYTES])
    if encoding:
        return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass  # not UTF-8: guess the charset below
    guessed = _codec(_sniff(body))
    return body.decode(guessed or "utf-8", errors="replace")


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label, mapped to its browser superset; None if unusable."""
    name = (label or "").strip().strip("\"'").lower()
    if not _CHARSET_NAME.fullmatch(name):
        return None
    try:
        info = codecs.lookup(_ALIASES.get(name, name))
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _UNSAFE_CODECS:  # base64, rot13, utf-7...
        return None
    return _SUPERSETS.get(info.name, info.name)


def _meta_charset(start: bytes) -> str | None:
    match = _META_CHARSET.search(start)
    encoding = _codec(match[1].decode("ascii")) if match else None
    if encoding and encoding.startswith("utf-16"):
        return "utf-8"  # a page that can declare itself in ASCII is not UTF-16
    return encoding


def _sniff(body: bytes) -> str | None:
    """charset-normalizer on the start and end of the page (the whole page costs too much).

    On a tie, windows-1252 wins: it is what browsers fall back to for undeclared pages.
    """
    half = SNIFF_BYTES // 2
    sample = body if len(body) <= SNIFF_BYTES else body[:half] + body[-half:]
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        tied = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tied and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return best.encoding


def _head(page: str) -> str:
    """The part of the page before <body> (at most the first 64 KB)."""
    end = page.find("<body", 0, HEAD_SCAN_CHARS)
    upper = page.find("<BODY", 0, HEAD_SCAN_CHARS if end < 0 else end)
    ends = [i for i in (end, upper) if i >= 0]
    return page[: min(ends)] if ends else page[:HEAD_SCAN_CHARS]


def _head_metas(head: str) -> dict[str, str]:
    """``content`` of each <meta>, by its lower-case http-equiv, property or name."""
    metas: dict[str, str] = {}
    for tag in _META_TAG.finditer(head):
        attributes = {name.lower(): a or b or c for name, a, b, c in _ATTRIBUTE.findall(tag[0])}
        kind = attributes.get("http-equiv") or attributes.get("property") or attributes.get("name")
        if kind:
            metas.setdefault(kind.lower(), attributes.get("content", ""))
    return metas


def _page_titles(head: str, metas: dict[str, str]) -> list[str]:
    """og:title, then <title>: non-empty, unescaped, whitespace collapsed."""
    match = _TITLE_TAG.search(head)
    titles = (metas.get("og:title", ""), match[1] if match else "")
    cleaned = (_SPACES.sub(" ", html_lib.unescape(t)).strip()[:TITLE_MAX_CHARS] for t in titles)
    return [t for t in cleaned if t]


def _site_names(url: str) -> tuple[str, ...]:
    """The host and its first label: a line that is only the outlet's name goes too."""
    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:  # "http://[broken" is still worth extracting
        return ()
    return (host, host.split(".")[0]) if host else ()


def _language(page: str, metas: dict[str, str]) -> str:
    """<html lang>, then <meta http-equiv=content-language>, then og:locale; "" if none."""
    match = _HTML_LANG.search(page[:LANG_SCAN_CHARS])
    if match:
        return _normalise_language(match[1])
    declared = metas.get("content-language") or metas.get("og:locale", "")
    return _normalise_language(declared.split(",")[0])


def _normalise_language(code: str) -> str:
    """BCP 47 casing: "en_us" -> "en-US", "zh_hant_tw" -> "zh-Hant-TW"; junk gives ""."""
    code = code.strip()
    if not _LANG_CODE.fullmatch(code):
        return ""
    first, *rest = code.replace("_", "-").split("-")
    return "-".join([first.lower(), *map(_subtag, rest)])


def _subtag(part: str) -> str:
    if len(part) == 2 or (len(part) == 3 and part.isdigit()):
        return part.upper()  # region
    return part.title() if len(part) == 4 and part.isalpha() else part.lower()  # script
