"""Feeds → articles with full text, end to end against a real loopback server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sources import ingest, services
from sources.demo.gnews_fake import FakeGoogleNews, make_article_id
from sources.models import Article, ArticleFeed, Feed, Source
from tests.factories import make_feed, page, rss, rss_item
from tests.servers import raw_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(httpserver, settings):
    """Every host is served by one loopback server (the demo's routing), so URLs look real."""
    settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{httpserver.port}"
    settings.DIGESTCMS_GOOGLE_NEWS_BASE = "http://news.google.com"
    return httpserver


def serve_feed(web, path, *items, **kwargs):
    web.expect_request(path).respond_with_data(
        rss(*items, **kwargs), content_type="application/rss+xml"
    )


def test_a_feed_is_stored_with_outlets_from_the_article_urls(web):
    serve_feed(
        web,
        "/world.xml",
        rss_item("http://www.reuters.com/world/a?utm_source=rss", "Tariff talks resume"),
        rss_item("http://apnews.com/article/b", "Navy ship transits strait"),
    )
    feed = make_feed("http://feeds.example.com/world.xml")
    result = ingest.feed_fetch(feed)
    assert (result.outcome, result.new_articles) == ("ok", 2)
    article = Article.objects.get(title="Tariff talks resume")
    assert article.url == "http://www.reuters.com/world/a"
    assert article.link == "http://www.reuters.com/world/a?utm_source=rss"
    assert article.source.domain == "reuters.com"
    assert article.extraction_status == Article.Extraction.PENDING
    assert list(article.feeds.all()) == [feed]
    feed.refresh_from_db()
    assert feed.title == "Test feed"
    assert feed.last_error == "" and feed.consecutive_failures == 0
    assert feed.next_fetch_at > timezone.now()


def test_refetching_and_a_second_feed_never_duplicate_an_article(web):
    item = rss_item("http://apnews.com/article/same", "Same story")
    serve_feed(web, "/one.xml", item)
    serve_feed(web, "/two.xml", item, rss_item("http://apnews.com/article/other", "Other"))
    one = make_feed("http://feeds.example.com/one.xml")
    two = make_feed("http://feeds.example.com/two.xml")
    ingest.feed_fetch(one)
    ingest.feed_fetch(one)
    result = ingest.feed_fetch(two)
    assert result.new_articles == 1
    assert Article.objects.filter(url="http://apnews.com/article/same").count() == 1
    same = Article.objects.get(url="http://apnews.com/article/same")
    assert set(same.feeds.all()) == {one, two}


def test_conditional_get_answers_not_modified(web):
    web.expect_request("/etag.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    web.expect_request("/etag.xml").respond_with_data(
        rss(rss_item("http://apnews.com/x")), headers={"ETag": '"v1"'}
    )
    feed = make_feed("http://feeds.example.com/etag.xml")
    assert ingest.feed_fetch(feed).outcome == "ok"
    feed.refresh_from_db()
    assert feed.etag == '"v1"'
    assert ingest.feed_fetch(feed).outcome == "not_modified"
    feed.refresh_from_db()
    assert feed.last_status == 304 and feed.etag == '"v1"'


def test_an_outlet_named_by_an_editor_is_never_renamed_by_ingestion(web):
    Source.objects.create(domain="news.cn", name="Xinhua")
    serve_feed(
        web,
        "/g.xml",
        rss_item(
            "http://www.news.cn/world/1.html", "Story", source=("新华网", "http://www.news.cn")
        ),
    )
    ingest.feed_fetch(make_feed("http://feeds.example.com/g.xml"))
    assert Source.objects.get(domain="news.cn").name == "Xinhua"


def test_one_broken_feed_never_stops_the_others(web, capsys):
    from django.core.management import call_command

    web.expect_request("/down.xml").respond_with_data("boom", status=500)
    web.expect_request("/html.xml").respond_with_data(
        "<html><body><p>Hello</p></body></html>", content_type="text/html"
    )
    serve_feed(web, "/good.xml", rss_item("http://apnews.com/good", "Good story"))
    for path in ("/down.xml", "/html.xml", "/good.xml"):
        make_feed(f"http://feeds.example.com{path}")
    call_command("fetch_feeds", "--all", "--threads", "1")
    out = capsys.readouterr().out
    assert "3 feeds: 1 fetched, 0 not modified, 2 failed" in out
    assert "FAILED http://feeds.example.com/down.xml: The server answered 500" in out
    assert Article.objects.filter(title="Good story").exists()
    down = Feed.objects.get(url__endswith="/down.xml")
    assert down.consecutive_failures == 1 and "500" in down.last_error
    assert "not an RSS or Atom feed" in Feed.objects.get(url__endswith="/html.xml").last_error


def test_failures_back_off_exponentially_with_a_cap(web, settings):
    settings.DIGESTCMS_FEED_BACKOFF_CAP = 4 * 3600
    web.expect_request("/gone.xml").respond_with_data("", status=410)
    feed = make_feed("http://feeds.example.com/gone.xml", fetch_interval=600)
    waits = []
    for _ in range(6):
        before = timezone.now()
        ingest.feed_fetch(feed)
        feed.refresh_from_db()
        waits.append((feed.next_fetch_at - before).total_seconds())
    assert feed.consecutive_failures == 6
    assert waits[1] > waits[0] * 1.3
    assert max(waits) <= 4 * 3600 * 1.21


def test_429_retry_after_is_honoured(web):
    web.expect_request("/busy.xml").respond_with_data(
        "", status=429, headers={"Retry-After": "7200"}
    )
    feed = make_feed("http://feeds.example.com/busy.xml", fetch_interval=60)
    ingest.feed_fetch(feed)
    feed.refresh_from_db()
    assert feed.next_fetch_at >= timezone.now() + timedelta(seconds=7100)
    assert feed.last_status == 429


def test_a_permanently_moved_feed_gets_its_new_url(web):
    web.expect_request("/old.xml").respond_with_data(
        "", status=301, headers={"Location": "http://feeds.example.com/new.xml"}
    )
    serve_feed(web, "/new.xml", rss_item("http://apnews.com/moved"))
    feed = make_feed("http://feeds.example.com/old.xml")
    assert ingest.feed_fetch(feed).outcome == "ok"
    feed.refresh_from_db()
    assert feed.url == "http://feeds.example.com/new.xml"


def test_a_temporary_redirect_keeps_the_stored_url(web):
    web.expect_request("/tmp.xml").respond_with_data(
        "", status=302, headers={"Location": "http://feeds.example.com/elsewhere.xml"}
    )
    serve_feed(web, "/elsewhere.xml", rss_item("http://apnews.com/t"))
    feed = make_feed("http://feeds.example.com/tmp.xml")
    ingest.feed_fetch(feed)
    feed.refresh_from_db()
    assert feed.url == "http://feeds.example.com/tmp.xml"


def test_a_redirect_loop_is_recorded_on_the_feed(web):
    web.expect_request("/loop.xml").respond_with_data(
        "", status=302, headers={"Location": "http://feeds.example.com/loop2.xml"}
    )
    web.expect_request("/loop2.xml").respond_with_data(
        "", status=302, headers={"Location": "http://feeds.example.com/loop.xml"}
    )
    feed = make_feed("http://feeds.example.com/loop.xml")
    assert ingest.feed_fetch(feed).outcome == "failed"
    feed.refresh_from_db()
    assert "loop" in feed.last_error


def test_empty_body_is_a_recorded_error(web):
    web.expect_request("/empty.xml").respond_with_data("")
    feed = make_feed("http://feeds.example.com/empty.xml")
    ingest.feed_fetch(feed)
    feed.refresh_from_db()
    assert "empty" in feed.last_error.lower()


def test_a_feed_cut_short_keeps_its_whole_items_but_not_its_etag(settings):
    whole = rss(rss_item("http://apnews.com/whole", "Whole"), rss_item("http://apnews.com/cut"))
    head = (
        'HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: "v1"\r\n'
        f"Content-Length: {len(whole)}\r\n\r\n"
    ).encode()
    with raw_server(lambda conn: conn.sendall(head + whole[: whole.index(b"/cut")])) as server:
        settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{server.port}"
        feed = make_feed("http://feeds.example.com/cut.xml")
        result = ingest.feed_fetch(feed)
    assert (result.outcome, result.new_articles) == ("ok", 1)
    assert result.skipped_entries == ["entry 2 is cut off where the feed ends"]
    feed.refresh_from_db()
    assert (feed.last_error, feed.etag) == ("", "")  # the next fetch gets the whole feed


def test_entries_without_a_link_are_skipped_with_a_reason_and_the_rest_stored(web):
    no_link = "<item><title>Lost</title><description>No link here.</description></item>"
    no_title = "<item><link>http://apnews.com/untitled</link><description>Words about trade policy today.</description></item>"
    serve_feed(web, "/mixed.xml", no_link, no_title, rss_item("http://apnews.com/fine", "Fine"))
    result = ingest.feed_fetch(make_feed("http://feeds.example.com/mixed.xml"))
    assert result.new_articles == 2
    assert any("no link" in reason for reason in result.skipped_entries)
    assert Article.objects.get(url="http://apnews.com/untitled").title


def test_a_duplicate_guid_with_a_new_url_is_a_new_article(web):
    serve_feed(
        web,
        "/guid.xml",
        rss_item("http://apnews.com/first", "First", guid="same-guid"),
        rss_item("http://apnews.com/second", "Second", guid="same-guid"),
    )
    ingest.feed_fetch(make_feed("http://feeds.example.com/guid.xml"))
    assert set(Article.objects.values_list("title", flat=True)) == {"First", "Second"}


def test_control_characters_are_stripped_at_ingest(web):
    serve_feed(web, "/ctl.xml", rss_item("http://apnews.com/ctl", "Bad\x0btitle"))
    ingest.feed_fetch(make_feed("http://feeds.example.com/ctl.xml"))
    assert Article.objects.get().title == "Badtitle"


def test_a_feed_already_being_fetched_is_skipped_and_a_stale_lease_is_taken_over(web):
    serve_feed(web, "/lease.xml", rss_item("http://apnews.com/lease"))
    feed = make_feed("http://feeds.example.com/lease.xml", fetching_since=timezone.now())
    assert ingest.feed_fetch(feed).outcome == "skipped"
    assert not web.log
    Feed.objects.filter(pk=feed.pk).update(fetching_since=timezone.now() - timedelta(hours=2))
    assert ingest.feed_fetch(feed).outcome == "ok"
    feed.refresh_from_db()
    assert feed.fetching_since is None


# --- Extraction --------------------------------------------------------------


def stored_article(web, link="http://www.reuters.com/world/story", title="Chip rules tighten"):
    serve_feed(web, "/x.xml", rss_item(link, title))
    ingest.feed_fetch(make_feed("http://feeds.example.com/x.xml"))
    return Article.objects.get(title=title)


def test_extraction_stores_clean_text_and_language(web):
    web.expect_request("/world/story").respond_with_data(
        page("Chip rules tighten"), content_type="text/html; charset=utf-8"
    )
    article = stored_article(web)
    assert ingest.article_extract(article).outcome == "ok"
    article.refresh_from_db()
    assert article.extraction_status == Article.Extraction.OK
    assert "export licences for industrial components" in article.text
    assert "All rights reserved" not in article.text
    assert article.language == "en"
    assert article.content_hash and article.fetched_at


def test_a_failed_extraction_keeps_the_article_with_the_reason(web):
    web.expect_request("/world/story").respond_with_data("gone", status=404)
    article = stored_article(web)
    assert ingest.article_extract(article).outcome == "failed"
    article.refresh_from_db()
    assert article.extraction_status == Article.Extraction.FAILED
    assert "404" in article.extraction_error
    assert article.title == "Chip rules tighten" and article.summary


def test_a_non_html_link_is_skipped(web):
    web.expect_request("/world/story").respond_with_data(
        b"%PDF-1.4", content_type="application/pdf"
    )
    article = stored_article(web)
    assert ingest.article_extract(article).outcome == "skipped"
    article.refresh_from_db()
    assert article.extraction_status == Article.Extraction.SKIPPED
    assert "application/pdf" in article.extraction_error


def test_an_editors_corrected_text_survives_reextraction(web):
    web.expect_request("/world/story").respond_with_data(page("Chip rules tighten"))
    article = stored_article(web)
    Article.objects.filter(pk=article.pk).update(
        text="Corrected by an editor.", language="zh-Hans", text_locked=True
    )
    services.article_request_reextraction(articles=Article.objects.filter(pk=article.pk))
    article.refresh_from_db()
    assert ingest.article_extract(article).outcome == "ok"
    article.refresh_from_db()
    assert (article.text, article.language) == ("Corrected by an editor.", "zh-Hans")  # page: en


def test_an_article_finished_by_another_worker_is_not_extracted_again(web):
    web.expect_request("/world/story").respond_with_data(page("Chip rules tighten"))
    article = stored_article(web)
    stale_copy = Article.objects.get(pk=article.pk)
    assert ingest.article_extract(article).outcome == "ok"
    assert ingest.article_extract(stale_copy).outcome == "done"
    assert len([r for r, _ in web.log if r.path == "/world/story"]) == 1


# --- Google News ---------------------------------------------------------------


def google_item(publisher_url, title, outlet=("新华网", "http://english.news.cn")):
    wrapper = f"http://news.google.com/rss/articles/{make_article_id(publisher_url)}?oc=5"
    return rss_item(wrapper, f"{title} - {outlet[0]}", source=outlet)


def serve_google(web, *publisher_urls):
    fake = FakeGoogleNews.from_urls(list(publisher_urls))

    def handler(request):
        from werkzeug import Response

        answer = fake.handle(request.method, request.full_path.rstrip("?"), request.get_data())
        status, content_type, body = answer or (404, "text/plain", b"")
        return Response(body, status=status, content_type=content_type)

    web.expect_request("/_/DotsSplashUi/data/batchexecute", method="POST").respond_with_handler(
        handler
    )
    for url in publisher_urls:
        web.expect_request(f"/rss/articles/{make_article_id(url)}").respond_with_handler(handler)


def test_google_news_items_take_their_outlet_and_resolve_to_the_publisher(web):
    publisher = "http://english.news.cn/20261122/abc/c.html"
    serve_google(web, publisher)
    web.expect_request("/20261122/abc/c.html").respond_with_data(page("Trade envoy visits"))
    serve_feed(web, "/rss/search.xml", google_item(publisher, "Trade envoy visits"))
    ingest.feed_fetch(make_feed("http://news.google.com/rss/search.xml"))
    article = Article.objects.get()
    assert article.title == "Trade envoy visits"
    assert article.source.domain == "english.news.cn"
    assert article.source.name == "新华网"
    assert article.link.startswith("http://news.google.com/rss/articles/CBMi")
    assert ingest.article_extract(article).outcome == "ok"
    article.refresh_from_db()
    assert article.url == publisher
    assert article.link.startswith("http://news.google.com/rss/articles/")
    assert "industrial components" in article.text


def test_refetching_a_google_feed_does_not_recreate_resolved_articles(web):
    publisher = "http://english.news.cn/20261122/abc/c.html"
    serve_google(web, publisher)
    web.expect_request("/20261122/abc/c.html").respond_with_data(page("Trade envoy visits"))
    serve_feed(web, "/rss/search.xml", google_item(publisher, "Trade envoy visits"))
    feed = make_feed("http://news.google.com/rss/search.xml")
    ingest.feed_fetch(feed)
    ingest.article_extract(Article.objects.get())
    assert ingest.feed_fetch(feed).new_articles == 0
    assert Article.objects.count() == 1


def test_an_unresolvable_google_link_keeps_the_article_with_its_outlet(web):
    serve_google(web)  # knows no article
    item = google_item("http://english.news.cn/unknown.html", "Mystery")
    serve_feed(web, "/rss/search.xml", item)
    ingest.feed_fetch(make_feed("http://news.google.com/rss/search.xml"))
    article = Article.objects.get()
    assert ingest.article_extract(article).outcome == "failed"
    article.refresh_from_db()
    assert "Google News" in article.extraction_error
    assert article.url.startswith("http://news.google.com/rss/articles/")
    assert article.source.domain == "english.news.cn"


def test_a_google_item_and_a_direct_item_for_the_same_story_become_one_article(web):
    publisher = "http://english.news.cn/20261122/abc/c.html"
    serve_google(web, publisher)
    web.expect_request("/20261122/abc/c.html").respond_with_data(page("Trade envoy visits"))
    serve_feed(web, "/rss/search.xml", google_item(publisher, "Trade envoy visits"))
    serve_feed(web, "/direct.xml", rss_item(publisher, "Trade envoy visits"))
    google = make_feed("http://news.google.com/rss/search.xml")
    direct = make_feed("http://english.news.cn/direct.xml")
    ingest.feed_fetch(direct)
    ingest.feed_fetch(google)
    assert Article.objects.count() == 2
    wrapped = Article.objects.get(url__startswith="http://news.google.com")
    assert ingest.article_extract(wrapped).outcome == "ok"
    assert Article.objects.count() == 1
    assert set(Article.objects.get().feeds.all()) == {google, direct}
    assert ArticleFeed.objects.count() == 2
