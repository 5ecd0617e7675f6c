"""The extraction and fetch leases, claimed and released in one statement each."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sources import ingest, services
from sources.models import Article, Feed
from tests.factories import make_article, make_feed, page
from tests.sources.test_concurrency import run_together

pytestmark = pytest.mark.django_db


def fresh(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


def test_a_claimed_article_refuses_a_second_claimant_until_the_lease_is_stale():
    article = make_article()
    other_worker_copy = fresh(article)
    assert services.article_claim(article)
    assert fresh(article).extracting_since is not None
    assert not services.article_claim(other_worker_copy)
    assert not services.article_claim(article)  # not even the holder takes it twice
    assert services.article_lease_held(article)

    stale = timezone.now() - services.LEASE - timedelta(seconds=1)
    Article.objects.filter(pk=article.pk).update(extracting_since=stale)
    assert services.article_claim(other_worker_copy)
    assert fresh(article).extracting_since > stale


def test_an_article_finished_since_it_was_loaded_cannot_be_claimed():
    article = make_article()
    stale_copy = fresh(article)
    assert services.article_claim(article)
    services.article_record_extraction(article=article, text="The text. " * 10, language="en")
    assert not services.article_lease_held(article)
    assert not services.article_claim(stale_copy)  # loaded as pending, now ok
    assert fresh(article).extracting_since is None


def test_recording_a_result_releases_the_lease_in_the_same_update():
    article = make_article(language="fr")
    assert services.article_claim(article)
    services.article_record_extraction(article=article, text="Full text of the story.")
    row = fresh(article)
    assert row.extracting_since is None
    assert row.extraction_status == Article.Extraction.OK
    assert (row.text, row.extraction_error, row.extraction_attempts) == (
        "Full text of the story.",
        "",
        1,
    )
    assert row.content_hash == services.content_hash("Full text of the story.")
    assert row.language == "fr"  # no language found: the feed's stays
    assert row.fetched_at is not None


def test_a_locked_text_survives_the_one_statement_result_write():
    article = make_article(text="Corrected by an editor.", text_locked=True, content_hash="x")
    assert services.article_claim(article)
    services.article_record_extraction(article=article, text="Machine text.", language="de")
    row = fresh(article)
    assert (row.text, row.content_hash) == ("Corrected by an editor.", "x")
    assert (row.extraction_status, row.language, row.extracting_since) == ("ok", "de", None)
    # A language the editor gave stays too; "de" above filled in one nobody knew.
    Article.objects.filter(pk=article.pk).update(language="fr")
    assert services.article_claim(fresh(article))
    services.article_record_extraction(article=fresh(article), text="Machine text.", language="de")
    assert fresh(article).language == "fr"


def test_a_failure_is_recorded_and_releases_the_lease_and_keeps_the_text():
    article = make_article(text="Earlier text.")
    assert services.article_claim(article)
    services.article_record_extraction(article=article, error="The server answered 404." * 200)
    row = fresh(article)
    assert row.extraction_status == Article.Extraction.FAILED
    assert row.extraction_error.startswith("The server answered 404.")
    assert len(row.extraction_error) == 2000
    assert (row.text, row.extracting_since, row.extraction_attempts) == ("Earlier text.", None, 1)
    services.article_request_reextraction(articles=Article.objects.filter(pk=article.pk))
    assert services.article_claim(fresh(article))
    services.article_record_extraction(article=article, error="Not a web page", skipped=True)
    row = fresh(article)
    assert (row.extraction_status, row.extraction_attempts) == ("skipped", 2)


def test_release_gives_the_lease_back_without_counting_an_attempt():
    article = make_article()
    assert services.article_claim(article)
    services.article_release(article)
    row = fresh(article)
    assert (row.extracting_since, row.extraction_attempts, row.extraction_status) == (
        None,
        0,
        "pending",
    )
    assert services.article_claim(row)


def test_a_feed_lease_refuses_a_second_claimant_until_stale():
    feed = make_feed()
    copy = Feed.objects.get(pk=feed.pk)
    assert services.feed_claim(feed)
    assert not services.feed_claim(copy)
    Feed.objects.filter(pk=feed.pk).update(fetching_since=timezone.now() - timedelta(hours=3))
    assert services.feed_claim(copy)


def test_a_busy_article_is_reported_busy_and_not_fetched(httpserver, settings):
    settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request("/story").respond_with_data(page("A story"))
    article = make_article("http://example.com/story")
    assert services.article_claim(fresh(article))
    result = ingest.article_extract(article)
    assert (result.outcome, result.error) == ("busy", "Another worker is extracting this article.")
    assert not httpserver.log


@pytest.mark.django_db(transaction=True)
def test_of_many_workers_claiming_one_article_at_once_exactly_one_wins():
    article = make_article()
    for _ in range(3):
        results = run_together(lambda _: services.article_claim(fresh(article)), 4)
        assert sorted(results) == [False, False, False, True], results
        services.article_record_extraction(article=article, error="again")
        Article.objects.filter(pk=article.pk).update(extraction_status="pending")


@pytest.mark.django_db(transaction=True)
def test_the_claim_never_changes_the_durability_of_anything_else():
    """On PostgreSQL the claim's own commit skips the WAL flush; nothing else may."""
    article = make_article()
    assert services.article_claim(article)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # local to the claim's own transaction
    services.article_record_extraction(article=article, text="Text.")
    Article.objects.filter(pk=article.pk).update(extraction_status="pending")
    with transaction.atomic():
        assert services.article_claim(fresh(article))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone()[0] == "on"  # the caller's transaction stays durable
    assert fresh(article).extracting_since is not None


def test_the_claim_is_only_asynchronous_on_postgresql_outside_a_transaction():
    statement = services._render_lease_sql
    sql = statement(Article, "extracting_since", "{extraction_status} = %s", True, "postgresql")
    assert "set_config('synchronous_commit', 'off', true)" in sql
    sql = statement(Article, "extracting_since", "{extraction_status} = %s", False, "postgresql")
    assert "set_config" not in sql
    assert "set_config" not in services._lease_sql(Article, "extracting_since")  # in atomic
