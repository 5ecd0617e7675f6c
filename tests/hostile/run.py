"""One corpus run, the same in the test process and in the memory-measuring child process:
register the feeds, ``fetch_feeds --all``, mark the bulk feed's pages not to extract,
``extract_articles --retry-failed``; then read back what the database holds."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.management import call_command

from sources.models import Article, ArticleFeed, Feed
from tests.hostile.corpus import NOT_EXTRACTED, Case
from tests.hostile.server import CorpusServer


def serve(cases: list[Case], servers: dict[int, CorpusServer]) -> None:
    """Give each server the routes of its port (URLs on other ports are served by no one).

    Bodies made in code are made now, so building them never eats into a fetch's deadline.
    """
    for case in cases:
        for url, reply in case.served.items():
            parts = urlsplit(url)
            server = servers.get(parts.port or 80)
            if server is not None:
                server.route(parts.hostname.encode("idna").decode(), _target(parts), _made(reply))


def _made(reply):
    for name in ("body", "data"):
        value = getattr(reply, name, None)
        if callable(value):
            return dataclasses.replace(reply, **{name: value()})
    return reply


def _target(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def was_requested(url: str, servers: dict[int, CorpusServer]) -> int:
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode()
    return sum(s.hits[(host, _target(parts))] for s in servers.values())


def register(cases: list[Case]) -> dict[str, int]:
    return {case.name: Feed.objects.create(url=case.feed_url).pk for case in cases}


def mark_not_extracted(cases: list[Case], feed_ids: dict[str, int]) -> int:
    """Articles of a case with ``extract_only`` outside that list: skipped, with the reason."""
    marked = 0
    for case in cases:
        if case.extract_only is not None:
            marked += (
                Article.objects.filter(feeds=feed_ids[case.name])
                .exclude(url__in=case.extract_only)
                .update(
                    extraction_status=Article.Extraction.SKIPPED, extraction_error=NOT_EXTRACTED
                )
            )
    return marked


@dataclass
class Outputs:
    fetch: str = ""
    extract: str = ""
    refetch: str = ""
    marked: int = 0


def ingest(
    cases: list[Case], feed_ids: dict[str, int], *, refetch: bool = False, after_fetch=None
) -> Outputs:
    out = Outputs()
    buffer = io.StringIO()
    call_command("fetch_feeds", "--all", stdout=buffer, stderr=io.StringIO())
    out.fetch = buffer.getvalue()
    if after_fetch:
        after_fetch()
    out.marked = mark_not_extracted(cases, feed_ids)
    buffer = io.StringIO()
    call_command("extract_articles", "--retry-failed", stdout=buffer, stderr=io.StringIO())
    out.extract = buffer.getvalue()
    if refetch:
        buffer = io.StringIO()
        call_command("fetch_feeds", "--all", stdout=buffer, stderr=io.StringIO())
        out.refetch = buffer.getvalue()
    return out


@dataclass
class Snapshot:
    """Plain data read back after the run (the test DB is emptied afterwards)."""

    feeds: dict[int, dict] = field(default_factory=dict)
    articles: dict[str, dict] = field(default_factory=dict)
    article_rows: int = 0

    @classmethod
    def take(cls, feed_ids: dict[str, int], *, older: frozenset[int] = frozenset()) -> Snapshot:
        """What the run left: our feeds, and every article but the ``older`` ones."""
        snap = cls()
        ours = set(feed_ids.values())
        for feed in Feed.objects.filter(pk__in=ours):
            snap.feeds[feed.pk] = {
                "url": feed.url,
                "last_error": feed.last_error,
                "last_status": feed.last_status,
                "consecutive_failures": feed.consecutive_failures,
                "last_fetched_at": feed.last_fetched_at,
                "next_fetch_at": feed.next_fetch_at,
                "last_new_articles": feed.last_new_articles,
            }
        links: dict[int, set[int]] = {}
        for article_id, feed_id in ArticleFeed.objects.values_list("article_id", "feed_id"):
            links.setdefault(article_id, set()).add(feed_id)
        fields = ("id", "url", "link", "guid", "title", "summary", "language", "published_at",
                  "extraction_status", "extraction_error", "text", "source__domain")  # fmt: skip
        rows = Article.objects.exclude(pk__in=older).values(*fields)
        for row in rows.iterator(chunk_size=2000):
            row["feeds"] = links.get(row["id"], set())
            snap.articles[row["url"]] = row
            snap.article_rows += 1
        return snap
