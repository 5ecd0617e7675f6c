"""The sources admin: what editors and operators click every morning."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sources.models import Article, Feed, Source
from tests.factories import admin_form, make_article, make_feed, make_source, page, rss, rss_item

pytestmark = pytest.mark.django_db


def make_many(n: int) -> None:
    for i in range(n):
        source = make_source(f"outlet{i}.example", f"Outlet {i}")
        feed = make_feed(f"http://outlet{i}.example/feed.xml", title=f"Feed {i}")
        article = make_article(f"http://outlet{i}.example/story", source=source, title=f"Story {i}")
        article.feeds.add(feed)


@pytest.mark.parametrize("model", ["feed", "source", "article"])
def test_changelists_cost_the_same_queries_for_3_or_30_rows(
    admin_client, model, django_assert_max_num_queries
):
    url = reverse(f"admin:sources_{model}_changelist")
    make_many(3)
    with django_assert_max_num_queries(12) as small:
        assert admin_client.get(url).status_code == 200
    make_many(0)
    for i in range(3, 30):
        source = make_source(f"more{i}.example")
        make_feed(f"http://more{i}.example/feed.xml")
        make_article(f"http://more{i}.example/story", source=source)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200


def test_feed_changelist_shows_the_last_error(admin_client):
    make_feed(
        last_error="The server answered 500 Internal Server Error.",
        consecutive_failures=2,
        last_fetched_at=timezone.now(),
    )
    response = admin_client.get(reverse("admin:sources_feed_changelist"))
    assert b"failing (2" in response.content
    assert b"The server answered 500" in response.content


def test_fetch_now_action_fetches_and_reports(admin_client, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(rss_item("http://apnews.com/n", "Now"))
    )
    feed = make_feed(httpserver.url_for("/feed.xml"))
    response = admin_client.post(
        reverse("admin:sources_feed_changelist"),
        {"action": "fetch_now", "_selected_action": [feed.pk]},
        follow=True,
    )
    assert b"Fetched 1 feeds: 1 new articles." in response.content
    assert Article.objects.filter(title="Now").exists()


def test_merge_moves_every_article_to_the_outlet_kept(admin_client):
    keep = make_source("news.cn", "Xinhua")
    dup = make_source("xinhuanet.com", "新华网")
    make_article("http://news.cn/1", source=keep)
    make_article("http://xinhuanet.com/2", source=dup)
    make_article("http://xinhuanet.com/3", source=dup)
    url = reverse("admin:sources_source_changelist")
    confirm = admin_client.post(url, {"action": "merge", "_selected_action": [keep.pk, dup.pk]})
    assert b"Keep which outlet?" in confirm.content
    admin_client.post(
        url, {"action": "merge", "_selected_action": [keep.pk, dup.pk], "keep": keep.pk}
    )
    assert keep.articles.count() == 3
    assert not Source.objects.filter(pk=dup.pk).exists()


def test_editing_an_articles_text_locks_it_against_reextraction(admin_client):
    article = make_article(text="Extracted text.")
    url = reverse("admin:sources_article_change", args=[article.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        title=article.title,
        url=article.url,
        source=article.source.pk,
        text="Corrected text.",
        summary="",
        language="en",
        published_at_0="",
        published_at_1="",
        **{"articlefeed_set-TOTAL_FORMS": "0", "articlefeed_set-INITIAL_FORMS": "0"},
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert (article.text, article.text_locked) == ("Corrected text.", True)


def test_correcting_an_articles_language_locks_it_too(admin_client):
    article = make_article(text="Extracted text.", language="en")
    url = reverse("admin:sources_article_change", args=[article.pk])
    data = admin_form(admin_client, url, "article_form", language="zh-Hans")
    assert admin_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert (article.language, article.text_locked) == ("zh-Hans", True)


def test_reextract_action_fetches_the_page_again(admin_client, httpserver):
    httpserver.expect_request("/story").respond_with_data(page("Fresh"))
    article = make_article(
        httpserver.url_for("/story"),
        extraction_status=Article.Extraction.FAILED,
        extraction_error="x",
    )
    admin_client.post(
        reverse("admin:sources_article_changelist"),
        {"action": "reextract", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.extraction_status == Article.Extraction.OK
    assert "industrial components" in article.text


def test_anonymous_users_are_sent_to_the_login_page(client):
    for model in ("feed", "source", "article"):
        response = client.get(reverse(f"admin:sources_{model}_changelist"))
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Feed.objects.count() == 0
