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


def make_publisher(username: str = "pat"):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Publisher"))  # made by migration 0004
    return user


def make_published_digest(
    topic=None,
    day: str = "2026-11-20",
    *,
    articles: int = 4,
    publisher=None,
    title: str = "",
    highlights: str = "",
    us_body: str = "",
    china_body: str = "",
    outlet: str = "",
    article_title: str = "Story {n}",
    language: str = "en",
):
    """A digest published through the workflow: half its articles US, half China, all cited.

    Outlet ``n`` is ``outlet{n}.example`` ("Outlet {n}") unless ``outlet`` names one outlet
    for all of them. Text arguments replace the default bullets.
    """
    from datetime import date

    from digests import workflow
    from digests.models import Digest, DigestArticle, DigestSection

    topic = topic or make_topic()
    us, china = perspective(topic, "us"), perspective(topic, "china")
    digest = Digest.objects.create(
        topic=topic,
        edition_date=date.fromisoformat(day),
        title=title or f"{topic.name} News - {day}",
        slug=f"{topic.slug}-{day}",
        status=Digest.Status.IN_REVIEW,
        highlights=highlights or "- Both sides met and talked about trade [1, 3]",
    )
    half = max(1, articles // 2)
    for n in range(1, articles + 1):
        domain = outlet or f"outlet{n}.example"
        source = Source.objects.get_or_create(
            domain=domain, defaults={"name": outlet or f"Outlet {n}"}
        )[0]
        url = f"https://{domain}/{day}/story-{n}"  # two topics may cite the same article
        article = Article.objects.filter(url=url).first() or make_article(url, source=source)
        DigestArticle.objects.create(
            digest=digest,
            article=article,
            position=n,
            perspective=us if n <= half else china,
            relevance=0.5,
            cited_title=article_title.format(n=n),
            cited_url=article.url,
            cited_outlet=source.name,
            cited_language=language,
            cited_date=date.fromisoformat(day),
        )
    DigestSection.objects.create(
        digest=digest, perspective=us, body=us_body or "- Washington announced new rules [1]"
    )
    DigestSection.objects.create(
        digest=digest,
        perspective=china,
        body=china_body or f"- Beijing answered the rules [{min(articles, half + 1)}]",
    )
    return workflow.digest_publish(
        digest=digest, user=publisher or make_publisher(f"pub-{digest.pk}")
    )


def admin_form(client, url: str, form_id: str, **changes) -> dict:
    """The admin form at ``url`` as a browser would send it (inlines included), changed."""
    import lxml.html

    form = lxml.html.fromstring(client.get(url).content).get_element_by_id(form_id)
    return {**dict(form.form_values()), **changes}
