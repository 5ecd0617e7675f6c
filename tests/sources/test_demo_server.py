"""The offline demo server: virtual hosts, feeds, pages, Google News, conditional GET, gzip."""

from __future__ import annotations

import gzip
import http.client
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import feedparser
import pytest

from sources.demo import gnews_fake
from sources.demo.server import DATA_DIR, DemoServer, demo_feed_urls, demo_feeds

MISSING = {
    "http://www.bloomberg.com/news/articles/us-weighs-new-curbs-on-chinese-drone-makers-people-familiar-say"
}
NAV_ONLY = "http://apnews.com/hub/china"
GB2312_PAGE = "http://www.news.cn/world/4d3e8a1b7c2f49e6a05b9d8c7e6f5a41/c.html"
LATIN1_PAGE = "http://en.mercopress.com/chancay-port-traffic-climbs-as-washington-presses-lima-over-chinese-control"
REUTERS_PAGE = (
    "http://www.reuters.com/world/china/us-china-agree-delay-tariff-increase-set-new-round-talks/"
)
GNEWS_FEED = "http://news.google.com/rss/search?q=US+China&hl=en-US&gl=US&ceid=US:en"
NOW = datetime(2026, 2, 6, 9, 41, 17, tzinfo=UTC)


@pytest.fixture(scope="module")
def server():
    with DemoServer(now=NOW) as demo:
        yield demo


def request(
    server: DemoServer,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send ``url`` to the demo server the way DIGESTCMS_FETCH_ROUTE does: same Host, same path."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers={"Host": parts.netloc, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def all_feeds(server: DemoServer) -> dict[str, feedparser.FeedParserDict]:
    parsed = {}
    for url in demo_feed_urls():
        status, _, body = request(server, url)
        assert status == 200, url
        parsed[url] = feedparser.parse(body)
    return parsed


def publisher_url(server: DemoServer, link: str) -> str:
    """A feed link, with a Google News wrapper replaced by the publisher URL it stands for."""
    parts = urlsplit(link)
    if parts.netloc != "news.google.com":
        return link
    article_id = parts.path.rsplit("/", 1)[-1]
    return server.google_news_mapping[article_id]


def item_links(server: DemoServer) -> set[str]:
    links = set()
    for parsed in all_feeds(server).values():
        for entry in parsed.entries:
            links.add(publisher_url(server, entry.link))
            for href in re.findall(r'href="([^"]+)"', entry.get("summary", "")):
                links.add(publisher_url(server, href))
    return links


def test_feeds_json_lists_six_feeds_with_default_perspectives():
    feeds = demo_feeds()
    assert len(feeds) == 6
    assert {f["default_perspective"] for f in feeds} == {"us", "china", None}
    assert demo_feed_urls() == [f["url"] for f in feeds]
    assert all(f["url"].startswith("http://") for f in feeds)


def test_every_feed_is_served_and_parses_with_entries(server):
    versions = set()
    for url, parsed in all_feeds(server).items():
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert len(parsed.entries) >= 5, url
        assert all(
            e.get("title") and e.get("link") and e.get("published_parsed") for e in parsed.entries
        )
        versions.add(parsed.version)
    assert "atom10" in versions
    assert "rss20" in versions


def test_feed_content_types_are_sniffed(server):
    types = {url: request(server, url)[1]["content-type"] for url in demo_feed_urls()}
    assert types["http://www.globaltimes.cn/rss/world.xml"].startswith("application/atom+xml")
    assert types[GNEWS_FEED].startswith("application/rss+xml")


def test_placeholders_are_all_replaced(server):
    for url in demo_feed_urls():
        assert b"{{" not in request(server, url)[2], url
    for url in item_links(server) - MISSING:
        assert b"{{" not in request(server, url)[2], url


def test_dates_are_relative_to_the_hour_the_server_started(server):
    anchor = NOW.replace(minute=0, second=0)
    assert server.anchor == anchor
    for parsed in all_feeds(server).values():
        for entry in parsed.entries:
            published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
            assert anchor - timedelta(hours=24) <= published <= anchor, entry.link
    status, headers, body = request(server, REUTERS_PAGE)
    assert parsedate_to_datetime(headers["last-modified"]) == anchor
    assert b"February 6, 2026 5:40 AM GMT" in body
    assert b'content="2026-02-06T05:40:00Z"' in body


def test_every_item_link_has_a_page_except_the_deliberate_404(server):
    links = item_links(server)
    statuses = {url: request(server, url)[0] for url in links}
    assert {url for url, status in statuses.items() if status != 200} == MISSING
    assert {statuses[url] for url in MISSING} == {404}
    assert 36 <= len(links - MISSING - {NAV_ONLY}) <= 42


def test_google_news_items_carry_wrappers_and_sources(server):
    parsed = feedparser.parse(request(server, GNEWS_FEED)[2])
    assert parsed.feed.title == '"US China" - Google News'
    assert len(parsed.entries) >= 14
    for entry in parsed.entries:
        assert entry.link.startswith("http://news.google.com/rss/articles/CBM")
        assert entry.link.endswith("?oc=5")
        assert entry.title.endswith(" - " + entry.source.title)
        assert entry.source.href.startswith("http://")
    assert "新华网" in {e.source.title for e in parsed.entries}


def test_google_news_mapping_file_matches_the_feed(server):
    stored = json.loads((DATA_DIR / "googlenews.json").read_text(encoding="utf-8"))
    assert stored == server.google_news_mapping
    assert all(gnews_fake.make_article_id(url) == aid for aid, url in stored.items())


def test_google_news_wrapper_page_and_batchexecute_resolve(server):
    entry = feedparser.parse(request(server, GNEWS_FEED)[2]).entries[0]
    status, headers, page = request(server, entry.link)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    attrs = dict(re.findall(rb'data-n-a-(id|sg|ts)="([^"]*)"', page))
    article_id = urlsplit(entry.link).path.rsplit("/", 1)[-1]
    assert attrs[b"id"].decode() == article_id
    assert attrs[b"sg"]
    assert attrs[b"ts"].isdigit()
    inner = json.dumps(["garturlreq", [], article_id, int(attrs[b"ts"]), attrs[b"sg"].decode()])
    form = urlencode({"f.req": json.dumps([[["Fbv4je", inner, None, "generic"]]])}).encode()
    status, _, answer = request(
        server,
        "http://news.google.com/_/DotsSplashUi/data/batchexecute?rpcids=Fbv4je",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        body=form,
    )
    assert status == 200
    assert publisher_url(server, entry.link).encode() in answer.replace(b"\\/", b"/")


def test_etag_and_last_modified_give_304(server):
    status, headers, body = request(server, REUTERS_PAGE)
    assert status == 200
    assert body
    etag, last_modified = headers["etag"], headers["last-modified"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    status, headers, body = request(server, REUTERS_PAGE, headers={"If-None-Match": etag})
    assert (status, body, headers["etag"]) == (304, b"", etag)
    status, _, body = request(server, REUTERS_PAGE, headers={"If-Modified-Since": last_modified})
    assert (status, body) == (304, b"")
    assert request(server, REUTERS_PAGE, headers={"If-None-Match": '"other"'})[0] == 200
    assert request(server, REUTERS_PAGE)[1]["etag"] == etag  # stable within a run


def test_gzip_when_asked(server):
    url = demo_feed_urls()[1]
    plain = request(server, url)[2]
    status, headers, body = request(server, url, headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain
    again = {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]}
    assert request(server, url, headers=again)[0] == 304
    assert (
        "content-encoding" not in request(server, url, headers={"Accept-Encoding": "gzip;q=0"})[1]
    )


def test_path_lookup_variants_and_query_ignored(server):
    assert request(server, "http://www.scmp.com/rss/91/feed")[0] == 200  # feed.xml
    assert request(server, "http://www.chinadaily.com.cn/rss/world_rss.xml?x=1")[0] == 200
    assert request(server, REUTERS_PAGE)[0] == 200  # index.html
    assert request(server, REUTERS_PAGE.rstrip("/"))[0] == 200
    assert request(server, "http://WWW.Reuters.com:80" + urlsplit(REUTERS_PAGE).path)[0] == 200
    status, headers, body = request(server, REUTERS_PAGE, method="HEAD")
    assert status == 200
    assert body == b""
    assert int(headers["content-length"]) > 1000


def test_unknown_pages_and_hosts_are_404(server):
    status, headers, body = request(server, "http://www.reuters.com/no/such/page")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert body
    assert request(server, "http://unknown.example/")[0] == 404


@pytest.mark.parametrize(
    "path",
    ["/../../server.py", "/%2e%2e/%2e%2e/server.py", "/rss/..%2f..%2f..%2fserver.py", "/a/../b"],
)
def test_dot_dot_paths_are_refused(server, path):
    status, _, body = request(server, "http://news.google.com" + path)
    assert status in {400, 404}
    assert b"import" not in body


def test_sidecar_headers_are_not_served(server):
    assert request(server, GB2312_PAGE + ".headers")[0] == 404


def test_gb2312_page_declares_its_charset_only_in_meta(server):
    status, headers, body = request(server, GB2312_PAGE)
    assert status == 200
    assert headers["content-type"] == "text/html"
    assert b"charset=gb2312" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "芬太尼" in body.decode("gb2312")


def test_latin1_page_declares_its_charset_only_in_the_header(server):
    status, headers, body = request(server, LATIN1_PAGE)
    assert status == 200
    assert headers["content-type"].lower() == "text/html; charset=iso-8859-1"
    assert b"charset" not in body.lower()
    assert "Huamán" in body.decode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_navigation_only_page_has_no_article(server):
    status, _, body = request(server, NAV_ONLY)
    assert status == 200
    assert b"<article" not in body
    assert body.count(b"<p") <= 3
    assert body.count(b"PagePromo-title") >= 4


def test_article_pages_carry_realistic_boilerplate(server):
    body = request(server, REUTERS_PAGE)[2].decode()
    title = "US and China agree to delay tariff increase, set new round of talks"
    assert '<html lang="en">' in body
    assert f'<meta property="og:title" content="{title}">' in body
    for text in [
        "Share on Facebook",
        "Follow us on X",
        "Read more:",
        "© 2026 Reuters. All rights reserved.",
        "newsletter",
    ]:
        assert text in body
    assert body.count(title) >= 2


def test_wire_story_is_near_duplicated_across_outlets(server):
    pages = [url for url in item_links(server) if "tariff" in url and "apnews" not in url]
    texts = [request(server, url)[2].decode() for url in pages]
    shared = "Negotiators will meet in Geneva within three weeks to discuss market access"
    assert sum(shared in text for text in texts) >= 4


def test_server_stops_and_releases_the_port():
    demo = DemoServer()
    port = demo.port
    assert demo.address == f"127.0.0.1:{port}"
    demo.stop()
    demo.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
