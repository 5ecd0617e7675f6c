"""The hostile corpus (issue 8): feeds and pages written to break the ingestion pipeline.

Every ``Case`` is one feed address an editor might register. It says what the loopback
servers answer for that feed and for its article pages (bytes, headers, status, timing),
and what ingestion must leave behind: the feed's recorded error, or exactly which articles
it stores, with their titles, dates, extraction status, reason and text.

``build_corpus(port, other_port, now)`` builds the list for two servers: ``port`` serves
every ``*.test`` host, ``other_port`` is "another host" that redirects lead to. Big bodies
(the 10,000-item feed, the 5 MB page, the bombs) are made in code, lazily, when served.
Every text here was written for this corpus (``texts.py``).
"""

from __future__ import annotations

import functools
import gzip
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from tests.hostile import texts
from tests.hostile.server import Chunked, Drip, Raw, Reply, Silent, redirect

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
FEEDS = "feeds.hostile.test"  # where every corpus feed lives (unless the case is about that)
OTHER = "mirror.elsewhere.test"  # the host on the second server
MB = 1024 * 1024
BULK_ITEMS = 10_000
BULK_EXTRACTED = (
    20  # of the 10,000, how many pages are fetched and extracted (see Case.extract_only)
)
NOT_EXTRACTED = (
    "Not extracted in the corpus run: the 10,000-item feed tests ingestion; fetching 10,000 "
    "pages one by one would only time the loopback server."
)
UTF8 = '<?xml version="1.0" encoding="utf-8"?>'
RSS_TYPE = "application/rss+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


@dataclass(frozen=True)
class Expect:
    """One article ingestion must store (keyed by its normalised URL)."""

    url: str
    title: str | Callable[[str], bool]
    status: str = OK  # extraction status after the run: ok, failed or skipped
    reason: str = ""  # a substring of Article.extraction_error
    text: tuple[str, ...] = ()  # substrings of the extracted text
    absent: tuple[str, ...] = ()  # what cleanup must have removed
    language: str | _Any = ANY
    published: object = ANY  # a datetime, None, a tuple of acceptable values, or ANY
    min_text: int = 0


@dataclass
class Case:
    name: str
    category: str
    what: str
    feed_url: str
    served: dict[str, object] = field(default_factory=dict)  # URL -> what the server does
    articles: list[Expect] = field(default_factory=list)
    feed_error: str | None = None  # substring of Feed.last_error; None: the fetch succeeds
    skipped_entries: int = 0  # entries the parser drops with a reason
    moved_to: str = ""  # the feed's stored URL after a permanent redirect
    never_requested: tuple[str, ...] = ()  # URLs no request may reach (SSRF canaries)
    must_not_mention: tuple[str, ...] = ()  # e.g. file contents that must never leak
    retry_after: int = 0  # seconds the feed's next fetch must at least wait
    extract_only: tuple[str, ...] | None = None  # others are marked "not extracted"
    bug: str = ""  # a product bug this case exposes: the test is xfail(strict=True)


def build_corpus(port: int, other_port: int, now: datetime | None = None) -> list[Case]:
    builder = _Builder(port, other_port, now or datetime.now(UTC))
    for method in _BUILDERS:
        method(builder)
    names = [c.name for c in builder.cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return builder.cases


_BUILDERS: list[Callable[[_Builder], None]] = []


def _case(method: Callable[[_Builder], None]) -> Callable[[_Builder], None]:
    _BUILDERS.append(method)
    return method


# --- building blocks ------------------------------------------------------------------------


def rss(
    items: list[str] | str,
    *,
    declaration: str = UTF8,
    title: str = "Hostile corpus",
    version: str = "2.0",
    channel: str = "",
    language: str = "en-us",
    attributes: str = "",
) -> str:
    language_xml = f"<language>{language}</language>" if language else ""
    return (
        f"{declaration}<rss version={version!r} xmlns:dc='http://purl.org/dc/elements/1.1/'"
        f" xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel{attributes}>"
        f"<title>{escape(title)}</title><link>http://{FEEDS}/</link>"
        f"<description>Feeds written to break an ingestion pipeline.</description>"
        f"{language_xml}{channel}{''.join(items)}</channel></rss>"
    )


def item(
    title: str,
    link: str | None,
    *,
    date: str | None = None,
    guid: str | None = None,
    summary: str = "",
    extra: str = "",
    raw_title: bool = False,
) -> str:
    parts = [f"<title>{title if raw_title else escape(title)}</title>"]
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if guid is not None:
        parts.append(f"<guid>{escape(guid)}</guid>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    if summary:
        parts.append(f"<description>{escape(summary)}</description>")
    return "<item>" + "".join(parts) + extra + "</item>"


def atom(entries: list[str], *, title: str = "Hostile Atom", attributes: str = "") -> str:
    return (
        f"{UTF8}<feed xmlns='http://www.w3.org/2005/Atom'{attributes}>"
        f"<title>{escape(title)}</title><id>urn:hostile:{escape(title)}</id>"
        f"<updated>2026-11-01T00:00:00Z</updated>{''.join(entries)}</feed>"
    )


def page(
    title: str,
    paragraphs: list[str],
    *,
    lang: str | None = "en",
    charset: str | None = "utf-8",
    chrome: bool = True,
    head: str = "",
) -> str:
    """An article page with the navigation, share bar and footer real pages carry."""
    lang_attr = f' lang="{lang}"' if lang else ""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    nav = (
        "<header><nav><a href='/'>Home</a> <a href='/world/'>World</a> "
        "<a href='/business/'>Business</a> <a href='/sport/'>Sport</a></nav>"
        "<div class='share'>Share <a href='#'>Facebook</a> <a href='#'>Twitter</a></div></header>"
        if chrome
        else ""
    )
    footer = (
        "<aside><h3>Most read</h3><ul><li><a href='/a'>Bridge reopens</a></li>"
        "<li><a href='/b'>Strike called off</a></li></ul></aside>"
        "<footer><p>Follow us on Twitter</p><p>© 2026 Harbour Times. All rights reserved.</p>"
        "</footer>"
        if chrome
        else ""
    )
    return (
        f"<!DOCTYPE html><html{lang_attr}><head>{meta}<title>{escape(title)}</title>{head}"
        f"</head><body>{nav}<article><h1>{escape(title)}</h1>{body}</article>{footer}"
        "</body></html>"
    )


def html_reply(html: str | bytes, content_type: str = HTML_TYPE, **kwargs) -> Reply:
    body = html.encode() if isinstance(html, str) else html
    return Reply(body, content_type=content_type, **kwargs)


def rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


@functools.cache
def _bomb(wbits: int, decoded_mb: int = 64) -> bytes:
    """A compressed body that inflates to ``decoded_mb`` MB of spaces inside a title."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    out = [packer.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')]
    spaces = b" " * MB
    out += [packer.compress(spaces) for _ in range(decoded_mb)]
    out.append(packer.compress(b"</title></channel></rss>") + packer.flush())
    return b"".join(out)


def gzip_bomb() -> bytes:
    return _bomb(16 + zlib.MAX_WBITS)


def deflate_bomb() -> bytes:
    return _bomb(zlib.MAX_WBITS)


@functools.cache
def big_page() -> bytes:
    """About 4.9 MB (under the 5 MiB cap) of real paragraphs: 'a 5 MB article'."""
    pool = texts.ENGLISH
    paragraphs = ["The first section of this very long report begins here."]
    size, n = 0, 0
    while size < 4_850_000:
        text = f"Section {n}. " + " ".join(pool[(n + k) % len(pool)] for k in range(4))
        paragraphs.append(text)
        size += len(text) + 7
        n += 1
    paragraphs.append("The last section of this very long report ends here.")
    return page("A report as long as a book", paragraphs).encode()


def oversized_page() -> bytes:
    """About 5.5 MB: over the 5 MiB cap."""
    paragraph = "<p>" + " ".join(texts.ENGLISH) + "</p>"
    count = (5_500_000 // len(paragraph)) + 1
    return ("<!DOCTYPE html><html><body>" + paragraph * count + "</body></html>").encode()


def huge_tree_page() -> bytes:
    spans = "<span></span>" * 60_000
    return (
        page("Sixty thousand spans", texts.ENGLISH[:4], head="")
        .replace("<article>", "<article>" + spans)
        .encode()
    )


def deep_page() -> bytes:
    depth = 20_000
    inner = "".join(f"<p>{p}</p>" for p in texts.ENGLISH[:4])
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Deep</title></head><body>"
        + "<div>" * depth
        + inner
        + "</div>" * depth
        + "</body></html>"
    ).encode()


def table_page(marker: str) -> bytes:
    rows = []
    for i in range(4500):
        cells = "".join(f"<td>Berth {i}-{j}: {'cargo tonnes ' * 6}</td>" for j in range(10))
        rows.append(f"<tr>{cells}</tr>")
    intro = f"{marker} The tables below list every berth and the cargo it handled this year."
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Berth tables</title>"
        f"</head><body><article><h1>Berth tables</h1><p>{intro} {texts.ENGLISH[0]}</p><table>"
        + "".join(rows)
        + "</table></article></body></html>"
    ).encode()


# --- the builder ----------------------------------------------------------------------------


class _Builder:
    def __init__(self, port: int, other_port: int, now: datetime):
        self.port, self.other_port = port, other_port
        self.now = now
        self.recent = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
        self.cases: list[Case] = []
        self._refs = 0

    def a(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def b(self, host: str, path: str) -> str:
        return f"http://{host}:{self.other_port}{path}"

    def case(self, name: str, category: str, what: str, **fields) -> Case:
        fields.setdefault("feed_url", self.a(FEEDS, f"/{name}.xml"))
        case = Case(name=name, category=category, what=what, **fields)
        self.cases.append(case)
        return case

    def feed(self, case: Case, body: str | bytes, content_type: str = RSS_TYPE, **kw) -> None:
        data = body.encode() if isinstance(body, str) else body
        case.served[case.feed_url] = Reply(data, content_type=content_type, **kw)

    def ref(self) -> str:
        self._refs += 1
        return f"HX-{self._refs:04d}"

    def story(
        self,
        case: Case,
        link: str,
        title: str,
        *,
        url: str | None = None,
        paragraphs: list[str] | None = None,
        page_lang: str | None = "en",
        serve_at: str | None = None,
        **expect,
    ) -> str:
        """Serve an ordinary article page at ``link`` and expect it stored and extracted."""
        ref = self.ref()
        marker = f"This report, filed as {ref}, was checked against the port records."
        pool = paragraphs or [
            texts.ENGLISH[(self._refs + k) % len(texts.ENGLISH)] for k in range(4)
        ]
        html = page(title, [marker, *pool], lang=page_lang)
        case.served[serve_at or url or link] = html_reply(html)
        expect.setdefault("text", (ref,))
        if page_lang:
            expect.setdefault("language", page_lang)
        case.articles.append(Expect(url=url or link, title=expect.pop("check", title), **expect))
        return link

    def item_story(self, case: Case, host: str, slug: str, title: str, **kw) -> str:
        """An RSS item whose page is an ordinary article (served and expected)."""
        date = kw.pop("date", rfc822(self.recent))
        summary = kw.pop("summary", "A short summary written for the corpus.")
        link = self.a(host, f"/{case.name}/{slug}")
        self.story(case, link, title, **kw)
        return item(title, link, date=date, guid=link, summary=summary)

    def failing(self, case: Case, link: str, title: str, reply, reason: str, **kw) -> None:
        """An article whose page cannot be had: the article stays, with the reason."""
        if reply is not None:
            case.served[link] = reply
        status = kw.pop("status", FAILED)
        url = kw.pop("url", link)
        case.articles.append(Expect(url=url, title=title, status=status, reason=reason, **kw))


# === 1. Fetching: requests into our own network (THREATS.md 1) ==============================

SSRF = "fetch: SSRF (THREATS 1)"


@_case
def ssrf_feed_addresses(b: _Builder) -> None:
    refused = [
        ("ssrf-metadata", "http://169.254.169.254/latest/meta-data/", "link-local"),
        ("ssrf-file-scheme", "file:///etc/passwd", "Only http and https"),
        ("ssrf-ftp-scheme", f"ftp://{FEEDS}/news.xml", "Only http and https"),
        ("ssrf-nat64", f"http://[64:ff9b::7f00:1]:{b.port}/nat64.xml", "NAT64"),
        ("ssrf-mapped-metadata", "http://[::ffff:169.254.169.254]/latest/", "link-local"),
        ("ssrf-unspecified", f"http://0.0.0.0:{b.port}/zero.xml", "reserved address"),
        ("ssrf-multicast", "http://224.0.0.251/feed.xml", "multicast"),
        ("ssrf-6to4", f"http://[2002:7f00:1::1]:{b.port}/tunnel.xml", "6to4"),
        ("ssrf-ipv6-link-local", "http://[fe80::1]/feed.xml", "link-local"),
    ]
    for name, url, reason in refused:
        case = b.case(
            name,
            SSRF,
            f"a feed address inside our network ({url}) is refused even with private fetch on",
            feed_url=url,
            feed_error=reason,
            never_requested=(url,) if url.startswith("http") else (),
            must_not_mention=("root:x:0:0",),
        )
        if url.startswith("http"):  # served, so a request that got through would show
            case.served[url] = Reply(rss([]).encode())
    creds = b.a(FEEDS, "/creds.xml")
    case = b.case(
        "ssrf-credentials",
        SSRF,
        "a feed URL carrying a user name and password is refused before connecting",
        feed_url=creds.replace("http://", "http://editor:hunter2@"),
        feed_error="user name or password",
        never_requested=(creds,),
    )
    case.served[creds] = Reply(rss([]).encode())


@_case
def ssrf_redirects(b: _Builder) -> None:
    for name, location, reason, status in [
        (
            "ssrf-redirect-metadata",
            "http://169.254.169.254/latest/meta-data/iam/",
            "link-local",
            302,
        ),
        ("ssrf-redirect-file", "file:///etc/passwd", "Only http and https", 302),
        ("ssrf-redirect-gopher", "gopher://127.0.0.1:6379/_FLUSHALL", "Only http and https", 301),
    ]:
        case = b.case(
            name,
            SSRF,
            f"a feed that redirects ({status}) to {location} is refused at that hop; a refused "
            "permanent redirect never moves the feed",
            feed_error=reason,
            must_not_mention=("root:x:0:0",),
        )
        case.served[case.feed_url] = redirect(location, status)


@_case
def ssrf_article_links(b: _Builder) -> None:
    case = b.case(
        "ssrf-article-links",
        SSRF,
        "items linking into our network are stored (title, summary) but their pages are never "
        "fetched; a file: link is dropped as an entry",
        skipped_entries=1,
    )
    inside = [
        ("Instance credentials", "http://169.254.169.254/latest/meta-data/iam/", "link-local"),
        ("Router admin", "http://[fe80::1]/admin", "link-local"),
        ("Tunnelled metadata", "http://[64:ff9b::a9fe:a9fe]/latest/", "NAT64"),
    ]
    items = []
    for title, link, reason in inside:
        items.append(item(title, link, date=rfc822(b.recent)))
        b.failing(case, link, title, None, reason)
    items.append(item("Local file", "file:///etc/passwd", date=rfc822(b.recent)))
    items.append(b.item_story(case, "harbourtimes.test", "fine", "An ordinary story beside them"))
    b.feed(case, rss(items))

    case = b.case(
        "ssrf-page-redirects",
        SSRF,
        "article pages that redirect into our network or to file: are refused at that hop",
    )
    items = []
    for slug, location, reason in [
        ("to-metadata", "http://169.254.169.254/latest/user-data", "link-local"),
        ("to-file", "file:///etc/shadow", "Only http and https"),
    ]:
        link = b.a("harbourtimes.test", f"/{case.name}/{slug}")
        title = f"A page that redirects {slug}"
        items.append(item(title, link, date=rfc822(b.recent)))
        b.failing(case, link, title, redirect(location), reason)
    b.feed(case, rss(items))


# === 2. feedparser must never fetch on its own (THREATS.md 2) ==============================

FEEDPARSER = "parse: feedparser never fetches (THREATS 2)"


@_case
def feedparser_bodies(b: _Builder) -> None:
    canary = b.a(FEEDS, "/canary.xml")
    for name, body, what in [
        ("body-file-url", b"file:///etc/passwd", "a body that is only a file: URL"),
        ("body-local-path", b"/etc/passwd\n", "a body that is only a local path"),
        ("body-http-url", canary.encode(), "a body that is only a URL of ours (a canary)"),
    ]:
        case = b.case(
            name,
            FEEDPARSER,
            f"{what} is not a feed; feedparser never opens it",
            feed_error="not an RSS or Atom feed",
            never_requested=(canary,),
            must_not_mention=("root:x:0:0", "canary item"),
        )
        b.feed(case, body, content_type="application/rss+xml")
        case.served[canary] = Reply(rss([item("canary item", b.a(FEEDS, "/canary-page"))]).encode())


# === 3. Huge, compressed, dripping or broken responses (THREATS.md 3) =======================

SIZE_TIME = "fetch: size and time limits (THREATS 3)"
PROTOCOL = "fetch: broken HTTP"


@_case
def size_and_time_feeds(b: _Builder) -> None:
    feed_head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
    )
    cases = [
        (
            "gzip-bomb",
            "64 MB of spaces gzipped into 64 KB: cut at the decoded cap",
            Reply(gzip_bomb, headers=(("Content-Encoding", "gzip"),)),
            "once decompressed",
        ),
        (
            "deflate-bomb",
            "the same bomb as Content-Encoding: deflate",
            Reply(deflate_bomb, headers=(("Content-Encoding", "deflate"),)),
            "once decompressed",
        ),
        (
            "content-length-1e9",
            "Content-Length: 10^9 is refused before reading",
            Reply(b"<rss", length=10**9),
            "declares 953.7 MB",
        ),
        (
            "unbounded-body",
            "6 MB with no Content-Length (read to close): cut at the cap",
            Reply(lambda: b"<rss>" + b"x" * (6 * MB), length=None),
            "larger than the 5.0 MB limit",
        ),
        (
            "drip-body",
            "headers at once, then a byte every 0.25 s for ever",
            Drip(feed_head + b"<?xml version='1.0'?><rss version='2.0'><channel>"),
            "time limit",
        ),
        (
            "drip-headers",
            "a status line, then headers a byte at a time",
            Drip(b"HTTP/1.1 200 OK\r\nX-Slow: ", byte=b"z"),
            "time limit",
        ),
        (
            "silent",
            "accepts the connection, reads the request, never answers",
            Silent(),
            "time limit",
        ),
    ]
    for name, what, reply, reason in cases:
        case = b.case(name, SIZE_TIME, what, feed_error=reason)
        case.served[case.feed_url] = reply


@_case
def broken_http_feeds(b: _Builder) -> None:
    cases = [
        (
            "huge-header",
            "one 200 KB header line",
            Raw(
                b"HTTP/1.1 200 OK\r\nX-Padding: "
                + b"a" * 200_000
                + b"\r\nContent-Length: 0\r\n\r\n"
            ),
            "header line",
        ),
        (
            "many-headers",
            "150 header lines",
            Raw(
                b"HTTP/1.1 200 OK\r\n"
                + b"".join(b"X-Header-%d: %d\r\n" % (i, i) for i in range(150))
                + b"Content-Length: 0\r\n\r\n"
            ),
            "more than 100 headers",
        ),
        (
            "garbage-status",
            "a status line that is not one",
            Raw(b"HTTP/1.1 two hundred OK\r\nContent-Type: text/xml\r\n\r\n<rss/>"),
            "feeds.hostile.test",
        ),
        (
            "not-http",
            "an SSH banner instead of HTTP",
            Raw(b"SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n"),
            "feeds.hostile.test",
        ),
        (
            "no-status-line",
            "an HTTP/0.9-style answer: 3 KB of HTML on one line, no status line",
            Raw(
                b"<!DOCTYPE html><html><body>" + b"<p>old server</p>" * 180 + b"</body></html>\r\n"
            ),
            "feeds.hostile.test",
        ),
        ("empty-reply", "the server hangs up without a byte", Raw(b""), "feeds.hostile.test"),
        (
            "corrupt-gzip",
            "Content-Encoding: gzip on a body that is not gzip",
            Reply(
                b"<?xml version='1.0'?><rss version='2.0'></rss>",
                headers=(("Content-Encoding", "gzip"),),
            ),
            "corrupt compressed body",
        ),
    ]
    for name, what, reply, reason in cases:
        case = b.case(name, PROTOCOL, what, feed_error=reason)
        case.served[case.feed_url] = reply


def _cut_items(b: _Builder, case: Case, count: int) -> tuple[str, list[str]]:
    """A feed of ``count`` ordinary items; returns the XML and each item's own XML."""
    items = [
        b.item_story(
            case,
            "northwire.test",
            f"s{n}",
            f"Cut feed story {n}",
            summary=texts.ENGLISH[n % len(texts.ENGLISH)],
        )
        for n in range(count)
    ]
    return rss(items), items


def _expect_prefix(case: Case, prefix: str, items: list[str]) -> None:
    """Keep the expectations of the items wholly inside ``prefix``; a started one is skipped."""
    complete = [i for i, xml in enumerate(items) if xml in prefix]
    started = prefix.count("<item>")
    assert complete == list(range(len(complete))), "items are cut in order"
    for lost in case.articles[len(complete) :]:
        del case.served[lost.url]
    case.articles = case.articles[: len(complete)]
    case.skipped_entries = 1 if started > len(complete) else 0


@_case
def truncated_transfers(b: _Builder) -> None:
    case = b.case(
        "truncated-gzip",
        PROTOCOL,
        "a gzip stream cut at 55%: what inflated is parsed; the cut item is dropped",
    )
    xml, items = _cut_items(b, case, 6)
    packed = gzip.compress(xml.encode(), mtime=0)
    cut = packed[: len(packed) * 55 // 100]
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    prefix = (inflater.decompress(cut) + inflater.flush()).decode()
    _expect_prefix(case, prefix, items)
    case.served[case.feed_url] = Reply(
        cut, content_type=RSS_TYPE, headers=(("Content-Encoding", "gzip"),)
    )

    case = b.case(
        "short-body-feed",
        PROTOCOL,
        "Content-Length promises the whole feed, the server hangs up in item 4: the complete "
        "items are kept, the cut one dropped",
    )
    xml, items = _cut_items(b, case, 5)
    cut = xml.index(items[3]) + len(items[3]) // 2
    _expect_prefix(case, xml[:cut], items)
    case.served[case.feed_url] = Reply(xml[:cut].encode(), content_type=RSS_TYPE, length=len(xml))


@_case
def page_limits(b: _Builder) -> None:
    page_head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n<html><body><p>"
    for name, what, reply, reason in [
        ("page-gzip-bomb", "an article page that is a gzip bomb", Reply(gzip_bomb, content_type="text/html", headers=(("Content-Encoding", "gzip"),)), "once decompressed"),
        ("page-drip", "an article page sent a byte at a time", Drip(page_head, byte=b"a"), "time limit"),
        ("page-content-length-1e9", "an article page declaring 10^9 bytes", Reply(b"<html>", content_type="text/html", length=10**9), "declares 953.7 MB"),
        ("page-chunked-cut", "a chunked page whose server hangs up before the last chunk", Chunked((page("Cut", texts.ENGLISH).encode()[:900],), finish=False), "harbourtimes.test"),
    ]:  # fmt: skip
        case = b.case(name, SIZE_TIME, what + ": the article stays, with the reason")
        link = b.a("harbourtimes.test", f"/{name}/story")
        title = f"Story behind {name}"
        b.failing(case, link, title, reply, reason)
        b.feed(case, rss([item(title, link, date=rfc822(b.recent))]))

    case = b.case(
        "page-short-body",
        PROTOCOL,
        "Content-Length says 100%, the server hangs up at 45%: the half page must not be stored "
        "as the article's full text",
    )
    link = b.a("harbourtimes.test", "/page-short-body/story")
    title = "A page cut in half"
    whole = page(
        title, [f"Opening paragraph. {texts.ENGLISH[0]}", *texts.ENGLISH[1:8], "Closing paragraph."]
    ).encode()
    b.failing(
        case,
        link,
        title,
        Reply(whole[: len(whole) * 45 // 100], content_type=HTML_TYPE, length=len(whole)),
        "incomplete",
    )
    b.feed(case, rss([item(title, link, date=rfc822(b.recent))]))


# === 4. Entity expansion (THREATS.md 4) ======================================================

ENTITIES = "parse: entity expansion (THREATS 4)"
REFUSED_ENTITIES = "declares XML entities"


@_case
def entity_feeds(b: _Builder) -> None:
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    evil_dtd = b.a(FEEDS, "/evil.dtd")
    bodies = [
        (
            "billion-laughs",
            "nine levels of ten: a billion 'lol's",
            f'{UTF8}<!DOCTYPE rss [<!ENTITY lol0 "lol">{laughs}]>'
            + rss(
                [item("&lol9;", b.a("harbourtimes.test", "/lol"), raw_title=True)], declaration=""
            ),
        ),
        (
            "quadratic-blowup",
            "one 50 KB entity used 2,000 times (100 MB expanded)",
            f'{UTF8}<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>'
            + rss(
                [item("&a;" * 2000, b.a("harbourtimes.test", "/quad"), raw_title=True)],
                declaration="",
            ),
        ),
        (
            "external-entity",
            "an external entity naming /etc/passwd",
            f'{UTF8}<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + rss(
                [item("&xxe;", b.a("harbourtimes.test", "/xxe"), raw_title=True)], declaration=""
            ),
        ),
        (
            "parameter-entity",
            "a parameter entity that would fetch a DTD from our own server",
            f'{UTF8}<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{evil_dtd}"> %remote;]>'
            + rss([item("Remote DTD", b.a("harbourtimes.test", "/pe"))], declaration=""),
        ),
    ]
    for name, what, body in bodies:
        case = b.case(
            name,
            ENTITIES,
            f"{what}: refused before parsing, nothing stored",
            feed_error=REFUSED_ENTITIES,
            never_requested=(evil_dtd,),
            must_not_mention=("root:x:0:0", "lollol"),
        )
        b.feed(case, body)
        case.served[evil_dtd] = Reply(
            b'<!ENTITY leak "leaked">', content_type="application/xml-dtd"
        )

    case = b.case(
        "utf16-billion-laughs",
        ENTITIES,
        "the billion laughs again, in UTF-16 with a BOM (the check must see decoded text)",
        feed_error=REFUSED_ENTITIES,
    )
    body = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        f'<!DOCTYPE rss [<!ENTITY lol0 "lol">{laughs}]>'
        + rss([item("&lol9;", b.a("harbourtimes.test", "/lol16"), raw_title=True)], declaration="")
    )
    b.feed(case, body.encode("utf-16"))

    case = b.case(
        "entity-after-long-prolog",
        ENTITIES,
        "70 KB of comments before a DOCTYPE with an entity: refused as an over-long preamble",
        feed_error="preamble",
    )
    padding = "<!-- padding to push the DOCTYPE out of sight -->\n" * 1400
    b.feed(
        case,
        f'{UTF8}{padding}<!DOCTYPE rss [<!ENTITY a "{"y" * 1000}">]>'
        + rss([item("&a;", b.a("harbourtimes.test", "/late"), raw_title=True)], declaration=""),
    )


# === 5. Long authors (THREATS.md 5) ==========================================================

AUTHORS = "parse: long authors (THREATS 5)"


@_case
def author_feeds(b: _Builder) -> None:
    case = b.case(
        "rss-author-32kb",
        AUTHORS,
        "a 32 KB <author>, a 16,000-part <dc:creator> and a 32 KB <managingEditor>: the items "
        "are stored (unbounded, feedparser's author regex takes seconds)",
    )
    long_name = "editor@harbourtimes.test (" + "Quayside Correspondent " * 1400 + ")"
    creators = "a, " * 16_000
    items = [
        b.item_story(case, "harbourtimes.test", "a1", "Story with a long author").replace(
            "</item>", f"<author>{escape(long_name)}</author></item>"
        ),
        b.item_story(case, "harbourtimes.test", "a2", "Story with many creators").replace(
            "</item>", f"<dc:creator>{creators}</dc:creator></item>"
        ),
    ]
    b.feed(case, rss(items, channel=f"<managingEditor>{'m' * 32_768}</managingEditor>"))

    case = b.case(
        "atom-author-nested",
        AUTHORS,
        "an Atom author whose name is 32 KB of nested markup, comments and CDATA",
    )
    name = ("<b>Harbour</b><!-- c --><![CDATA[desk]]>" * 800)[:32_768]
    link = b.a("harbourtimes.test", f"/{case.name}/entry")
    b.story(case, link, "Atom entry with a nested author")
    b.feed(
        case,
        atom(
            [
                "<entry><title>Atom entry with a nested author</title>"
                f"<link href='{link}'/><id>urn:author:1</id><updated>2026-11-20T08:00:00Z</updated>"
                f"<author><name>{name}</name><email>desk@harbourtimes.test</email></author></entry>"
            ]
        ),
        content_type="application/atom+xml",
    )


# === 6. Control characters (THREATS.md 6) ====================================================

CONTROL = "parse: control characters (THREATS 6)"


@_case
def control_characters(b: _Builder) -> None:
    case = b.case(
        "control-chars-feed",
        CONTROL,
        "vertical tab, NUL, ESC and U+FFFE in titles, summaries and links: stripped at ingest",
    )
    link = b.a("harbourtimes.test", f"/{case.name}/tide\x01s")
    clean_link = b.a("harbourtimes.test", f"/{case.name}/tides")
    b.story(case, clean_link, "Tide tables revised today", serve_at=clean_link)
    body = rss(
        [
            f"<item><title>Tide\x0b tables\x00 revised\x1b today\ufffe</title><link>{link}</link>"
            f"<description>Form\x0cfeed and bell\x07 in a summary</description>"
            f"<pubDate>{rfc822(b.recent)}</pubDate></item>"
        ]
    )
    b.feed(case, body)

    case = b.case(
        "control-chars-page",
        CONTROL,
        "an article page whose paragraphs hold NUL, vertical tab, ESC and U+FFFE: the stored "
        "text has none (they break XML feeds and PostgreSQL)",
    )
    link = b.a("harbourtimes.test", f"/{case.name}/story")
    ref = b.ref()
    dirty = [
        f"Control\x0b characters in a report filed as {ref} must not survive.\x00",
        "A second paragraph with an escape\x1b and a unit separator\x1f inside it "
        + texts.ENGLISH[1],
        "A third with a non-character\ufffe and a bell\x07 " + texts.ENGLISH[2],
        texts.ENGLISH[3],
    ]
    case.served[link] = html_reply(page("Control characters in the page", dirty))
    case.articles.append(Expect(link, "Control characters in the page", text=(ref,)))
    b.feed(case, rss([item("Control characters in the page", link, date=rfc822(b.recent))]))


# === 7. Extraction limits and awkward pages (THREATS.md 7) ===================================

EXTRACTION = "extract: limits and awkward pages (THREATS 7)"


@_case
def extraction_pages(b: _Builder) -> None:
    host = "dailyledger.test"

    case = b.case(
        "page-5mb", EXTRACTION, "a 4.9 MB article (just under the 5 MiB cap) is extracted whole"
    )
    link = b.a(host, "/page-5mb/report")
    case.served[link] = Reply(big_page, content_type=HTML_TYPE)
    case.articles.append(
        Expect(
            link,
            "A report as long as a book",
            text=(
                "first section of this very long report",
                "last section of this very long report",
            ),
            min_text=4_000_000,
        )
    )
    b.feed(case, rss([item("A report as long as a book", link, date=rfc822(b.recent))]))

    case = b.case(
        "page-over-cap", EXTRACTION, "5.5 MB pages, with and without Content-Length, are refused"
    )
    declared, undeclared = (
        b.a(host, "/page-over-cap/declared"),
        b.a(host, "/page-over-cap/streamed"),
    )
    b.failing(
        case,
        declared,
        "Oversized page, declared",
        Reply(oversized_page, content_type=HTML_TYPE),
        "above the 5.0 MB limit",
    )
    b.failing(
        case,
        undeclared,
        "Oversized page, streamed",
        Reply(oversized_page, content_type=HTML_TYPE, length=None),
        "larger than the 5.0 MB limit",
    )
    b.feed(
        case,
        rss(
            [
                item("Oversized page, declared", declared, date=rfc822(b.recent)),
                item("Oversized page, streamed", undeclared, date=rfc822(b.recent)),
            ]
        ),
    )

    simple_failures = [
        ("page-huge-tree", "60,000 empty elements before the article", Reply(huge_tree_page, content_type=HTML_TYPE), "above the 50,000 limit"),
        ("page-nav-only", "a page that is all navigation", html_reply(_nav_only_page()), "no article text"),
        ("page-js-shell", "a JavaScript app shell with no text", html_reply("<!doctype html><html><head><title>App</title></head><body><div id='root'></div><script>window.start({page:'story'})</script></body></html>"), "no article text"),
        ("page-empty", "an empty 200 answer", html_reply(b""), "no article text"),
        ("page-binary", "20 KB of random bytes labelled text/html", html_reply(random.Random(8).randbytes(20_000)), "no article text"),
    ]  # fmt: skip
    for name, what, reply, reason in simple_failures:
        case = b.case(name, EXTRACTION, f"{what}: extraction fails, the article keeps its title")
        link = b.a(host, f"/{name}/story")
        b.failing(case, link, f"Story behind {name}", reply, reason)
        b.feed(case, rss([item(f"Story behind {name}", link, date=rfc822(b.recent))]))

    case = b.case(
        "page-deep-nesting",
        EXTRACTION,
        "the article text under 20,000 nested <div>s: extracted, or refused with a reason (lxml stops at depth 256, so today it is refused as 'no article text')",
    )
    link = b.a(host, "/page-deep-nesting/story")
    case.served[link] = Reply(deep_page, content_type=HTML_TYPE)
    case.articles.append(Expect(link, "Deep nesting", status=ANY_STATUS, reason=""))  # type: ignore[arg-type]
    b.feed(case, rss([item("Deep nesting", link, date=rfc822(b.recent))]))

    case = b.case(
        "page-table-heavy",
        EXTRACTION,
        "4.5 MB of table cells (under the element cap) after one paragraph",
    )
    link = b.a(host, "/page-table-heavy/story")
    ref = b.ref()
    case.served[link] = Reply(functools.partial(table_page, ref), content_type=HTML_TYPE)
    case.articles.append(Expect(link, "Berth tables", text=(ref,)))
    b.feed(case, rss([item("Berth tables", link, date=rfc822(b.recent))]))

    case = b.case(
        "page-not-html",
        EXTRACTION,
        "links to a PDF, an image, JSON and audio are skipped, not failed",
    )
    items = []
    for slug, content_type in [
        ("report.pdf", "application/pdf"),
        ("chart.png", "image/png"),
        ("data.json", "application/json"),
        ("podcast.mp3", "audio/mpeg"),
    ]:
        link = b.a(host, f"/page-not-html/{slug}")
        b.failing(
            case,
            link,
            f"Attachment {slug}",
            Reply(
                b"%PDF-1.7 not really" if "pdf" in slug else b"\x89PNG....",
                content_type=content_type,
            ),
            f"Not a web page ({content_type})",
            status=SKIPPED,
        )
        items.append(item(f"Attachment {slug}", link, date=rfc822(b.recent)))
    link = b.a(host, "/page-not-html/untyped")
    ref = b.ref()
    case.served[link] = Reply(
        page(
            "No Content-Type", [f"Served without a type, filed as {ref}.", *texts.ENGLISH[4:8]]
        ).encode(),
        content_type="",
    )
    case.articles.append(Expect(link, "No Content-Type header", text=(ref,)))
    items.append(item("No Content-Type header", link, date=rfc822(b.recent)))
    b.feed(case, rss(items))

    case = b.case(
        "page-status-errors", EXTRACTION, "article pages answering 404, 410, 500, 503 and 429"
    )
    items = []
    for status in (404, 410, 500, 503, 429):
        link = b.a(host, f"/page-status-errors/{status}")
        reply = Reply(
            b"error page",
            status=status,
            content_type="text/html",
            headers=(("Retry-After", "120"),) if status in (429, 503) else (),
        )
        b.failing(case, link, f"Page answering {status}", reply, f"answered {status}")
        items.append(item(f"Page answering {status}", link, date=rfc822(b.recent)))
    b.feed(case, rss(items))

    case = b.case(
        "page-redirects",
        EXTRACTION,
        "article pages redirecting to another host (fine), in a loop, and four times",
    )
    moved = b.a(host, "/page-redirects/moved")
    target = b.b(OTHER, "/mirrored/story")
    case.served[moved] = redirect(target, 301)
    b.story(case, moved, "Page moved to another host", serve_at=target)
    loop_a, loop_b = b.a(host, "/page-redirects/loop"), b.b(OTHER, "/page-redirects/loop")
    case.served[loop_b] = redirect(loop_a)
    b.failing(case, loop_a, "Page in a redirect loop", redirect(loop_b), "Redirect loop")
    hops = [
        b.a(host, "/page-redirects/hop0"),
        b.b(OTHER, "/hop1"),
        b.a(host, "/hop2"),
        b.b(OTHER, "/hop3"),
        b.a(host, "/hop4"),
    ]
    for here, there in zip(hops, hops[1:], strict=False):
        case.served[here] = redirect(there, 307)
    case.served[hops[-1]] = html_reply(page("Never reached", texts.ENGLISH[:4]))
    b.failing(case, hops[0], "Page four redirects away", None, "Too many redirects")
    b.feed(
        case,
        rss(
            [
                item(t, link, date=rfc822(b.recent))
                for t, link in [
                    ("Page moved to another host", moved),
                    ("Page in a redirect loop", loop_a),
                    ("Page four redirects away", hops[0]),
                ]
            ]
        ),
    )

    case = b.case(
        "page-boilerplate",
        EXTRACTION,
        "share bars, follow-us lines, copyright, view counts and hashtags inside the article are cleaned away",
    )
    link = b.a(host, "/page-boilerplate/story")
    ref = b.ref()
    junk = [
        "Share this article", "Follow us on Telegram for the latest updates",
        f"The ferry company confirmed the new timetable, filed as {ref}, on Monday morning.",
        texts.ENGLISH[2], "Read more: Ferry fares to rise in spring", texts.ENGLISH[3],
        "Views: 1,204", "#harbour #ferries #islands", texts.ENGLISH[6],
        "© 2026 Daily Ledger. All rights reserved.",
    ]  # fmt: skip
    case.served[link] = html_reply(page("Ferry timetable confirmed", junk))
    case.articles.append(
        Expect(
            link,
            "Ferry timetable confirmed",
            text=(ref, "footbridge"),
            absent=(
                "Share this article",
                "Follow us on",
                "Read more:",
                "Views:",
                "#harbour",
                "All rights reserved",
            ),
        )
    )
    b.feed(case, rss([item("Ferry timetable confirmed", link, date=rfc822(b.recent))]))


ANY_STATUS = "ok-or-failed"  # the page may be refused; whichever, with a reason when it fails


def _nav_only_page() -> str:
    links = "".join(f"<li><a href='/{s}/'>{s.title()}</a></li>" for s in ("news", "world", "business", "sport", "culture", "weather"))  # fmt: skip
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Sections</title></head>"
        f"<body><nav><ul>{links}</ul></nav><div class='bar'><div>twitter</div><div>facebook</div>"
        "<div>search</div><div>menu</div></div><footer><div>Follow us on Facebook</div>"
        "<div>© 2026 Daily Ledger. All rights reserved.</div></footer></body></html>"
    )


# === Encodings: feeds ========================================================================

ENCODINGS = "encodings"


@_case
def encoded_feeds(b: _Builder) -> None:
    def one(name, what, title, encode, *, declaration, content_type="application/rss+xml"):
        case = b.case(name, ENCODINGS, what)
        xml = rss([b.item_story(case, "northwire.test", "s", title)], declaration=declaration)
        b.feed(case, encode(xml), content_type=content_type)

    one(
        "utf16le-bom-feed",
        "UTF-16 little-endian with a BOM",
        "江城大桥通车 — Ferry «Ariadne» retires",
        lambda x: b"\xff\xfe" + x.encode("utf-16-le"),
        declaration='<?xml version="1.0" encoding="UTF-16"?>',
    )
    one(
        "utf16be-bom-feed",
        "UTF-16 big-endian with a BOM",
        "Речной порт открыл навигацию",
        lambda x: b"\xfe\xff" + x.encode("utf-16-be"),
        declaration='<?xml version="1.0" encoding="UTF-16"?>',
    )
    one(
        "cp1252-declared-utf8",
        'Windows-1252 bytes behind an encoding="utf-8" declaration',
        "Le marché « couvert » rouvre – 600 000 € de plus",
        lambda x: x.encode("cp1252"),
        declaration=UTF8,
    )
    one(
        "gb2312-feed",
        "declared GB2312, holding a GBK-only character (喆), as real feeds do",
        "江城大桥通车 工程师王喆讲述建设故事",
        lambda x: x.encode("gbk"),
        declaration='<?xml version="1.0" encoding="GB2312"?>',
    )
    one(
        "shift-jis-feed",
        "declared Shift_JIS",
        "港町で漁港まつり、三年ぶり開催",
        lambda x: x.encode("shift_jis"),
        declaration='<?xml version="1.0" encoding="Shift_JIS"?>',
    )
    one("shift-jis-cp932-feed", "declared Shift_JIS, holding ① and 髙 (Windows-31J, as Japanese sites send)",
        "髙橋組合長が語る漁港の未来①", lambda x: x.encode("cp932"),
        declaration='<?xml version="1.0" encoding="Shift_JIS"?>')  # fmt: skip
    one(
        "utf8-bom-declared-latin1",
        "a UTF-8 BOM before a declaration saying ISO-8859-1",
        "Zürich ferry ☂ timetable",
        lambda x: b"\xef\xbb\xbf" + x.encode(),
        declaration='<?xml version="1.0" encoding="ISO-8859-1"?>',
    )
    one("http-charset-beats-declaration", "HTTP says windows-1251, the declaration says utf-8 (RFC 7303: HTTP wins)",
        "Речной порт Заволжска открыл навигацию", lambda x: x.encode("cp1251"), declaration=UTF8,
        content_type="text/xml; charset=windows-1251")  # fmt: skip

    case = b.case(
        "utf8-stray-cp1252-byte",
        ENCODINGS,
        "a UTF-8 feed of Chinese titles with one item pasted in from Windows-1252 (a lone é byte)",
    )
    xml = rss(
        [
            b.item_story(case, "northwire.test", "bridge", "江城大桥正式通车"),
            b.item_story(case, "northwire.test", "ferry", "渡口月底停运"),
            b.item_story(case, "northwire.test", "cafe", "Café owners welcome the bridge"),
        ]
    )
    b.feed(case, xml.encode().replace("Café".encode(), "Café".encode("cp1252")))


# === Encodings and languages: pages ==========================================================


@_case
def encoded_pages(b: _Builder) -> None:
    case = b.case(
        "encoded-pages",
        ENCODINGS,
        "pages in Latin-1 (HTTP charset only), GB2312 and Shift_JIS (meta), undeclared "
        "Windows-1252, UTF-16 with a BOM and a lying meta, a UTF-8 BOM with a lying HTTP charset",
    )
    host = "worldpress.test"
    pages = [
        ("latin1", "Vendimia adelantada", texts.SPANISH, "es", "iso-8859-1", "text/html; charset=iso-8859-1", None, ("cosecha de uva", "último sábado")),
        ("gb2312", "江城大桥通车", texts.CHINESE, "zh-CN", "gbk", "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', ("跨江大桥", "步行道")),
        ("shift-jis", "漁港まつり", [*texts.JAPANESE[:3], texts.JAPANESE[3] + "（第①報）"], "ja", "cp932", "text/html", '<meta charset="Shift_JIS">', ("漁港まつり", "第①報")),
        ("cp1252-undeclared", "Le marché rouvre", texts.FRENCH, "fr", "cp1252", "text/html", None, ("« raisonnables »", "600 000 €")),
        ("utf16-bom", "Νέο δρομολόγιο", texts.GREEK, "el", "utf-16", "text/html", '<meta charset="utf-8">', ("δρομολόγιο", "βοριάς")),
        ("utf8-bom-lying-header", "Навигация открыта", texts.RUSSIAN, "ru", "utf-8-sig", "text/html; charset=iso-8859-1", None, ("навигацию", "буксира")),
    ]  # fmt: skip
    items = []
    for slug, title, paragraphs, lang, codec, content_type, meta, words in pages:
        link = b.a(host, f"/encoded/{slug}")
        html = page(title, paragraphs, lang=lang, charset=None, head=meta or "")
        case.served[link] = Reply(
            html.encode(codec, "xmlcharrefreplace"), content_type=content_type
        )
        case.articles.append(Expect(link, title, text=words, language=lang))
        items.append(item(title, link, date=rfc822(b.recent)))
    b.feed(case, rss(items))


@_case
def other_languages(b: _Builder) -> None:
    case = b.case(
        "other-languages",
        "languages",
        "articles in Russian, Arabic, Chinese, Japanese, Greek and Hindi: text and language kept",
    )
    items = []
    for lang, title, paragraphs, word in [
        ("ru", "Навигация открыта раньше срока", texts.RUSSIAN, "шлюзов"),
        ("ar", "محطة جديدة لتحلية المياه", texts.ARABIC, "الطاقة الشمسية"),
        ("zh-CN", "跨江大桥正式通车", texts.CHINESE, "公交线路"),
        ("ja", "三年ぶりの漁港まつり", texts.JAPANESE, "花火"),
        ("el", "Νέο δρομολόγιο για τα νησιά", texts.GREEK, "επιδότηση"),
        ("hi", "मानसून की पहली बारिश", texts.HINDI, "मछुआरों"),
    ]:
        link = b.a("worldpress.test", f"/{lang.lower()}/story")
        case.served[link] = html_reply(page(title, paragraphs, lang=lang))
        case.articles.append(Expect(link, title, text=(word,), language=lang))
        items.append(item(title, link, date=rfc822(b.recent)))
    b.feed(case, rss(items, language=""))


# === Formats: RSS 0.91 / 1.0 / 2.0 and Atom 0.3 / 1.0 oddities ===============================

FORMATS = "formats: RSS/Atom oddities"


@_case
def format_feeds(b: _Builder) -> None:
    # RSS 0.91 with the Netscape DOCTYPE (no entities: must not be refused), Latin-1, no dates.
    case = b.case(
        "rss091-doctype", FORMATS, "RSS 0.91 with the Netscape DOCTYPE, ISO-8859-1, no dates"
    )
    link = b.a("oldwire.test", "/rss091/ferry")
    b.story(case, link, "Ferry timetable: été change", published=None)
    body = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        '<rss version="0.91"><channel><title>Old Wire</title><link>http://oldwire.test/</link>'
        "<description>Since 1999</description><language>en-gb</language>"
        f"<item><title>Ferry timetable: été change</title><link>{link}</link>"
        "<description>Summer &amp; winter sailings</description></item></channel></rss>"
    )
    b.feed(case, body.encode("latin-1"))

    # RSS 1.0 (RDF): dc:date without a zone, an item with rdf:about but no <link>.
    case = b.case(
        "rss10-rdf",
        FORMATS,
        "RSS 1.0: zone-less dc:date read as UTC; an item without <link> is skipped",
        skipped_entries=1,
    )
    link = b.a("rdfnews.test", "/rss10/eins")
    b.story(
        case,
        link,
        "Erste Meldung aus dem Hafen",
        published=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    )
    body = (
        f"{UTF8}<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        "<channel rdf:about='http://rdfnews.test/'><title>RDF</title><link>http://rdfnews.test/</link>"
        "<description>d</description><dc:language>de-DE</dc:language></channel>"
        f"<item rdf:about='{link}'><title>Erste Meldung aus dem Hafen</title><link>{link}</link>"
        "<dc:date>2026-11-20T12:00:00</dc:date></item>"
        "<item rdf:about='http://rdfnews.test/zwei'><title>Zweite</title>"
        "<dc:date>2026-11-20T12:00+01:00</dc:date></item></rdf:RDF>"
    )
    b.feed(case, body, content_type="application/rdf+xml")

    # RSS 2.0 with xml:base on the channel and an item.
    case = b.case(
        "rss20-xml-base",
        FORMATS,
        "RSS 2.0 relative <link>s resolved through xml:base on the channel and on an item",
    )
    one = b.a("harbourtimes.test", "/news/story-1.html")
    two = b.a("harbourtimes.test", "/other/story-2.html")
    b.story(case, one, "Relative link under the channel's base")
    b.story(case, two, "Relative link under the item's own base")
    base = b.a("harbourtimes.test", "/news/")
    b.feed(
        case,
        rss(
            [
                item(
                    "Relative link under the channel's base", "story-1.html", date=rfc822(b.recent)
                ),
                item(
                    "Relative link under the item's own base", "story-2.html", date=rfc822(b.recent)
                ).replace("<item>", "<item xml:base='/other/'>"),
            ],
            attributes=f" xml:base='{base}'",
        ),
    )

    # Atom 1.0: xml:base relative to the feed URL, nested bases, rel=self/enclosure beside alternate.
    case = b.case(
        "atom10-xml-base",
        FORMATS,
        "Atom 1.0: a relative xml:base on the feed, nested bases, alternate chosen over self/enclosure",
    )
    tea = b.a(FEEDS, "/blog/posts/tea.html")
    other = b.a("harbourtimes.test", "/y/z.html")
    b.story(case, tea, "Tea and sympathy", published=datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
    b.story(case, other, "Less <than> signs", published=datetime(2026, 11, 19, 8, 0, tzinfo=UTC))
    b.feed(
        case,
        atom(
            [
                "<entry xml:base='posts/'><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>Tea <em>and</em> sympathy</div></title>"
                "<link rel='enclosure' href='tea.mp3'/><link rel='alternate' href='tea.html'/><id>urn:a:1</id>"
                "<updated>2026-11-19T10:00:00Z</updated></entry>",
                f"<entry xml:base='{b.a('harbourtimes.test', '/x/')}'><title type='text'>Less &lt;than&gt; signs</title>"
                "<link rel='self' href='/api/2'/><link href='../y/z.html'/><id>urn:a:2</id>"
                "<published>2026-11-19T10:00:00+02:00</published></entry>",
            ],
            attributes=" xml:base='/blog/'",
        ),
        content_type="application/atom+xml",
    )

    # Atom 0.3: escaped mode, issued/modified.
    case = b.case(
        "atom03",
        FORMATS,
        "Atom 0.3: mode='escaped' titles, <issued> without a zone, an entry without dates",
    )
    port_link, undated = b.a("trois.test", "/atom03/port"), b.a("trois.test", "/atom03/sans-date")
    b.story(case, port_link, "Le port rouvre", published=datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    b.story(case, undated, "Sans date", published=None)
    b.feed(
        case,
        f"{UTF8}<feed version='0.3' xmlns='http://purl.org/atom/ns#' xml:lang='fr'>"
        "<title mode='escaped'>Trois</title><link rel='alternate' type='text/html' href='http://trois.test/'/>"
        "<modified>2026-11-18T09:00:00Z</modified>"
        f"<entry><title mode='escaped' type='text/html'>Le &lt;b&gt;port&lt;/b&gt; rouvre</title>"
        f"<link rel='alternate' type='text/html' href='{port_link}'/><id>tag:trois.test,2026:1</id>"
        "<issued>2026-11-18T08:00:00</issued><modified>2026-11-18T09:00:00Z</modified>"
        "<content type='text/html' mode='escaped'>&lt;p&gt;Texte&lt;/p&gt;</content></entry>"
        f"<entry><title>Sans date</title><link rel='alternate' type='text/html' href='{undated}'/>"
        "<id>tag:trois.test,2026:2</id></entry></feed>",
        content_type="application/atom+xml",
    )


@_case
def title_feeds(b: _Builder) -> None:
    case = b.case(
        "html-in-titles",
        FORMATS,
        "titles with escaped markup, CDATA markup, HTML entities XML does not know, and literal < and &",
    )
    host = "northwire.test"
    entries = [
        ("&lt;b&gt;Bold&lt;/b&gt; move &amp; more", "Bold move & more"),
        ("<![CDATA[Ports <i>reopen</i> after storm]]>", "Ports reopen after storm"),
        ("Caf&eacute; society&nbsp;&mdash; tonight", "Café society — tonight"),
        ("5 &lt; 7 &amp;&amp; 9 &gt; 3", "5 < 7 && 9 > 3"),
    ]
    items = []
    for n, (raw, clean) in enumerate(entries):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(case, link, clean)
        items.append(item(raw, link, date=rfc822(b.recent), raw_title=True))
    b.feed(case, rss(items))

    case = b.case(
        "script-in-titles",
        FORMATS,
        "titles whose markup includes <script> or <iframe>: the stored title is the text only",
    )
    items = []
    for n, (raw, clean) in enumerate(
        [
            (
                "<![CDATA[<script>alert(1)</script>Tariffs <b>rise</b> again]]>",
                "Tariffs rise again",
            ),
            (
                "&lt;iframe src=&quot;http://evil.test/&quot;&gt;&lt;/iframe&gt;Quiet harbour",
                "Quiet harbour",
            ),
        ]
    ):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(case, link, clean)
        items.append(item(raw, link, date=rfc822(b.recent), raw_title=True))
    b.feed(case, rss(items))

    case = b.case(
        "atom-title-types",
        FORMATS,
        "Atom titles of type text (literal <), html (escaped) and xhtml",
    )
    entries = [
        ("<title type='text'>Tariffs &lt;up&gt; &amp; down</title>", "Tariffs <up> & down"),
        (
            "<title type='html'>&lt;em&gt;Harbour&lt;/em&gt; &amp;amp; city</title>",
            "Harbour & city",
        ),
        (
            "<title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>Night <b>trains</b> return</div></title>",
            "Night trains return",
        ),
    ]
    xml = []
    for n, (title_xml, clean) in enumerate(entries):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(case, link, clean)
        xml.append(
            f"<entry>{title_xml}<link href='{link}'/><id>urn:t:{n}</id><updated>2026-11-20T08:00:00Z</updated></entry>"
        )
    b.feed(case, atom(xml), content_type="application/atom+xml")

    case = b.case("long-title", FORMATS, "a 100 KB title is clipped to at most 500 characters")
    link = b.a(host, f"/{case.name}/story")
    b.story(
        case,
        link,
        "Breakwater",
        check=lambda t: t.startswith("Breakwater") and t.endswith("…") and len(t) <= 500,
    )
    b.feed(case, rss([item("Breakwater " * 9000, link, date=rfc822(b.recent))]))


@_case
def date_feeds(b: _Builder) -> None:
    host = "calendar.test"

    def dated(case: Case, entries: list[tuple[str, str | None, object]]) -> None:
        items = []
        for n, (title, date, published) in enumerate(entries):
            link = b.a(host, f"/{case.name}/{n}")
            b.story(case, link, title, published=published)
            items.append(item(title, link, date=date))
        b.feed(case, rss(items))

    now = b.now.replace(microsecond=0)
    soon = now + timedelta(hours=3)
    dated(
        b.case("missing-dates", FORMATS, "items without any date are stored undated"),
        [("Undated one", None, None), ("Undated two", None, None)],
    )
    dated(
        b.case(
            "future-dates",
            FORMATS,
            "dates in 2099 or two days ahead are dropped; three hours ahead is kept",
        ),
        [
            ("From 2099", "Thu, 01 Jan 2099 00:00:00 GMT", None),
            ("Two days ahead", rfc822(now + timedelta(days=2)), None),
            ("Three hours ahead", rfc822(soon), soon),
        ],
    )
    dated(
        b.case(
            "far-past-dates", FORMATS, "1900, the Unix epoch and year 1 are stored without a crash"
        ),
        [
            ("From 1900", "Mon, 01 Jan 1900 00:00:00 GMT", datetime(1900, 1, 1, tzinfo=UTC)),
            ("From the epoch", "Thu, 01 Jan 1970 00:00:00 GMT", datetime(1970, 1, 1, tzinfo=UTC)),
            ("From year one", "0001-01-01T00:00:00Z", (None, datetime(1, 1, 1, tzinfo=UTC))),
        ],
    )
    dated(
        b.case(
            "odd-dates",
            FORMATS,
            "unparseable dates (French, month 13, words) leave the item undated, not lost",
        ),
        [
            ("French date", "mar., 17 nov. 2026 10:00:00 +0100", None),
            ("Month thirteen", "2026-13-45T10:00:00Z", None),
            ("Not a date", "yesterday afternoon", None),
            (
                "Unknown zone",
                "Tue, 17 Nov 2026 10:00:00 XYZ",
                datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
            ),
        ],
    )
    dated(
        b.case("tzless-iso-dates", FORMATS, "ISO 8601 dates without a zone are read as UTC"),
        [
            ("ISO without zone", "2026-11-17T10:00:00", datetime(2026, 11, 17, 10, 0, tzinfo=UTC)),
            ("ISO date only", "2026-11-17", datetime(2026, 11, 17, tzinfo=UTC)),
            (
                "RFC 822 without weekday or zone",
                "17 Nov 2026 10:00:00",
                datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
            ),
        ],
    )
    dated(b.case("tzless-rfc822-dates", FORMATS,
                 "RFC 822 dates with a weekday but no zone ('Tue, 17 Nov 2026 10:00:00') are read as UTC"),
          [("RFC 822 without zone", "Tue, 17 Nov 2026 10:00:00", datetime(2026, 11, 17, 10, 0, tzinfo=UTC)),
           ("RFC 822 without seconds or zone", "Tue, 17 Nov 2026 10:00", datetime(2026, 11, 17, 10, 0, tzinfo=UTC))])  # fmt: skip

    case = b.case(
        "atom-dates", FORMATS, "Atom entries with only <updated>, only <published>, or neither"
    )
    entries = [
        ("Only updated", "<updated>2026-11-16T07:30:00-05:00</updated>", datetime(2026, 11, 16, 12, 30, tzinfo=UTC)),
        ("Only published", "<published>2026-11-16T06:00:00Z</published>", datetime(2026, 11, 16, 6, 0, tzinfo=UTC)),
        ("Neither", "", None),
    ]  # fmt: skip
    xml = []
    for n, (title, dates, published) in enumerate(entries):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(case, link, title, published=published)
        xml.append(
            f"<entry><title>{title}</title><link href='{link}'/><id>urn:d:{n}</id>{dates}</entry>"
        )
    b.feed(case, atom(xml), content_type="application/atom+xml")


@_case
def structure_feeds(b: _Builder) -> None:
    host = "northwire.test"

    case = b.case(
        "atom-languages",
        FORMATS,
        "xml:lang per entry is the article's language when the page declares none",
    )
    xml = []
    for n, lang in enumerate(["fr", "de", ""]):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(
            case,
            link,
            f"Entry in {lang or 'the feed language'}",
            page_lang=None,
            language=lang or "en-GB",
        )
        attr = f" xml:lang='{lang}'" if lang else ""
        xml.append(
            f"<entry{attr}><title>Entry in {lang or 'the feed language'}</title><link href='{link}'/><id>urn:l:{n}</id><updated>2026-11-20T08:00:00Z</updated></entry>"
        )
    b.feed(case, atom(xml, attributes=" xml:lang='en-gb'"), content_type="application/atom+xml")

    case = b.case(
        "junk-around-root",
        FORMATS,
        "blank lines before the declaration and a PHP warning after </rss>",
    )
    xml = rss([b.item_story(case, host, "a", "Story amid junk")])
    b.feed(
        case,
        "\n\n   \n"
        + xml
        + "\n<br />\n<b>Warning</b>: mysqli_close(): Couldn't fetch mysqli in <b>/var/www/feed.php</b> on line <b>88</b><br />\n",
    )

    case = b.case(
        "php-notice-before-xml",
        FORMATS,
        "a PHP notice printed before the XML declaration: a readable error or the items, never a crash",
        feed_error=None,
    )
    xml = rss([b.item_story(case, host, "a", "Story after a notice")])
    b.feed(
        case,
        "<br />\n<b>Notice</b>:  Undefined index: page in <b>/var/www/feed.php</b> on line <b>12</b><br />\n"
        + xml,
    )

    case = b.case(
        "truncated-mid-item",
        FORMATS,
        "a feed cut off inside its third item: two stored, the third skipped",
        skipped_entries=1,
    )
    xml, items = _cut_items(b, case, 3)
    cut = xml.index(items[2]) + 40
    _expect_prefix(case, xml[:cut], items)
    b.feed(case, xml[:cut])

    case = b.case(
        "truncated-before-items",
        FORMATS,
        "a feed cut off in its channel header, before any item: recorded as an error, not as a "
        "healthy feed with nothing new",
        feed_error="cut off",
    )
    b.feed(
        case,
        f"{UTF8}<rss version='2.0'><channel><title>Cut short</title><link>http://{FEEDS}/</link><descrip",
    )

    case = b.case(
        "guid-permalink",
        FORMATS,
        "an item with only <guid isPermaLink='true'> uses it as its link; isPermaLink='false' gives no link",
        skipped_entries=1,
    )
    perma = b.a(host, f"/{case.name}/perma")
    b.story(case, perma, "Permalink GUID only")
    b.feed(case, rss([
        f"<item><title>Permalink GUID only</title><guid isPermaLink='true'>{perma}</guid><pubDate>{rfc822(b.recent)}</pubDate></item>",
        f"<item><title>Opaque GUID only</title><guid isPermaLink='false'>{b.a(host, '/opaque')}</guid></item>",
    ]))  # fmt: skip

    case = b.case(
        "bad-items",
        FORMATS,
        "items with no link, javascript:, mailto:, data: and a 3,000-character link are skipped with reasons; a relative link resolves against the feed URL",
        skipped_entries=5,
    )
    relative = b.a(FEEDS, "/relative/story")
    b.story(case, relative, "Relative link story")
    good = b.item_story(case, host, "good", "The good item among bad ones")
    b.feed(case, rss([
        item("No link at all", None, date=rfc822(b.recent)),
        item("Script link", "javascript:alert(document.cookie)", date=rfc822(b.recent)),
        item("Mail link", "mailto:desk@northwire.test", date=rfc822(b.recent)),
        item("Data link", "data:text/html,<script>alert(1)</script>", date=rfc822(b.recent)),
        item("Endless link", b.a(host, "/long/" + "a" * 3000), date=rfc822(b.recent)),
        item("Relative link story", "/relative/story", date=rfc822(b.recent)),
        good,
    ]))  # fmt: skip

    case = b.case("idn-links", FORMATS, "an internationalised host name and a percent-encoded path")
    idn_host = "xn--efvy88h.test"  # 新闻.test
    link = f"http://新闻.test:{b.port}/%E5%A4%A7%E6%A1%A5"
    b.story(case, link, "International host name", url=b.a(idn_host, "/%E5%A4%A7%E6%A1%A5"))
    b.feed(case, rss([item("International host name", link, date=rfc822(b.recent))]))

    case = b.case(
        "unicode-path-links",
        FORMATS,
        "a link whose path is raw Chinese (as many outlets publish them): fetched percent-encoded",
    )
    link = b.a(host, "/新闻/大桥通车")
    b.story(
        case,
        link,
        "Raw Unicode path",
        serve_at=b.a(host, "/%E6%96%B0%E9%97%BB/%E5%A4%A7%E6%A1%A5%E9%80%9A%E8%BD%A6"),
    )
    b.feed(case, rss([item("Raw Unicode path", link, date=rfc822(b.recent))]))


# === Not a feed, HTTP errors and redirects ===================================================

NOT_A_FEED = "not a feed"
STATUS = "feed: HTTP errors and redirects"


@_case
def not_feeds(b: _Builder) -> None:
    for name, what, body, content_type, reason in [
        ("empty-feed-body", "an empty 200 answer", b"", "application/rss+xml", "empty response"),
        ("html-homepage", "the site's home page instead of its feed", page("Harbour Times", texts.ENGLISH[:3]).encode(), "text/html; charset=utf-8", "it looks like HTML"),
        ("json-feed", "a JSON Feed (not supported): a clear error", b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "url": "http://j.test/1", "title": "x"}]}', "application/feed+json", "not an RSS or Atom feed"),
        ("gzip-file-served-raw", "a feed.xml.gz served as a file (no Content-Encoding)", gzip.compress(rss([]).encode(), mtime=0), "application/octet-stream", "not an RSS or Atom feed"),
    ]:  # fmt: skip
        case = b.case(name, NOT_A_FEED, what, feed_error=reason)
        b.feed(case, body, content_type=content_type)


@_case
def status_feeds(b: _Builder) -> None:
    for status, reason, retry in [(404, "404 Not Found", 0), (410, "410 Gone", 0), (500, "500 Internal Server Error", 0), (503, "503 Service Unavailable", 7200)]:  # fmt: skip
        case = b.case(
            f"feed-{status}",
            STATUS,
            f"the feed answers {status}",
            feed_error=reason,
            retry_after=retry,
        )
        headers = (("Retry-After", str(retry)),) if retry else ()
        case.served[case.feed_url] = Reply(
            b"<html>error</html>", status=status, content_type="text/html", headers=headers
        )


@_case
def redirect_feeds(b: _Builder) -> None:
    case = b.case(
        "feed-redirect-other-host",
        STATUS,
        "302 to another host (second server): fetched, the stored URL stays",
    )
    target = b.b(OTHER, "/temp.xml")
    case.served[case.feed_url] = redirect(target, 302)
    case.served[target] = Reply(
        rss([b.item_story(case, "northwire.test", "t", "Via a temporary redirect")]).encode(),
        content_type=RSS_TYPE,
    )

    case = b.case(
        "feed-moved-permanently",
        STATUS,
        "301 to another host: fetched, and the feed takes the new URL",
    )
    target = b.b(OTHER, "/perm.xml")
    case.moved_to = target
    case.served[case.feed_url] = redirect(target, 301)
    case.served[target] = Reply(
        rss([b.item_story(case, "northwire.test", "p", "Via a permanent redirect")]).encode(),
        content_type=RSS_TYPE,
    )

    case = b.case(
        "feed-redirect-chain",
        STATUS,
        "three redirects bouncing between the two hosts: the limit, still fetched",
    )
    hops = [
        case.feed_url,
        b.b(OTHER, "/chain1"),
        b.a(FEEDS, "/chain2"),
        b.b(OTHER, "/chain-final.xml"),
    ]
    for here, there in zip(hops, hops[1:], strict=False):
        case.served[here] = redirect(there, 307)
    case.served[hops[-1]] = Reply(
        rss([b.item_story(case, "northwire.test", "c", "After three hops")]).encode(),
        content_type=RSS_TYPE,
    )

    case = b.case(
        "feed-too-many-redirects",
        STATUS,
        "four redirects: refused",
        feed_error="Too many redirects",
    )
    hops = [
        case.feed_url,
        b.b(OTHER, "/four1"),
        b.a(FEEDS, "/four2"),
        b.b(OTHER, "/four3"),
        b.a(FEEDS, "/four-final.xml"),
    ]
    for here, there in zip(hops, hops[1:], strict=False):
        case.served[here] = redirect(there, 302)
    case.served[hops[-1]] = Reply(
        rss([item("Never reached", b.a("northwire.test", "/never"))]).encode()
    )

    case = b.case(
        "feed-redirect-loop",
        STATUS,
        "A redirects to the other host, which redirects back",
        feed_error="Redirect loop",
    )
    back = b.b(OTHER, "/loop.xml")
    case.served[case.feed_url] = redirect(back, 302)
    case.served[back] = redirect(case.feed_url, 302)


# === Volume and duplicates ===================================================================

VOLUME = "volume and duplicates"


@_case
def bulk_feed(b: _Builder) -> None:
    case = b.case(
        "bulk-10000",
        VOLUME,
        "10,000 items in one 2.3 MB feed: every one stored once; 20 pages extracted, the rest "
        "marked not to extract (see NOT_EXTRACTED); a second fetch gets 304 from its ETag",
    )
    host = "tides.test"
    base = b.recent
    links = [b.a(host, f"/bulletin/{n}") for n in range(BULK_ITEMS)]

    def body() -> bytes:
        items = [
            item(
                f"Tide table bulletin {n:05d}",
                links[n],
                guid=f"urn:tides:{n}",
                date=rfc822(base - timedelta(minutes=n)),
                summary=f"High water at berth {n % 40} is expected {n % 60} minutes later than usual.",
            )
            for n in range(BULK_ITEMS)
        ]
        return rss(items, title="Tide bulletins").encode()

    case.served[case.feed_url] = Reply(
        functools.cache(body), content_type=RSS_TYPE, etag='"tides-v1"'
    )
    extracted = set(links[:BULK_EXTRACTED])
    for n, link in enumerate(links):
        title = f"Tide table bulletin {n:05d}"
        published = base - timedelta(minutes=n)
        if link in extracted:
            b.story(case, link, title, published=published)
        else:
            case.articles.append(
                Expect(
                    link,
                    title,
                    status=SKIPPED,
                    reason="Not extracted in the corpus run",
                    published=published,
                )
            )
    case.extract_only = tuple(sorted(extracted))


@_case
def duplicates(b: _Builder) -> None:
    host = "northwire.test"
    case = b.case(
        "duplicate-guids",
        VOLUME,
        "three items sharing one GUID (three links) are three articles; one link twice (tracking parameters, fragment) is one",
    )
    items = []
    for n in range(3):
        link = b.a(host, f"/{case.name}/{n}")
        b.story(case, link, f"Shared GUID story {n}")
        items.append(
            item(f"Shared GUID story {n}", link, guid="urn:corpus:same-guid", date=rfc822(b.recent))
        )
    same = b.a(host, f"/{case.name}/same")
    b.story(case, same, "One story, two spellings")
    items.append(
        item(
            "One story, two spellings",
            same + "?utm_source=rss&utm_medium=feed",
            date=rfc822(b.recent),
        )
    )
    items.append(item("One story, two spellings", same + "#comments", date=rfc822(b.recent)))
    b.feed(case, rss(items))

    shared: list[str] = []
    twin_a = b.case(
        "twin-feed-a",
        VOLUME,
        "two feeds carrying the same three stories, fetched at the same time: each story stored once, linked to both",
    )
    for n in range(3):
        shared.append(b.item_story(twin_a, host, f"s{n}", f"Shared story {n}"))
    b.feed(twin_a, rss(shared))
    twin_b = b.case(
        "twin-feed-b", VOLUME, "the second of the twin feeds, with one story of its own"
    )
    twin_b.articles = list(twin_a.articles)
    twin_b.served.update({k: v for k, v in twin_a.served.items() if k != twin_a.feed_url})
    own = b.item_story(twin_b, host, "own", "Twin B's own story")
    b.feed(twin_b, rss([*reversed(shared), own]))


def category_counts(cases: list[Case]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.category] = counts.get(case.category, 0) + 1
    return counts
