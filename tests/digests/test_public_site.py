"""The public site: what readers see, what they never see, and what each page costs."""

from __future__ import annotations

import re
import time
from datetime import date

import lxml.html
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests import workflow
from digests.markdown import digest_to_markdown
from digests.models import Digest, DigestArticle, Placement, Topic
from digests.pages import ListedSource, source_item
from digests.services import placement_set
from tests.factories import (
    admin_form,
    make_published_digest,
    make_publisher,
    make_topic,
    perspective,
)

pytestmark = pytest.mark.django_db

DAY = "2026-11-20"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


# --- Home ---------------------------------------------------------------------------------


def test_home_shows_each_topics_latest_digest_then_recent_ones(client, topic, publisher):
    other = make_topic("eu-china", "EU vs China")
    for day in ("2026-11-18", "2026-11-19", DAY):
        make_published_digest(topic, day, publisher=publisher)
    make_published_digest(other, "2026-11-19", publisher=publisher, highlights="- Brussels [1]")
    html = page(client, "/")
    latest = html[: html.index("Recent editions")]
    assert "US vs China News - 2026-11-20" in latest
    assert "EU vs China News - 2026-11-19" in latest
    assert "Brussels" in latest  # the latest digests' highlights
    recent = html[html.index("Recent editions") :]
    assert "US vs China News - 2026-11-19" in recent
    assert "US vs China News - 2026-11-18" in recent
    assert "US vs China News - 2026-11-20" not in recent


def test_home_without_published_digests_says_so(client, topic):
    make_unpublished(topic)
    html = page(client, "/")
    assert "Nothing is published yet" in html
    assert "Draft words" not in html


def make_unpublished(topic, day: str = "2026-11-21", status: str = Digest.Status.DRAFT) -> Digest:
    return Digest.objects.create(
        topic=topic,
        edition_date=date.fromisoformat(day),
        title=f"Draft words {day}",
        slug="draft",
        status=status,
        highlights="- Secret draft highlight [1]",
    )


# --- The digest page ------------------------------------------------------------------------


def test_the_digest_page_shows_perspectives_balance_sources_and_neighbours(
    client, topic, publisher
):
    make_published_digest(topic, "2026-11-19", publisher=publisher)
    make_published_digest(topic, DAY, articles=6, publisher=publisher, language="zh")
    make_published_digest(topic, "2026-11-22", publisher=publisher)
    make_unpublished(topic, "2026-11-21")
    html = page(client, f"/us-china/{DAY}/")
    assert "United States perspective" in html
    assert "China perspective" in html
    # The balance bar: 3 of 6 cited articles per perspective, said in words too.
    assert "United States: 3 articles (50%)" in html
    assert "China: 3 articles (50%)" in html
    assert html.count("<rect ") == 2
    # Citations link to the numbered sources, which link to the publisher and the outlet.
    assert 'href="#source-1"' in html
    assert 'id="source-4" value="4"' in html
    assert f'href="https://outlet4.example/{DAY}/story-4"' in html
    assert 'href="/outlets/outlet4.example/"' in html
    assert '<span lang="zh">zh</span>' in html
    assert '<time datetime="2026-11-20">20 Nov 2026</time>' in html
    # Previous and next published editions; the draft in between is skipped.
    assert 'rel="prev" href="/us-china/2026-11-19/"' in html
    assert 'rel="next" href="/us-china/2026-11-22/"' in html
    assert "2026-11-21" not in html


def test_the_digest_page_has_title_description_canonical_open_graph_and_feeds(
    client, topic, publisher
):
    make_published_digest(topic, DAY, publisher=publisher)
    html = page(client, f"/us-china/{DAY}/")
    assert "<title>US vs China News - 2026-11-20 · digestcms</title>" in html
    assert '<meta name="description" content="US vs China, 20 November 2026:' in html
    assert f'<link rel="canonical" href="http://testserver/us-china/{DAY}/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="US vs China News - 2026-11-20">' in html
    assert 'type="application/atom+xml" title="digestcms (Atom)" href="/feeds/atom/"' in html
    assert 'title="US vs China (Atom)" href="/us-china/feeds/atom/"' in html
    assert 'title="US vs China (RSS)" href="/us-china/feeds/rss/"' in html


def test_a_listed_source_escapes_every_value_it_prints():
    source = ListedSource(
        number="7",
        title='<b>"Talks"</b> & more',
        url="https://outlet.example/?a=1&b=<2>",
        outlet="O'Reilly & <Sons>",
        outlet_url="/outlets/outlet.example/",
        language='en"><x',
        day="2026-11-20",
        day_label="20 Nov 2026",
    )
    item = lxml.html.fragment_fromstring(source_item(source, "<United> States"))
    assert item.tag == "li" and item.get("id") == "source-7" and item.get("value") == "7"
    title, outlet = item.xpath("./a")[0], item.xpath(".//span[@class='source-meta']/a")[0]
    assert (title.get("href"), title.text) == (source.url, source.title)
    assert title.get("rel") == "noopener noreferrer nofollow"
    assert (outlet.get("href"), outlet.text) == (source.outlet_url, source.outlet)
    assert item.xpath(".//span[@lang]")[0].get("lang") == source.language
    assert item.xpath(".//time")[0].get("datetime") == "2026-11-20"
    assert "· <United> States ·" in item.text_content()
    assert item.xpath(".//b | .//x") == []


def test_a_corrected_digest_shows_its_correction_note(client, topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    workflow.digest_correct(
        digest=digest,
        user=publisher,
        note="An earlier version named the wrong ministry.",
        highlights="- Both sides met at the trade ministry [1, 3]",
    )
    html = page(client, f"/us-china/{DAY}/")
    assert "Correction" in html
    assert "An earlier version named the wrong ministry." in html
    assert "at the trade ministry" in html


def test_only_published_digests_have_a_page(
    client, topic, publisher, django_capture_on_commit_callbacks
):
    for status in (Digest.Status.DRAFT, Digest.Status.IN_REVIEW, Digest.Status.SCHEDULED):
        make_unpublished(topic, DAY, status)
        page(client, f"/us-china/{DAY}/", 404)
        page(client, f"/us-china/{DAY}.md", 404)
        Digest.objects.all().delete()
    digest = make_published_digest(topic, DAY, publisher=publisher)
    page(client, f"/us-china/{DAY}/")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_withdraw(digest=digest, user=publisher, reason="Wrong day")
    html = page(client, f"/us-china/{DAY}/", 404)
    assert "Not found" in html
    assert 'class="site"' in html  # the 404 page wears the site's header
    page(client, "/us-china/2026-02-30/", 404)


def test_the_markdown_address_serves_the_export_format(client, topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    response = client.get(f"/us-china/{DAY}.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == digest_to_markdown(digest)
    assert response.content.decode().startswith("---\n")


# --- Topic archive ----------------------------------------------------------------------


def test_the_topic_archive_pages_by_month(client, topic, publisher):
    for day in ("2026-09-30", "2026-10-02", "2026-10-30", "2026-11-01", DAY):
        make_published_digest(topic, day, publisher=publisher)
    make_unpublished(topic, "2026-11-21")
    newest = page(client, "/us-china/")
    assert "Editions of November 2026" in newest
    assert newest.count('<li>\n        <h2><a href="/us-china/2026-11-') == 2
    assert "Draft words" not in newest
    assert 'rel="next" href="/us-china/2026/10/"' in newest
    october = page(client, "/us-china/2026/10/")
    assert "Editions of October 2026" in october
    assert "/us-china/2026-10-02/" in october and "/us-china/2026-10-30/" in october
    assert "/us-china/2026-11-01/" not in october
    assert 'rel="prev" href="/us-china/2026/11/"' in october
    assert 'rel="next" href="/us-china/2026/09/"' in october
    page(client, "/us-china/2026/08/", 404)  # no editions that month
    page(client, "/us-china/2026/13/", 404)
    page(client, "/no-such-topic/", 404)


def test_an_active_topic_without_editions_has_an_empty_archive(client, topic):
    assert "No edition of US vs China is published yet." in page(client, "/us-china/")
    Topic.objects.filter(pk=topic.pk).update(active=False)
    cache.clear()  # the topic admin renews the public pages (tested with the admin)
    page(client, "/us-china/", 404)


def test_topic_slugs_cannot_take_the_sites_own_paths():
    topic = Topic(slug="search", name="Search")
    with pytest.raises(ValidationError, match="site's own paths"):
        topic.full_clean()


# --- Outlet pages -----------------------------------------------------------------------


def test_an_outlet_page_shows_its_placements_and_cited_articles(client, topic, publisher):
    make_published_digest(
        topic, DAY, publisher=publisher, outlet="xinhua.example", article_title="Xinhua {n}"
    )
    draft = make_unpublished(topic, "2026-11-21")
    cited_in_draft = DigestArticle.objects.filter(digest__status="published").first()
    DigestArticle.objects.create(
        digest=draft,
        article=cited_in_draft.article,
        position=1,
        perspective=perspective(topic, "china"),
        cited_title="Only in a draft",
        cited_url="https://xinhua.example/draft",
        cited_outlet="xinhua.example",
    )
    source = cited_in_draft.article.source
    placement = Placement.objects.create(topic=topic, source=source)
    placement_set(placement=placement, perspective=perspective(topic, "china"), user=publisher)
    html = page(client, "/outlets/xinhua.example/")
    assert "<h1>xinhua.example</h1>" in html
    assert ">US vs China</a>: China</li>" in html
    assert html.count("Xinhua ") >= 4
    assert "cited as [1] in" in html
    assert f'href="/us-china/{DAY}/#source-1"' in html
    assert "Only in a draft" not in html
    assert publisher.username not in html  # who placed it is the desk's business
    page(client, "/outlets/XINHUA.example/")  # domains are case-insensitive
    page(client, "/outlets/unknown.example/", 404)


def test_an_outlet_cited_only_in_drafts_or_excluded_has_no_page(client, topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    DigestArticle.objects.filter(digest=digest, position=2).update(included=False)
    page(client, "/outlets/outlet1.example/")
    page(client, "/outlets/outlet2.example/", 404)  # excluded from the source list


# --- Search -----------------------------------------------------------------------------


def test_search_finds_published_digests_and_marks_the_words(client, topic, publisher):
    make_published_digest(
        topic, DAY, publisher=publisher, us_body="- Semiconductor export controls tightened [1]"
    )
    make_published_digest(topic, "2026-11-19", publisher=publisher)
    make_unpublished(topic)
    html = page(client, "/search/?q=semiconductor+export")
    assert "1 digest matches “semiconductor export”." in html
    assert f'href="/us-china/{DAY}/"' in html
    assert re.search(r"<mark>Semiconductor</mark>", html, re.IGNORECASE)
    assert "0 digests match" in page(client, "/search/?q=secret+draft+highlight")
    assert "0 digests match" in page(client, "/search/?q=zeppelin")
    assert "Type a few words" in page(client, "/search/")


def test_search_escapes_what_readers_type(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    html = page(client, "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_search_pages_are_never_stored(client, topic, publisher, django_assert_num_queries):
    make_published_digest(topic, DAY, publisher=publisher)
    client.get("/search/?q=rules")
    with django_assert_num_queries(2):  # counted and listed again: made-up URLs fill no cache
        client.get("/search/?q=rules")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_search_on_postgresql_matches_word_forms(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher, us_body="- Tariffs were raised [1]")
    assert "1 digest matches" in page(client, "/search/?q=tariff+raising")


# --- Sitemap, robots, headers ---------------------------------------------------------------


def test_the_sitemap_lists_published_digests_and_topics_only(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    make_unpublished(topic)
    make_topic("quiet", "Quiet topic")
    xml = page(client, "/sitemap.xml")
    assert "<loc>http://testserver/</loc>" in xml
    assert "<loc>http://testserver/us-china/</loc>" in xml
    assert f"<loc>http://testserver/us-china/{DAY}/</loc>" in xml
    assert "2026-11-21" not in xml
    assert "/quiet/" not in xml


def test_robots_keeps_crawlers_out_of_the_desk_and_points_at_the_sitemap(client):
    text = page(client, "/robots.txt")
    assert "Disallow: /admin/" in text
    assert "Disallow: /preview/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_public_pages_send_security_and_cache_headers(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    response = client.get(f"/us-china/{DAY}/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    assert client.post(f"/us-china/{DAY}/").status_code == 405


# --- Nothing unescaped, nothing private -------------------------------------------------------

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_text_from_feeds_and_editors_never_reaches_a_page_unescaped(client, publisher):
    topic = make_topic("xss", f"Topic {PAYLOAD}", description=PAYLOAD)
    make_published_digest(
        topic,
        DAY,
        publisher=publisher,
        title=f"Title {PAYLOAD}",
        highlights=f"- High {PAYLOAD} [1]\n- [click](javascript:alert(3)) [1]",
        us_body="- <iframe src=https://evil.example/></iframe> [1]",
        china_body='- <svg onload="alert(4)"></svg> [3]',
        outlet="evil.example",
        article_title=f"Cited {PAYLOAD}",
    )
    DigestArticle.objects.filter(position=2).update(cited_url="javascript:alert(5)")
    from sources.models import Source

    Source.objects.filter(domain="evil.example").update(name=f"Outlet {PAYLOAD}")
    for url in ("/", "/xss/", f"/xss/{DAY}/", "/outlets/evil.example/", "/search/?q=High"):
        html = page(client, url)
        tree = lxml.html.fromstring(html)
        assert not tree.xpath("//script | //iframe | //svg[@onload] | //object | //embed"), url
        handlers = [a for el in tree.iter() for a in el.attrib if a.lower().startswith("on")]
        assert handlers == [], url
        links = tree.xpath("//@href | //@src")
        assert not [link for link in links if link.strip().lower().startswith("javascript:")]
        assert "<script>alert" not in html, url


def test_public_pages_never_show_editors_names_or_excluded_articles(client, topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher, articles=6)
    DigestArticle.objects.filter(digest=digest, position=6).update(
        included=False, cited_title="Excluded story"
    )
    for url in ("/", "/us-china/", f"/us-china/{DAY}/", "/feeds/atom/", "/search/?q=rules"):
        html = page(client, url)
        assert publisher.username not in html, url
        assert "Excluded story" not in html, url


# --- Query counts and caching ----------------------------------------------------------------

PAGES = {
    "home": "/",
    "digest": f"/us-china/{DAY}/",
    "markdown": f"/us-china/{DAY}.md",
    "archive": "/us-china/",
    "month": "/us-china/2026/11/",
    "outlet": "/outlets/outlet1.example/",
    "search": "/search/?q=rules",
    "sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
}


def site_with(digests: int, articles: int) -> None:
    topic = make_topic()
    publisher = make_publisher(f"publisher-{digests}")
    for n in range(digests):
        make_published_digest(
            topic, f"2026-11-{20 - n:02d}", articles=articles, publisher=publisher
        )


def queries_for(url: str, client, settings) -> int:
    settings.DIGESTCMS_PAGE_CACHE = False
    client.get(url)  # warm what Django caches per process (content types, templates)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_costs_the_same_queries_whatever_the_size(name, client, settings):
    site_with(digests=1, articles=2)
    small = queries_for(PAGES[name], client, settings)
    DigestArticle.objects.all().delete()
    Digest.objects.all().delete()
    Topic.objects.all().delete()
    site_with(digests=12, articles=30)
    assert queries_for(PAGES[name], client, settings) == small
    assert small <= 6


def test_an_uncached_digest_page_costs_three_queries(client, settings):
    site_with(digests=3, articles=30)
    # The edition with its neighbours' dates, its sources, its sections.
    assert queries_for(f"/us-china/{DAY}/", client, settings) == 3


def test_a_cached_page_costs_no_query_and_publishing_renews_it(
    client, topic, publisher, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_published_digest(topic, DAY, publisher=publisher)
    first = client.get("/")
    with django_assert_num_queries(0):
        again = client.get("/")
    assert again.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        make_published_digest(topic, "2026-11-21", publisher=publisher)
    renewed = client.get("/")
    assert "US vs China News - 2026-11-21" in renewed.content.decode()
    assert renewed["ETag"] != first["ETag"]


def test_withdrawing_takes_a_digest_off_cached_pages(
    client, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    assert "US vs China News - 2026-11-20" in page(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_withdraw(digest=digest, user=publisher, reason="Published too early")
    assert "US vs China News - 2026-11-20" not in page(client, "/")
    page(client, f"/us-china/{DAY}/", 404)


def test_conditional_get_answers_304_until_something_public_changes(
    client, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    url = f"/us-china/{DAY}/"
    first = client.get(url)
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(digest=digest, user=publisher, note="Fixed a name.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Fixed a name." in changed.content.decode()


def test_an_editors_placement_renews_outlet_pages(
    client, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    source = DigestArticle.objects.get(digest=digest, position=1).article.source
    placement = Placement.objects.create(topic=topic, source=source)
    assert ">US vs China</a>: China" not in page(client, "/outlets/outlet1.example/")
    with django_capture_on_commit_callbacks(execute=True):
        placement_set(placement=placement, perspective=perspective(topic, "china"), user=publisher)
    assert ">US vs China</a>: China" in page(client, "/outlets/outlet1.example/")


def test_the_admins_view_on_site_opens_the_preview_until_published(client, topic, publisher):
    draft = make_unpublished(topic)
    published = make_published_digest(topic, DAY, publisher=publisher)
    client.force_login(publisher)
    draft_page = client.get(f"/admin/digests/digest/{draft.pk}/change/").content.decode()
    assert f'href="/preview/digests/{draft.pk}/' in draft_page
    page_html = client.get(f"/admin/digests/digest/{published.pk}/change/").content.decode()
    assert f'href="/us-china/{DAY}/" class="viewsitelink"' in page_html


def test_made_up_query_strings_share_one_rendering(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    first = client.get("/feeds/atom/?utm_source=a")
    for junk in ("?utm_source=b", "?x=1", ""):
        assert client.get(f"/feeds/atom/{junk}")["ETag"] == first["ETag"]
    assert (
        client.get("/outlets/outlet1.example/?page=2")["ETag"]
        != client.get("/outlets/outlet1.example/")["ETag"]
    )  # the page number is read by the view, so it is part of the key


def test_two_changes_in_one_second_still_move_last_modified(
    client, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    url = f"/us-china/{DAY}/"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(digest=digest, user=publisher, note="First fix.")
    first = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(digest=digest, user=publisher, note="Second fix.")
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert "Second fix." in again.content.decode()


def test_a_page_served_again_skips_the_view_but_keeps_every_header(
    client, topic, publisher, monkeypatch, django_assert_num_queries
):
    from digests import caching

    make_published_digest(topic, DAY, publisher=publisher)
    url = f"/us-china/{DAY}/"
    first = client.get(url)
    assert caching.LOCAL.size > 0  # kept by PublicPageMiddleware

    def view_reached(*args):
        raise AssertionError("the kept page should answer before the view")

    monkeypatch.setattr(caching, "_cached", view_reached)
    with django_assert_num_queries(0):
        again = client.get(url)
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.content == first.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Cache-Control"):
        assert again[header] == first[header], header
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"]


def test_only_public_pages_without_cookies_are_kept_in_the_process(rf):
    from django.http import HttpResponse

    from digests.caching import LOCAL, PublicPageMiddleware, public_stamp

    def answer(cookie: bool, public: bool = True):
        def view(request):
            response = HttpResponse("page")
            if public:
                response.public_stamp = public_stamp()
            if cookie:
                response.set_cookie("sessionid", "secret")
            return response

        return view

    PublicPageMiddleware(answer(cookie=True))(rf.get("/a/"))
    PublicPageMiddleware(answer(cookie=False, public=False))(rf.get("/b/"))
    assert LOCAL.size == 0
    PublicPageMiddleware(answer(cookie=False))(rf.get("/c/"))
    assert LOCAL.size == len(b"page")


def test_an_outlet_renamed_in_the_admin_shows_its_new_name_at_once(
    admin_client, client, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    source = DigestArticle.objects.get(digest=digest, position=1).article.source
    url = f"/outlets/{source.domain}/"
    first = client.get(url)
    assert "Harbour Daily Wire" not in first.content.decode()
    change = f"/admin/sources/source/{source.pk}/change/"
    data = admin_form(admin_client, change, "source_form", name="Harbour Daily Wire")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change, data)
    assert response.status_code == 302
    renamed = client.get(url)
    assert "<h1>Harbour Daily Wire</h1>" in renamed.content.decode()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_many_changes_in_one_transaction_renew_the_stamp_once(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from digests.caching import SECOND, _StampOnce, public_changed, public_stamp

    def queued() -> set:
        return {c for _, c, _ in connection.run_on_commit if isinstance(c, _StampOnce)}

    before = public_stamp()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(50):  # fifty rows saved from one list
            public_changed()
    assert len(callbacks) == 50 and len(set(callbacks)) == 1
    assert before < public_stamp() <= max(before, time.time_ns()) + SECOND  # not 50 s ahead
    with django_capture_on_commit_callbacks(execute=True):
        public_changed()  # the next transaction's change moves it again
    assert public_stamp() > before + SECOND - 1
    with transaction.atomic():
        with transaction.atomic():
            public_changed()
            transaction.set_rollback(True)  # this change is undone, and its stamp with it
        assert not {c for c in queued() if not c.done}
        public_changed()
        assert len({c for c in queued() if not c.done}) == 1
