"""A loopback news server for the scale test: 50 feeds from 20 outlets, 150 article pages.

Outlets are virtual hosts (the workers reach them through ``DIGESTCMS_FETCH_ROUTE``, as the
offline demo does). The same story appears in three or four feeds, sometimes with tracking
parameters on its link, so two workers store the same article at the same moment. Every
request is logged with the User-Agent of the worker that made it, and answered after a short
delay, as a server far away would be, so a worker can be killed in the middle of its work.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from sources.links import normalise_url

OUTLETS = 20  # the first 14 are ".com" outlets (no country), the rest ".com.cn" (China)
US_OUTLETS = 14
FEEDS = 50
STORIES = 150
ITEMS_PER_FEED = 10
TOPICS = 20
FEEDS_PER_TOPIC = 6
KEYWORDS = ["trade", "tariffs", "chips", "export controls", "soybeans", "rare earth"]

SUBJECTS = [
    "Negotiators from both capitals",
    "Port officials in Shanghai",
    "Senior commerce officials",
    "Chip makers in Arizona",
    "Farm groups in Iowa",
    "Analysts at a Beijing research institute",
    "Customs authorities in Guangzhou",
    "Lawmakers in Washington",
    "Shipping executives in Long Beach",
    "Economists at a Hong Kong bank",
    "Diplomats at the embassy",
    "Battery makers in Jiangsu",
]
VERBS = [
    "said on Tuesday that",
    "warned that",
    "told reporters that",
    "expect that",
    "confirmed that",
    "believe that",
    "said in a statement that",
]
CLAUSES = [
    "new tariffs on steel would take effect next month",
    "export controls on advanced chips were under review",
    "soybean purchases had slowed since the spring",
    "talks on rare earth supplies would resume in Geneva",
    "trade between the two countries grew for a third quarter",
    "a joint working group on tariffs would meet again in December",
    "inspections of chips shipments had doubled at the border",
    "farmers were worried about soybeans piling up in silos",
    "the trade truce would be extended for another ninety days",
    "licences for rare earth magnets were being granted faster",
    "tariffs on electric vehicles would stay in place",
    "export controls were hurting smaller suppliers the most",
]


def outlet_host(index: int) -> str:
    if index < US_OUTLETS:
        return f"www.outlet{index:02d}-news.com"
    return f"www.outlet{index:02d}.com.cn"


def story_url(story: int) -> str:
    return f"http://{outlet_host(story % OUTLETS)}/world/{story:03d}.html"


def feed_url(feed: int) -> str:
    return f"http://{outlet_host(feed % OUTLETS)}/rss/feed-{feed:02d}.xml"


def feed_stories(feed: int) -> list[int]:
    """Ten stories in a sliding window: neighbouring feeds share most of their items."""
    return [(feed * 3 + j) % STORIES for j in range(ITEMS_PER_FEED)]


def topic_feeds(topic: int) -> list[int]:
    return [(topic * 2 + i) % FEEDS for i in range(FEEDS_PER_TOPIC)]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}."


def _title(story: int, rng: random.Random) -> str:
    clause = rng.choice(CLAUSES)
    return f"{clause[0].upper()}{clause[1:]}, {rng.choice(SUBJECTS).lower()} say ({story})"


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    delay: float

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:24] + '"'


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    status: int
    agent: str


class Newsroom:
    """The feeds, pages and topics of the test, served on 127.0.0.1 (port chosen by the OS)."""

    def __init__(self, *, now: datetime | None = None, feed_delay=0.3, page_delay=0.15):
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.resources: dict[str, Resource] = {}
        self.titles: dict[int, str] = {}
        self.hits: list[Hit] = []
        self.in_flight: dict[str, Counter[str]] = defaultdict(Counter)  # agent → host/path
        self.lock = threading.Lock()
        for story in range(STORIES):
            self._add_page(story, page_delay)
        for feed in range(FEEDS):
            self._add_feed(feed, feed_delay)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.newsroom = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- content -------------------------------------------------------------------------

    def published(self, story: int) -> datetime:
        return self.now - timedelta(minutes=10 + 2 * story)

    def _add_page(self, story: int, delay: float) -> None:
        rng = random.Random(story)
        self.titles[story] = title = _title(story, rng)
        paragraphs = "".join(
            "<p>" + " ".join(_sentence(rng) for _ in range(3)) + "</p>" for _ in range(5)
        )
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world/'>World</a> <a href='/trade/'>Trade</a></nav>"
            f"<article><h1>{escape(title)}</h1>"
            f"<p class='byline'>By Staff Reporter, {format_datetime(self.published(story))}</p>"
            f"{paragraphs}</article>"
            "<footer>Share on Facebook | Follow us | © 2026 Outlet News. All rights reserved."
            "</footer></body></html>"
        )
        self._put(story_url(story), Resource(html.encode(), "text/html; charset=utf-8", delay))

    def _add_feed(self, feed: int, delay: float) -> None:
        items = []
        for story in feed_stories(feed):
            link = story_url(story)
            if feed % 2:  # the same article, spelt with tracking parameters
                link += f"?utm_source=rss&utm_medium=feed-{feed:02d}"
            items.append(
                f"<item><title>{escape(self.titles[story])}</title><link>{escape(link)}</link>"
                f"<guid isPermaLink='false'>feed{feed:02d}-story{story:03d}</guid>"
                f"<pubDate>{format_datetime(self.published(story), usegmt=True)}</pubDate>"
                f"<description>{escape(self.titles[story])}.</description></item>"
            )
        host = outlet_host(feed % OUTLETS)
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Feed {feed:02d} of {host}</title><link>http://{host}/</link>"
            "<language>en</language>" + "".join(items) + "</channel></rss>"
        )
        self._put(feed_url(feed), Resource(body.encode(), "application/rss+xml", delay))

    def _put(self, url: str, resource: Resource) -> None:
        self.resources[url.removeprefix("http://")] = resource

    # --- what the test checks against -------------------------------------------------------

    def article_urls(self) -> set[str]:
        """Every distinct article the feeds carry, as the pipeline keys them."""
        return {normalise_url(story_url(s)) for f in range(FEEDS) for s in feed_stories(f)}

    def feed_paths(self) -> dict[str, str]:
        """host/path of each feed → its URL."""
        return {feed_url(f).removeprefix("http://"): feed_url(f) for f in range(FEEDS)}

    def opml(self) -> bytes:
        """Every feed, and twenty topics each reading six neighbouring feeds (config as code)."""
        ns = "https://digestcms.org/ns/opml/1"
        root = etree.Element("opml", nsmap={"digestcms": ns}, version="2.0")
        etree.SubElement(etree.SubElement(root, "head"), "title").text = "scale test"
        body = etree.SubElement(root, "body")
        zone = self.noon_zone()
        for topic in range(TOPICS):
            outline = etree.SubElement(body, "outline", text=f"Scale topic {topic:02d}")
            attrs = {
                "topic": f"scale-{topic:02d}",
                "active": "true",
                "keywords": "\n".join(KEYWORDS),
                "editionTime": "23:00",
                "timeZone": zone,
                "articlesPerPerspective": "8",
            }
            for name, value in attrs.items():
                outline.set(f"{{{ns}}}{name}", value)
            for order, (slug, name, countries) in enumerate(
                [("us", "United States", "US"), ("china", "China", "CN,HK,MO")]
            ):
                p = etree.SubElement(outline, "outline", text=name)
                p.set(f"{{{ns}}}perspective", slug)
                p.set(f"{{{ns}}}countries", countries)
                p.set(f"{{{ns}}}order", str(order))
            for feed in topic_feeds(topic):
                f = etree.SubElement(outline, "outline", type="rss", text=f"Feed {feed:02d}")
                f.set("xmlUrl", feed_url(feed))
                f.set(f"{{{ns}}}defaultPerspective", "us")  # .com outlets; .cn ones by country
        for feed in range(FEEDS):  # feeds no topic reads are still fetched
            if not any(feed in topic_feeds(t) for t in range(TOPICS)):
                etree.SubElement(body, "outline", type="rss", text=f"Feed {feed:02d}").set(
                    "xmlUrl", feed_url(feed)
                )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def noon_zone(self) -> str:
        """A time zone where it is about noon now, so the edition window (the 24 hours before
        23:00 local today) holds every story, whatever the hour of the test run."""
        offset = 12 - self.now.hour  # hours east of UTC; between -11 and +12
        return "Etc/GMT" + (f"{-offset:+d}" if offset else "")

    # --- serving ---------------------------------------------------------------------------

    def start(self) -> Newsroom:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def gets(self, path_prefix: str = "") -> Counter[str]:
        """How many GETs each host/path received (any status)."""
        with self.lock:
            return Counter(f"{h.host}{h.path}" for h in self.hits if h.path.startswith(path_prefix))

    def hits_by(self, agent: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.agent == agent]

    def paths_in_flight(self, agent: str) -> set[str]:
        with self.lock:
            return {path for path, n in self.in_flight[agent].items() if n}


class _Handler(BaseHTTPRequestHandler):
    server_version = "scale-newsroom"

    def do_GET(self) -> None:
        newsroom: Newsroom = self.server.newsroom  # type: ignore[attr-defined]
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        path = self.path.split("?", 1)[0]
        agent = self.headers.get("User-Agent", "")
        resource = newsroom.resources.get(host + path)
        with newsroom.lock:
            newsroom.in_flight[agent][host + path] += 1
        status = 0
        try:
            if resource is not None:
                time.sleep(resource.delay)
            status = self._answer(resource)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker was killed while waiting for its answer
        finally:
            with newsroom.lock:
                newsroom.in_flight[agent][host + path] -= 1
                newsroom.hits.append(Hit(host, path, status, agent))

    def _answer(self, resource: Resource | None) -> int:
        if resource is None:
            self.send_error(404)
            return 404
        if self.headers.get("If-None-Match") == resource.etag:
            self.send_response(304)
            self.send_header("ETag", resource.etag)
            self.end_headers()
            return 304
        self.send_response(200)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        self.send_header("ETag", resource.etag)
        self.end_headers()
        self.wfile.write(resource.body)
        return 200

    def log_message(self, format, *args) -> None:
        pass
