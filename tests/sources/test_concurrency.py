"""Two workers at once never duplicate anything (THREATS.md 8 and 11)."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from sources import ingest, services
from sources.models import Article, ArticleFeed, Feed, Source
from tests.factories import make_feed, rss, rss_item

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(target, n: int) -> list:
    """Start ``n`` threads on ``target`` at the same instant; return their results or errors."""
    barrier = threading.Barrier(n)
    results: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results.append(target(index))
        except Exception as exc:  # collected and asserted on by the caller
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def items(n: int) -> list[services.ArticleData]:
    return [
        services.ArticleData(
            url=f"http://apnews.com/article/{i}",
            link=f"http://apnews.com/article/{i}",
            guid=str(i),
            title=f"Story {i}",
            summary="",
            published_at=datetime(2026, 11, 22, tzinfo=UTC),
            language="en",
            source_domain="apnews.com",
            source_name="AP",
            source_homepage="",
        )
        for i in range(n)
    ]


def test_two_workers_storing_the_same_entries_store_each_once():
    feed = make_feed()
    batch = items(40)
    results = run_together(lambda _: services.articles_store(feed=feed, items=batch), 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Article.objects.count() == 40
    assert Source.objects.count() == 1
    assert ArticleFeed.objects.count() == 40


def test_the_same_feed_fetched_twice_concurrently_stores_each_entry_once(httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(*[rss_item(f"http://apnews.com/c/{i}", f"Item {i}") for i in range(30)])
    )
    feed = make_feed(httpserver.url_for("/feed.xml"))

    def fetch_fresh(_):
        return ingest.feed_fetch(Feed.objects.get(pk=feed.pk)).outcome

    outcomes = run_together(fetch_fresh, 2)
    assert sorted(outcomes) in (["ok", "skipped"], ["ok", "ok"])
    assert Article.objects.count() == 30


def test_four_concurrent_read_then_write_transactions_all_succeed():
    feed = make_feed()

    def read_then_write(index: int) -> int:
        with transaction.atomic():
            count = Feed.objects.filter(pk=feed.pk).count()
            Source.objects.create(domain=f"writer{index}.example", name=str(count))
        return index

    results = run_together(read_then_write, 4)
    assert sorted(results) == [0, 1, 2, 3], results
    assert Source.objects.count() == 4
