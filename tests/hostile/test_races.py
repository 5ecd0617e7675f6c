"""A race the hostile corpus found on PostgreSQL, reproduced without timing luck.

In the corpus run two feeds carry the same stories and are fetched at the same moment. Each
story is stored once (the unique URL holds), and must be counted new once: both fetches may
find it "fresh" with their SELECT before either inserts, so ``articles_store`` counts the rows
its ``ON CONFLICT DO NOTHING`` insert created, not what the SELECT found. Otherwise the fetch
summary, ``Feed.last_new_articles`` and the articles announced to placement are overstated.
On SQLite, IMMEDIATE transactions serialise the two.
"""

import contextlib
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from sources import services
from sources.models import Article, Feed

pytestmark = [pytest.mark.django_db(transaction=True)]


def _items(n: int) -> list[services.ArticleData]:
    return [
        services.ArticleData(
            url=f"http://twinwire.test/story/{i}",
            link=f"http://twinwire.test/story/{i}",
            guid=f"urn:twin:{i}",
            title=f"Twin story {i}",
            summary="",
            published_at=datetime(2026, 11, 22, tzinfo=UTC),
            language="en",
            source_domain="twinwire.test",
            source_name="Twin Wire",
            source_homepage="",
        )
        for i in range(n)
    ]


def test_two_feeds_storing_the_same_stories_at_once_count_each_new_story_once(monkeypatch):
    feeds = [Feed.objects.create(url=f"http://twinwire.test/{n}.xml") for n in range(2)]
    batch = _items(25)
    # Both workers have decided what is fresh before either inserts: the moment the corpus
    # run hits by chance, made certain. (On SQLite the second worker's BEGIN IMMEDIATE
    # waits for the first to commit, the barrier times out, and the two run one by one.)
    barrier = threading.Barrier(2, timeout=2)
    real_sources_for = services.sources_for

    def sources_for_after_both_looked(items):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_sources_for(items)

    monkeypatch.setattr(services, "sources_for", sources_for_after_both_looked)
    counts: list = []

    def store(feed):
        try:
            counts.append(services.articles_store(feed=feed, items=batch))
        except Exception as exc:  # asserted on below
            counts.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(feed,)) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [c for c in counts if isinstance(c, Exception)], counts
    assert Article.objects.count() == 25
    assert sum(counts) == 25, f"new-article counts {counts} for 25 stories stored once"
