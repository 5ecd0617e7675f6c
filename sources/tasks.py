"""django-q2 task entry points: thin wrappers over the pipeline, safe to retry."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

from . import ingest
from .models import Article, Feed


def fetch_due_feeds() -> int:
    """Scheduled: queue one fetch task per feed that is due."""
    ids = list(Feed.objects.due().values_list("id", flat=True))
    for feed_id in ids:
        async_task("sources.tasks.fetch_feed", feed_id, task_name=f"fetch-feed-{feed_id}")
    return len(ids)


def fetch_feed(feed_id: int) -> str:
    feed = Feed.objects.filter(pk=feed_id).first()
    if feed is None:
        return "feed deleted"
    result = ingest.feed_fetch(feed)
    for article_id in result.new_article_ids:
        transaction.on_commit(lambda pk=article_id: async_task("sources.tasks.extract_article", pk))
    return f"{result.outcome}: {result.new_articles} new {result.error}".strip()


def extract_article(article_id: int) -> str:
    """Extract one waiting article.

    An article often gets several tasks (it came through several feeds; a task is handed out
    again after a worker died): the first extracts it, the others find it done.
    """
    article = (
        Article.objects.needing_extraction().filter(pk=article_id).select_related("source").first()
    )
    if article is None:
        return "nothing to do: extracted meanwhile, merged or deleted"
    return ingest.article_extract(article).outcome


def extract_pending(limit: int = 200) -> int:
    """Scheduled: queue extraction for articles still waiting (catch-up after downtime)."""
    ids = list(Article.objects.needing_extraction().values_list("id", flat=True)[:limit])
    for article_id in ids:
        async_task("sources.tasks.extract_article", article_id)
    return len(ids)
