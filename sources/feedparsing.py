"""Turn fetched feed bytes into plain, bounded entries; refuse hostile feeds (THREATS.md 2, 4-6).

feedparser only ever sees a normalised copy of the body: decoded by us, re-encoded as UTF-8
behind a fresh XML declaration, control characters removed, the prolog checked for entity
declarations and its whitespace collapsed, and author-like elements cut short.
"""

from __future__ import annotations

import calendar
import codecs
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

import feedparser

from .feedauthors import cut_authors

PROLOG_WINDOW = 64 * 1024
SUMMARY_MAX = 5000
TITLE_MAX = 500
LINK_MAX = 2000
HTML_INPUT_MAX = 100_000

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BOMS = (  # (leading bytes, encoding, how many of them to drop)
    (codecs.BOM_UTF32_LE, "utf-32-le", 4),
    (codecs.BOM_UTF32_BE, "utf-32-be", 4),
    (codecs.BOM_UTF8, "utf-8", 3),
    (codecs.BOM_UTF16_LE, "utf-16-le", 2),
    (codecs.BOM_UTF16_BE, "utf-16-be", 2),
    (b"<\x00", "utf-16-le", 0),
    (b"\x00<", "utf-16-be", 0),
)
_DECLARED = re.compile(rb"""<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
# Declared charsets read as the superset browsers use for them (the WHATWG Encoding Standard),
# keyed by Python's codec name: a feed "in Shift_JIS" is written by Windows in cp932, and one
# character outside strict Shift_JIS must not send the whole feed to another encoding.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
_STRAY_BYTES = "digestcms-stray-cp1252"
_UNSAFE_CODECS = {"utf_7", "unicode_escape", "raw_unicode_escape", "idna", "punycode"}

_PROLOG_TOKEN = re.compile(
    r"""\s+|<\?.*?\?>|<!--.*?-->|%[\w.:-]+;|\]\s*>|<![A-Za-z]+(?:[^<>"'\[]|"[^"]*"|'[^']*')*[>\[]""",
    re.S,
)
_FEEDPARSER_HEAD = re.compile(r"<[A-Za-z0-9_]")  # where feedparser.replace_doctype ends the head
_ROOT = re.compile(r"<([^\W\d][\w.:-]*)")
_ENTITY = re.compile(r"<!\s*ENTITY", re.I)
_OLD_DECLARATION = re.compile(r"<\?xml\s[^>]*>")
_WHITESPACE_RUN = re.compile(r"\s{2,}")
_CLEAN_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|table|section|article|header|footer"
    r"|figure|figcaption|hr|dd|dt|dl)\b[^<>]*>",
    re.I,
)
_ANY_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_CLOSE_TAG = re.compile(r"</\w+>")
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.I)
_SCRIPT_CLOSE = {
    "script": re.compile(r"</script\s*>", re.I),
    "style": re.compile(r"</style\s*>", re.I),
}
_ENTRY_TAG = re.compile(r"<(/?)(?:[^\W\d][\w.-]{0,60}:)?(?:item|entry)(?=[\s/>])", re.I)
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class ParsedEntry:
    link: str
    guid: str
    title: str
    summary: str
    published: datetime | None
    language: str
    source_name: str
    source_url: str


@dataclass
class ParsedFeed:
    title: str
    site_url: str
    language: str
    entries: list[ParsedEntry]
    skipped: list[str]


class FeedRejected(Exception):
    """The body cannot or must not be parsed; str() is a sentence for an editor."""


def parse_feed(content: bytes, *, url: str = "", content_type: str = "") -> ParsedFeed:
    """Parse fetched feed bytes; raise FeedRejected for empty, non-feed or hostile bodies."""
    if not isinstance(content, bytes | bytearray):
        raise TypeError("parse_feed() takes the fetched bytes, never a string (THREATS.md 2)")
    text = strip_controls(_decode(bytes(content), content_type)).lstrip("\ufeff")
    if not text.strip():
        raise FeedRejected("The feed address gave an empty response.")
    head_end, root = _check_prolog(text, url)
    if root == "html":
        raise FeedRejected(_not_a_feed(url, looks_html=True))
    data = _normalise(text, head_end).encode("utf-8")
    result = feedparser.parse(
        io.BytesIO(data),  # a stream: feedparser opens bytes that look like a path as a file
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not result.get("version") and not result.entries:
        looks_html = "html" in content_type.lower() or "<html" in text[:4096].lower()
        raise FeedRejected(_not_a_feed(url, looks_html=looks_html))
    if result.bozo and not result.entries and not _root_closed(text, root):
        raise FeedRejected(
            "The feed is cut off before its first item (the server sent only part of it)."
        )
    return _build_feed(result, cut_off=bool(result.bozo) and not _last_entry_closed(text))


def strip_controls(value: str) -> str:
    """Remove characters XML forbids (C0 controls except tab/newline/CR, U+FFFE/U+FFFF, surrogates)."""
    return _CONTROL.sub("", value)


def _not_a_feed(url: str, *, looks_html: bool) -> str:
    what = f"The page at {url}" if url else "The response"
    hint = " (it looks like HTML)" if looks_html else ""
    return f"{what} is not an RSS or Atom feed{hint}; give the feed's own address instead."


# --- decoding -------------------------------------------------------------------------------


def _decode(content: bytes, content_type: str) -> str:
    """Decode by BOM, then HTTP charset, then XML declaration, then UTF-8; failing all of
    them, UTF-8 with each byte that is not UTF-8 read as Windows-1252.

    That last one keeps the UTF-8 titles of a feed with one item pasted in from Windows-1252,
    and decodes a Windows-1252 feed (which is rarely valid UTF-8 anywhere) as a whole.
    """
    for bom, encoding, skip in _BOMS:
        if content.startswith(bom):
            return content[skip:].decode(encoding, "replace")
    for encoding in _candidate_encodings(content, content_type):
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("utf-8", _STRAY_BYTES)


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252", "replace"), error.end


codecs.register_error(_STRAY_BYTES, _stray_bytes_as_cp1252)


def _candidate_encodings(content: bytes, content_type: str) -> list[str]:
    found = [m.group(1).decode("ascii") for m in [_DECLARED.search(content[:512])] if m]
    found[:0] = [m.group(1) for m in [_HTTP_CHARSET.search(content_type[:500])] if m]
    names = [_codec_name(name) for name in [*found, "utf-8"]]
    return [_SUPERSETS.get(name, name) for name in names if _safe_codec(name)]


def _codec_name(name: str) -> str:
    """Python's own name for a charset ('Shift-JIS' -> 'shift_jis'); '' when unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _safe_codec(name: str) -> bool:
    return bool(name) and name.replace("-", "_") not in _UNSAFE_CODECS


# --- prolog and normalisation ---------------------------------------------------------------


def _check_prolog(text: str, url: str) -> tuple[int, str]:
    """Refuse entity declarations before the root; return (end of head, root element name)."""
    window = text[:PROLOG_WINDOW]
    pos = 0
    while (match := _PROLOG_TOKEN.match(window, pos)) and match.end() > pos:
        pos = match.end()
    first = _FEEDPARSER_HEAD.search(window)
    stuck = window.startswith(("<?", "<!"), pos) or pos >= len(window)
    head_end = len(window) if stuck or first is None else max(pos, first.start())
    if _ENTITY.search(window, 0, head_end):
        raise FeedRejected(
            "The feed declares XML entities (<!ENTITY>), which we refuse for safety."
        )
    if stuck and pos > 0:
        raise FeedRejected(
            "The feed's preamble (before its first element) is too long or malformed, "
            "which we refuse for safety."
        )
    if stuck or first is None:
        raise FeedRejected(_not_a_feed(url, looks_html=False))
    root = _ROOT.match(window, pos)
    return head_end, root.group(1).lower() if root else ""


def _normalise(text: str, head_end: int) -> str:
    """Fresh UTF-8 declaration, collapsed prolog whitespace, author-like elements cut short.

    feedparser's own prolog regexes are quadratic in blank lines and cubic in a long first line.
    """
    head = text[:head_end].lstrip()
    if old := _OLD_DECLARATION.match(head):
        head = head[old.end() :]
    head = _WHITESPACE_RUN.sub(lambda m: "\n" if "\n" in m.group() else " ", head)
    return _CLEAN_DECLARATION + head.lstrip() + cut_authors(text[head_end:])


# --- building the result --------------------------------------------------------------------


def _last_entry_closed(text: str) -> bool:
    """False when the body ends inside its last item/entry (a truncated download)."""
    slashes = [match.group(1) for match in _ENTRY_TAG.finditer(text)]
    return not slashes or slashes[-1] == "/"


def _root_closed(text: str, root: str) -> bool:
    """False when the body never closes its root element (a truncated download)."""
    if not root:
        return True
    return re.search(rf"</{re.escape(root)}\s*>", text, re.I) is not None


def _build_feed(result: feedparser.FeedParserDict, *, cut_off: bool) -> ParsedFeed:
    info = result.feed
    language = _language(info.get("language") or "")
    entries: list[ParsedEntry] = []
    skipped: list[str] = []
    for number, raw in enumerate(result.entries, start=1):
        if cut_off and number == len(result.entries):
            skipped.append(f"entry {number} is cut off where the feed ends")
            continue
        entry = _entry(raw, language)
        if isinstance(entry, str):
            skipped.append(f"entry {number} {entry}")
        else:
            entries.append(entry)
    title = _plain_title(info, 300)
    site_url = _http_url(info.get("link") or "")
    return ParsedFeed(title, site_url, language, entries, skipped)


def _entry(raw: feedparser.FeedParserDict, feed_language: str) -> ParsedEntry | str:
    """The usable entry, or the reason it cannot be used."""
    link = strip_controls(raw.get("link") or "").strip()
    if not link:
        return "has no link"
    if not _http_url(link):
        return f"has a link that is not an absolute http(s) address ({link[:80]!r})"
    if len(link) > LINK_MAX:
        return f"has a link longer than {LINK_MAX} characters"
    source = raw.get("source") or {}
    source_name = _one_line(html_to_text(source.get("title") or "", 200))
    summary = html_to_text(_summary_html(raw), SUMMARY_MAX)
    return ParsedEntry(
        link=link,
        guid=strip_controls(raw.get("id") or link).strip()[:LINK_MAX],
        title=_title(raw, summary, link, source_name),
        summary=summary,
        published=_published(raw),
        language=_entry_language(raw) or feed_language,
        source_name=source_name,
        source_url=_http_url(source.get("href") or ""),
    )


def _summary_html(raw: feedparser.FeedParserDict) -> str:
    if raw.get("summary"):
        return raw["summary"]
    content = raw.get("content") or []
    return content[0].get("value", "") if content else ""


def _title(raw: feedparser.FeedParserDict, summary: str, link: str, source_name: str) -> str:
    """Plain title; Google News' ' - Outlet' suffix removed; else from summary or link."""
    title = _plain_title(raw, TITLE_MAX)
    suffix = f" - {source_name}"
    if source_name and title.endswith(suffix) and len(title) > len(suffix):
        title = title[: -len(suffix)].rstrip()
    if title:
        return title
    words = summary.split()
    if words:
        return " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    parts = urlsplit(link)
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.hostname or link


def _published(raw: feedparser.FeedParserDict) -> datetime | None:
    """Aware UTC from published, else updated; None when missing or over a day ahead."""
    # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed, with a warning
    parsed = dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")
    if parsed:
        try:
            when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
        except (OverflowError, OSError, ValueError, TypeError):
            return None
    else:
        when = _zoneless_rfc822(dict.get(raw, "published") or dict.get(raw, "updated") or "")
    if when is None:
        return None
    return None if when > datetime.now(UTC) + timedelta(days=1) else when


def _zoneless_rfc822(value: str) -> datetime | None:
    """feedparser gives up on an RFC 822 date with a weekday and no zone
    ('Tue, 17 Nov 2026 10:00'): read it as UTC, as feedparser does other zoneless dates."""
    try:
        when = parsedate_to_datetime(value[:100])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _entry_language(raw: feedparser.FeedParserDict) -> str:
    for key in ("title_detail", "summary_detail"):
        if language := _language((raw.get(key) or {}).get("language") or ""):
            return language
    return _language(raw.get("language") or "")


def _language(value: str) -> str:
    """'en-us' -> 'en-US', 'zh_cn' -> 'zh-CN'; '' when it is not a language tag."""
    value = value.strip()
    if len(value) > 20 or not _LANGUAGE.fullmatch(value):
        return ""
    first, *rest = re.split("[-_]", value)
    rest = [p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p.lower() for p in rest]
    return "-".join([first.lower(), *rest])


def _http_url(value: str) -> str:
    value = strip_controls(value).strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def html_to_text(value: str, limit: int) -> str:
    """Plain text from an HTML fragment: tags dropped, entities decoded, paragraphs as blank lines."""
    value = _BLOCK_TAG.sub("\x00", value[:HTML_INPUT_MAX])
    parts = html.unescape(_ANY_TAG.sub("", value)).split("\x00")
    paragraphs = (" ".join(strip_controls(part).split()) for part in parts)
    return _clip("\n\n".join(p for p in paragraphs if p), limit)


def _plain_title(item: feedparser.FeedParserDict, limit: int) -> str:
    """One line of text; feedparser marks a title text/plain when its '<' is literal.

    It also does so for markup holding an element it does not allow (<script>, <iframe>):
    a closing tag tells that markup apart from a literal '<', and it is read as HTML.
    """
    value = item.get("title") or ""
    if (item.get("title_detail") or {}).get("type") != "text/plain":
        return _one_line(html_to_text(value, limit))
    if _CLOSE_TAG.search(value):
        return _one_line(html_to_text(_drop_scripts(value), limit))
    return _clip(_one_line(strip_controls(html.unescape(value))), limit)


def _drop_scripts(value: str) -> str:
    """The markup without its <script> and <style> elements (an unclosed one runs to the end)."""
    kept, pos = [], 0
    while match := _SCRIPT_OPEN.search(value, pos):
        kept.append(value[pos : match.start()])
        close = _SCRIPT_CLOSE[match.group(1).lower()].search(value, match.end())
        pos = close.end() if close else len(value)
    kept.append(value[pos:])
    return "".join(kept)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _clip(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ", limit - 100)
    return (cut[:space] if space > 0 else cut).rstrip() + "…"
