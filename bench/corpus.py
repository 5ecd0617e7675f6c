"""A seeded corpus for bench/ingest.py: RSS feeds and news-weight article pages.

Written in the offline demo's layout (``<root>/sites/<host>/<path>``) so that
``DemoServer(data_dir=root)`` serves it. The prose comes from the demo's stories
(sources/demo/data/stories.py), shuffled and recombined per article, with one sentence
no other article has, so no two pages (or extracted texts) are the same.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

SEED = 20_240_601
STORIES_FILE = Path(__file__).resolve().parents[1] / "sources/demo/data/stories.py"
BASE_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BIG_HOST = "www.bigpage.example"
BIG_PAGE_BYTES = 5_150_000  # just under DIGESTCMS_FETCH_MAX_BYTES (5 MiB = 5,242,880)
SECTIONS = (
    "World", "Politics", "Business", "Markets", "Technology", "Science", "Health", "Climate",
    "Opinion", "Sport", "Culture", "Travel", "Video", "Podcasts", "Investigations",
)  # fmt: skip
WORDS = (
    "harbour", "ledger", "census", "tariff", "budget", "corridor", "reservoir", "turbine",
    "quarry", "dockyard", "orchard", "railway", "refinery", "lighthouse", "archive", "bridge",
)  # fmt: skip


@dataclass(frozen=True)
class Corpus:
    root: Path
    feed_urls: list[str]  # the measured feeds
    page_files: dict[str, Path]  # article URL -> its file
    feed_files: dict[str, Path]  # feed URL -> its file
    big_feed_url: str  # one item: a ~5 MB page, for the memory figure
    big_page_bytes: int


@dataclass(frozen=True)
class Item:
    url: str
    title: str
    summary: str
    published: datetime


def host_for(feed: int) -> str:
    return f"www.outlet{feed:02d}.example"


def load_paragraphs() -> list[str]:
    """Every distinct paragraph of the demo's stories, in a stable order."""
    spec = importlib.util.spec_from_file_location("_bench_stories", STORIES_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seen: dict[str, None] = {}
    for story in module.STORIES.values():
        for paragraph in story.get("paras", []):
            if len(paragraph) > 120:
                seen.setdefault(paragraph, None)
    return list(seen)


def build_corpus(
    root: Path, *, feeds: int, articles: int, seed: int = SEED, weight: int = 1
) -> Corpus:
    """Write ``feeds`` RSS feeds sharing ``articles`` items, their pages and the big page.

    ``weight`` multiplies what each page carries around its article (menu, related cards,
    comments, footer, bytes). 1 is the benchmark's corpus before 3 December, byte for byte
    (about 1,000 elements and 88 KB a page); 2, bench/ingest.py's ``TARGET_WEIGHT``, about
    1,900 elements and 170 KB, the size of a real news page; 3 about 2,750 and 270 KB.
    """
    rng = random.Random(seed)
    paragraphs = load_paragraphs()
    page_files: dict[str, Path] = {}
    feed_files: dict[str, Path] = {}
    for feed in range(1, feeds + 1):
        count = articles // feeds + (1 if feed <= articles % feeds else 0)
        items = [
            _write_article(root, rng, paragraphs, feed, n, page_files, weight) for n in range(count)
        ]
        feed_files[_feed_url(feed)] = _write(root, host_for(feed), "rss.xml", rss(feed, items))
    big_url, big_size = _write_big_page(root, rng, paragraphs, page_files)
    feed_files[_feed_url(0, BIG_HOST)] = _write(
        root, BIG_HOST, "rss.xml", rss(0, [_item(big_url, "A very long report", 0)], BIG_HOST)
    )
    return Corpus(
        root=root,
        feed_urls=[_feed_url(f) for f in range(1, feeds + 1)],
        page_files=page_files,
        feed_files=feed_files,
        big_feed_url=_feed_url(0, BIG_HOST),
        big_page_bytes=big_size,
    )


def _feed_url(feed: int, host: str = "") -> str:
    return f"http://{host or host_for(feed)}/rss.xml"


def _write(root: Path, host: str, path: str, text: str) -> Path:
    target = root / "sites" / host / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def _item(url: str, title: str, n: int, summary: str = "") -> Item:
    published = BASE_TIME - timedelta(minutes=37 * n)
    return Item(url=url, title=title, summary=summary or title, published=published)


def _write_article(
    root: Path,
    rng: random.Random,
    paragraphs: list[str],
    feed: int,
    n: int,
    page_files: dict[str, Path],
    weight: int = 1,
) -> Item:
    host = host_for(feed)
    body = _body_paragraphs(rng, paragraphs, feed, n)
    title = _headline(rng, feed, n)
    slug = "-".join(title.lower().replace(",", "").split()[:8])
    path = f"{2025 - n % 2}/{1 + n % 12:02d}/{slug}-{feed:02d}{n:03d}.html"
    url = f"http://{host}/{path}"
    item = _item(url, title, n, summary=body[0].split(". ")[0] + ".")
    size = rng.randint(60_000, 120_000) * weight
    page = article_page(rng, feed, item, body, size, weight)
    page_files[url] = _write(root, host, path, page)
    return item


def _headline(rng: random.Random, feed: int, n: int) -> str:
    word, other = rng.sample(WORDS, 2)
    verb = rng.choice(("weighs", "delays", "approves", "questions", "expands", "reviews"))
    return f"Outlet {feed} {word} panel {verb} {other} plan, item {n}"


def _body_paragraphs(rng: random.Random, paragraphs: list[str], feed: int, n: int) -> list[str]:
    """5 to 8 shuffled paragraphs; one carries a sentence unique to this article."""
    body = rng.sample(paragraphs, rng.randint(5, 8))
    unique = (
        f"In a filing numbered {feed:02d}-{n:03d}, the outlet {feed} desk said the "
        f"{rng.choice(WORDS)} figures were checked against {rng.randint(2, 97)} sources."
    )
    at = rng.randrange(len(body))
    sentences = re.split(r"(?<=[.!?\"]) (?=[A-Z])", body[at])
    sentences.insert(rng.randint(0, len(sentences)), unique)
    body[at] = " ".join(sentences)
    return body


# --- RSS -----------------------------------------------------------------------------


def rss(feed: int, items: list[Item], host: str = "") -> str:
    host = host or host_for(feed)
    entries = "".join(_rss_item(item, host) for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>Outlet {feed} - Top stories</title>\n<link>http://{host}/</link>\n"
        f"<description>The latest from outlet {feed}.</description>\n<language>en-us</language>\n"
        f'<atom:link href="http://{host}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        f"<lastBuildDate>{format_datetime(BASE_TIME, usegmt=True)}</lastBuildDate>\n"
        f"{entries}</channel>\n</rss>\n"
    )


def _rss_item(item: Item, host: str) -> str:
    return (
        f"<item>\n<title>{escape(item.title)}</title>\n<link>{escape(item.url)}</link>\n"
        f'<guid isPermaLink="true">{escape(item.url)}</guid>\n'
        f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>\n"
        f"<dc:creator>Staff reporter, {host}</dc:creator>\n<category>World</category>\n"
        f"<description>{escape(item.summary)}</description>\n</item>\n"
    )


# --- Article pages ---------------------------------------------------------------------


def article_page(
    rng: random.Random, feed: int, item: Item, body: list[str], size: int, weight: int = 1
) -> str:
    """A news page of about ``size`` bytes: the article is a few KB of it, as in real life."""
    host = host_for(feed) if feed else BIG_HOST
    parts = [
        _head(rng, host, item, body),
        "<body class='article-page'>",
        *(_header_nav(rng, host) for _ in range(weight)),
        _share_bar(item.url),
        _article(item, body),
        _share_bar(item.url),
        _related(rng, host, 30 * weight),
        _comments(rng, 12 * weight),
        *(_footer(host) for _ in range(weight)),
    ]
    page = "".join(parts)
    return page + _state_script(rng, host, size - len(page)) + "</body></html>\n"


def _head(rng: random.Random, host: str, item: Item, body: list[str]) -> str:
    title = escape(item.title)
    ld = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": item.title,
        "datePublished": item.published.isoformat(), "description": item.summary,
        "author": [{"@type": "Person", "name": "Staff reporter"}],
        "publisher": {"@type": "Organization", "name": host, "logo": f"http://{host}/logo.png"},
        "keywords": rng.sample(WORDS, 5), "wordCount": sum(len(p.split()) for p in body),
    }  # fmt: skip
    metas = "".join(
        f"<meta property='og:{k}' content='{escape(v)}'>"
        for k, v in (("title", item.title), ("url", item.url), ("type", "article"))
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | {host}</title>{metas}"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<link rel='canonical' href='{escape(item.url)}'>"
        f"<style>{_css(rng)}</style>"
        f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
        f"<script>{_analytics_js(host)}</script></head>"
    )


def _css(rng: random.Random) -> str:
    rules = (
        f".c{i}{{margin:{rng.randint(0, 24)}px;padding:{rng.randint(0, 16)}px;"
        f"color:#{rng.randrange(0x1000000):06x}}}"
        for i in range(120)
    )
    return "".join(rules)


def _analytics_js(host: str) -> str:
    return (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        f"gtag('js',new Date());gtag('config','G-{zlib.crc32(host.encode()):010d}');"
        "(function(w,d,s){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);"
        "j.async=true;j.src='https://cdn.ads.example/tag.js';f.parentNode.insertBefore(j,f);})"
        "(window,document,'script');"
    ) * 4


ICON = (
    "<svg viewBox='0 0 24 24' width='20' height='20' aria-hidden='true' focusable='false'>"
    "<path d='M12 2C6.48 2 2 6.48 2 12c0 5.02 3.7 9.17 8.5 9.9v-7h-2.6V12h2.6V9.8c0-2.57 "
    "1.53-3.99 3.87-3.99 1.12 0 2.29.2 2.29.2v2.52h-1.29c-1.27 0-1.67.79-1.67 1.6V12h2.84l-.45 "
    "2.9h-2.39v7C18.3 21.17 22 17.02 22 12c0-5.52-4.48-10-10-10z'/></svg>"
)


def _header_nav(rng: random.Random, host: str) -> str:
    """A mega-menu: 15 sections of 10 links, about 150 links."""
    columns = []
    for section in SECTIONS:
        key = section.lower()
        links = "".join(
            f"<li class='nav__item'><a href='http://{host}/{key}/{word}-{i}/'>"
            f"{word.title()} {section}</a></li>"
            for i, word in enumerate(rng.sample(WORDS, 10))
        )
        columns.append(
            f"<li class='menu menu--{key}'><a class='menu__title' href='/{key}/'>{section}</a>"
            f"<ul class='menu__list'>{links}</ul></li>"
        )
    return (
        "<header class='site-header'><a class='skip' href='#main'>Skip to content</a>"
        f"<a class='logo' href='/'>{ICON}<span>{host}</span></a>"
        f"<button class='btn btn--menu'>{ICON}Menu</button><button class='btn'>{ICON}Search</button>"
        f"<nav aria-label='Sections'><ul class='mega-menu'>{''.join(columns)}</ul></nav>"
        "<div class='login'><a href='/login'>Sign in</a> <a href='/subscribe'>Subscribe</a></div>"
        "</header><div class='ad-slot' data-slot='top'>Advertisement</div>"
    )


def _share_bar(url: str) -> str:
    targets = ("Facebook", "Twitter", "LinkedIn", "WhatsApp", "Email", "Reddit", "Print")
    links = "".join(
        f"<li class='share__item'><a class='share share--{t.lower()}' rel='noopener' "
        f"href='https://share.example/{t.lower()}?u={escape(url)}'>{ICON}<span>{t}</span></a></li>"
        for t in targets
    )
    return (
        f"<div class='share-bar'><span>Share</span><ul>{links}</ul>"
        f"<button class='copy'>{ICON}Copy link</button></div>"
    )


def _article(item: Item, body: list[str]) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body)
    stamp = item.published.strftime("%B %d, %Y %H:%M UTC")
    return (
        "<main id='main'><article class='story'>"
        "<nav class='breadcrumbs'><a href='/'>Home</a> › <a href='/world/'>World</a></nav>"
        f"<h1>{escape(item.title)}</h1><p class='byline'>By Staff reporter</p>"
        f"<time datetime='{item.published.isoformat()}'>{stamp}</time>"
        "<figure><picture><source srcset='/img/lead.webp' type='image/webp'>"
        "<img src='/img/lead.jpg' alt='File photo'></picture><figcaption>A file photo. "
        "(Photo: Agency)</figcaption></figure>"
        f"<div class='article-body'>{paragraphs}</div>"
        "<div class='tags'><a href='/tag/world'>World</a> <a href='/tag/trade'>Trade</a></div>"
        "<div class='newsletter'><form action='/newsletter'><label>Get the morning briefing"
        "<input type='email' name='email' placeholder='Your email'></label>"
        "<button>Sign up</button></form></div></article></main>"
    )


def _related(rng: random.Random, host: str, count: int) -> str:
    cards = []
    for i in range(count):
        word, other = rng.sample(WORDS, 2)
        href = f"http://{host}/related/{word}-{other}-{i}/"
        cards.append(
            f"<article class='card card--{i % 3}'><a class='card__link' href='{href}' "
            f"data-track='related|{i}'><picture class='card__media'>"
            f"<source srcset='/img/{word}-{i}.webp 1x, /img/{word}-{i}@2x.webp 2x'>"
            f"<img src='/img/{word}-{i}.jpg' alt='' loading='lazy' width='320' height='180'>"
            f"</picture><div class='card__body'><span class='kicker'>{rng.choice(SECTIONS)}"
            f"</span><h3 class='card__title'>{word.title()} talks stall over {other} costs"
            f"</h3><p class='teaser'>Officials said the {word} review would take weeks.</p>"
            f"<time class='card__time'>{rng.randint(1, 59)} min ago</time></div></a></article>"
        )
    return f"<aside class='related'><h2>More from {host}</h2>{''.join(cards)}</aside>"


def _comments(rng: random.Random, count: int) -> str:
    entries = "".join(
        f"<li class='comment'><div class='comment__head'><img class='avatar' src='/a/{i}.png' "
        f"alt=''><b>reader{rng.randint(100, 999)}</b> <time>{i + 1} h ago</time></div>"
        f"<p>I doubt the {rng.choice(WORDS)} part will work.</p><div class='comment__actions'>"
        f"<button>Reply</button><button>Like ({rng.randint(0, 40)})</button>"
        "<button>Report</button></div></li>"
        for i in range(count)
    )
    return f"<section id='comments'><h2>Comments ({count})</h2><ol>{entries}</ol></section>"


def _footer(host: str) -> str:
    links = "".join(
        f"<li class='footer__item'><a class='footer__link' href='/{s.lower()}/{i}/'>{s}</a></li>"
        for i, s in enumerate(SECTIONS * 2)
    )
    social = "".join(
        f"<a class='social' href='https://social.example/{i}'>{ICON}</a>" for i in range(8)
    )
    return (
        f"<footer><ul class='footer-links'>{links}</ul><div class='social-links'>{social}</div>"
        f"<p>© 2025 {host}. All rights reserved.</p><p><a href='/privacy'>Privacy policy</a> · "
        "<a href='/terms'>Terms of use</a> · <a href='/cookies'>Cookie settings</a></p></footer>"
    )


def _state_script(rng: random.Random, host: str, room: int) -> str:
    """The framework state blob real pages ship (``__NEXT_DATA__``), sized to fill ``room``."""
    teasers: list[str] = []
    used = 0
    while used < room - 200:
        word, other = rng.sample(WORDS, 2)
        teaser = (
            f'{{"id":{rng.randrange(10**9)},"slug":"{word}-{other}","host":"{host}",'
            f'"title":"{word.title()} and {other}","score":{rng.random():.6f}}}'
        )
        teasers.append(teaser)
        used += len(teaser) + 1
    blob = '{"props":{"teasers":[' + ",".join(teasers) + "]}}"
    return f"<script id='__NEXT_DATA__' type='application/json'>{blob}</script>"


def _write_big_page(
    root: Path, rng: random.Random, paragraphs: list[str], page_files: dict[str, Path]
) -> tuple[str, int]:
    """One page of ~5 MB made of ~2.5 KB paragraphs: few elements, a lot of text."""
    url = f"http://{BIG_HOST}/reports/very-long-report.html"
    item = _item(url, "A very long report on harbour finances", 0)
    shell = article_page(rng, 0, item, ["PLACEHOLDER"], 0)
    body: list[str] = []
    size = len(shell)
    while size < BIG_PAGE_BYTES - 3000:
        text = " ".join(rng.sample(paragraphs, 4)) + f" (Section {len(body) + 1}.)"
        body.append(text)
        size += len(escape(text)) + 7
    page = article_page(rng, 0, item, body, 0)
    page_files[url] = _write(root, BIG_HOST, "reports/very-long-report.html", page)
    return url, len(page.encode())
