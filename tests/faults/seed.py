"""Rows for fault tests, made and read inside the child processes (``from tests.faults import seed``).

Everything returns plain data (JSON-able) so the test process, which never opens the child's
database itself, can compare before and after.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone


def digest_ready_to_publish(topic, day: str, *, status: str, scheduled: bool = False):
    """A digest with four cited articles, in review (or scheduled, due a minute ago)."""
    from digests.models import Digest, DigestArticle, DigestSection
    from sources.models import Source
    from tests.factories import make_article, perspective

    us, china = perspective(topic, "us"), perspective(topic, "china")
    digest = Digest.objects.create(
        topic=topic,
        edition_date=date.fromisoformat(day),
        title=f"{topic.name} News - {day}",
        slug=f"{topic.slug}-{day}",
        status=status,
        highlights="- Both sides met and talked about trade [1, 3]",
        scheduled_for=timezone.now() - timedelta(minutes=1) if scheduled else None,
    )
    for n in range(1, 5):
        source = Source.objects.get_or_create(
            domain=f"outlet{n}.example", defaults={"name": f"Outlet {n}"}
        )[0]
        url = f"https://outlet{n}.example/{day}/story-{n}"
        DigestArticle.objects.create(
            digest=digest,
            article=make_article(url, source=source, title=f"Story {n}"),
            position=n,
            perspective=us if n <= 2 else china,
            relevance=0.5,
            cited_title=f"Story {n}",
            cited_url=url,
            cited_outlet=source.name,
            cited_language="en",
            cited_date=digest.edition_date,
        )
    DigestSection.objects.create(
        digest=digest, perspective=us, body="- Washington announced new rules [1]"
    )
    DigestSection.objects.create(
        digest=digest, perspective=china, body="- Beijing answered the rules [3]"
    )
    return digest


def digest_state(pk: int) -> dict:
    """What publishing changes: status, times, search text, the audit log, the revisions."""
    from reversion.models import Version

    from digests.models import Digest, DigestEvent

    digest = Digest.objects.get(pk=pk)
    return {
        "status": digest.status,
        "version": digest.version,
        "published_at": digest.published_at.isoformat() if digest.published_at else None,
        "search_text": digest.search_text,
        "frozen_placements": digest.frozen_placements,
        "events": list(
            DigestEvent.objects.filter(digest=digest)
            .order_by("pk")
            .values_list("action", flat=True)
        ),
        "revisions": Version.objects.get_for_object(digest).count(),
    }


def articles_state(urls: list[str]) -> dict:
    """Per wanted URL: how many rows have it, extraction status, lease, attempts, text length."""
    from sources.models import Article

    rows = {a.url: a for a in Article.objects.filter(url__in=urls)}
    return {
        "total": Article.objects.count(),
        "distinct_urls": Article.objects.values("url").distinct().count(),
        "articles": {
            url: {
                "status": rows[url].extraction_status,
                "leased": rows[url].extracting_since is not None,
                "leased_at": rows[url].extracting_since.timestamp()
                if rows[url].extracting_since
                else None,
                "attempts": rows[url].extraction_attempts,
                "text": len(rows[url].text),
            }
            for url in urls
            if url in rows
        },
    }


def feeds_state() -> dict:
    """Every feed's lease and last success; every article with the feeds it came through."""
    from sources.models import Article, Feed

    feeds = {
        f.url: {
            "leased": f.fetching_since is not None,
            "leased_at": f.fetching_since.timestamp() if f.fetching_since else None,
            "succeeded": f.last_succeeded_at is not None,
            "error": f.last_error,
        }
        for f in Feed.objects.all()
    }
    links = {
        a.url: sorted(f.url for f in a.feeds.all())
        for a in Article.objects.prefetch_related("feeds")
    }
    return {
        "feeds": feeds,
        "links": links,
        "total": Article.objects.count(),
        "distinct_urls": Article.objects.values("url").distinct().count(),
    }
