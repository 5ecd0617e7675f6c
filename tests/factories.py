"""Test data in one place: feeds and pages as bytes, and model rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from sources.models import Article, Feed, Source

PARAGRAPHS = [
    "Officials from both governments met on Tuesday to discuss export licences for "
    "industrial components, according to three people familiar with the talks.",
    "The meeting followed weeks of public statements in which each side accused the other "
    "of moving the goalposts on commitments made earlier in the year.",
    "Analysts said the tone of the readouts suggested a modest thaw, though neither "
    "delegation announced a date for the next round of negotiations.",
    "Shipping companies have already adjusted their schedules in anticipation of new "
    "inspection rules, which are expected to take effect next month.",
]


def rss_item(
    link: str,
    title: str = "A story",
    *,
    guid: str | None = None,
    published: datetime | None = None,
    summary: str = "A short summary of the story.",
    source: tuple[str, str] | None = None,
) -> str:
    published = published or datetime.now(UTC) - timedelta(hours=2)
    source_xml = f'<source url="{escape(source[1])}">{escape(source[0])}</source>' if source else ""
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(guid or link)}</guid><pubDate>{format_datetime(published)}</pubDate>"
        f"<description>{escape(summary)}</description>{source_xml}</item>"
    )


def rss(*items: str, title: str = "Test feed", link: str = "http://example.com/") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link><language>en-us</language>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def page(title: str = "A story", paragraphs: list[str] | None = None, *, lang: str = "en") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in (paragraphs or PARAGRAPHS))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>© 2026 Example News. All rights reserved.</footer></body></html>"
    )


def make_source(domain: str = "example.com", name: str = "") -> Source:
    return Source.objects.create(domain=domain, name=name or domain)


def make_feed(url: str = "http://example.com/feed.xml", **fields) -> Feed:
    return Feed.objects.create(url=url, **fields)


def make_article(url: str = "http://example.com/story", *, source: Source | None = None, **fields):
    source = (
        source
        or Source.objects.get_or_create(domain="example.com", defaults={"name": "Example"})[0]
    )
    fields.setdefault("title", "A story")
    return Article.objects.create(url=url, link=fields.pop("link", url), source=source, **fields)


def make_topic(slug: str = "us-china", name: str = "US vs China", *, feeds=(), **fields):
    """A topic with the two perspectives of the seed: United States (US), China (CN, HK, MO)."""
    from digests.models import Perspective, Topic, TopicFeed

    topic = Topic.objects.create(slug=slug, name=name, **fields)
    Perspective.objects.create(
        topic=topic, slug="us", name="United States", countries="US", order=0
    )
    Perspective.objects.create(
        topic=topic, slug="china", name="China", countries="CN,HK,MO", order=1
    )
    for feed, default in feeds:
        TopicFeed.objects.create(
            topic=topic,
            feed=feed,
            default_perspective=topic.perspectives.get(slug=default) if default else None,
        )
    return topic


def perspective(topic, slug: str):
    return topic.perspectives.get(slug=slug)


def article_via(feed, url: str, source) -> Article:
    """An article of ``source`` that came through ``feed``."""
    article = make_article(url, source=source)
    article.feeds.add(feed)
    return article
