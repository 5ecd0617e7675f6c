"""Which perspective an outlet speaks for: rules, precedence, and editors' authority."""

import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from digests import services
from digests.models import Placement, PlacementChange
from sources import services as source_services
from sources.models import Source
from tests.factories import article_via, make_feed, make_source, make_topic, perspective

pytestmark = pytest.mark.django_db

LABELLED = Path(__file__).resolve().parent.parent / "data" / "labelled_outlets.csv"


@pytest.fixture
def registry():
    source_services.registry_sync()


@pytest.fixture
def feed():
    return make_feed("http://news.google.com/rss/search?q=US+China")


def placed(topic, source) -> Placement:
    return Placement.objects.select_related("perspective").get(topic=topic, source=source)


def outlet(domain, feed, name=""):
    source = make_source(domain, name or domain)
    source_services.sources_classify(sources=Source.objects.filter(pk=source.pk))
    article_via(feed, f"http://{domain}/story-{domain}", source)
    return Source.objects.get(pk=source.pk)


@pytest.mark.usefixtures("registry")
def test_registry_beats_the_us_edition_feed_default_for_xinhua_and_cgtn(feed):
    topic = make_topic(feeds=[(feed, "us")])
    xinhua = outlet("english.news.cn", feed, "新华网")
    cgtn = outlet("newsus.cgtn.com", feed)
    local = outlet("springfieldgazette.com", feed)
    services.placements_refresh()
    assert placed(topic, xinhua).perspective.slug == "china"
    assert placed(topic, xinhua).origin == Placement.Origin.REGISTRY
    assert placed(topic, cgtn).perspective.slug == "china"
    assert (placed(topic, local).perspective.slug, placed(topic, local).origin) == ("us", "feed")


@pytest.mark.usefixtures("registry")
def test_country_from_the_top_level_domain_places_an_unknown_outlet(feed):
    topic = make_topic(feeds=[(feed, None)])
    source = outlet("lakesidetribune.com.cn", feed)
    services.placements_refresh()
    assert source.country == "CN"
    assert source.country_origin == Source.CountryOrigin.TLD
    assert (placed(topic, source).perspective.slug, placed(topic, source).origin) == (
        "china",
        "country",
    )


@pytest.mark.usefixtures("registry")
def test_an_outlet_nothing_places_needs_review(feed):
    topic = make_topic(feeds=[(feed, None)])
    source = outlet("thedailyharbour.example", feed)
    services.placements_refresh()
    assert placed(topic, source).label == "needs review"
    assert topic.placements.needs_review().count() == 1


@pytest.mark.usefixtures("registry")
def test_feeds_disagreeing_on_a_default_leave_the_outlet_for_review(feed):
    other = make_feed("http://feeds.example.com/china.xml")
    topic = make_topic(feeds=[(feed, "us"), (other, "china")])
    source = outlet("nordicwire.org", feed)
    article_via(other, "http://nordicwire.org/another", source)
    services.placements_refresh()
    assert placed(topic, source).label == "needs review"


@pytest.mark.usefixtures("registry")
def test_automation_never_overwrites_an_editors_placement(feed, admin_user):
    topic = make_topic(feeds=[(feed, "us")])
    xinhua = outlet("english.news.cn", feed)
    services.placements_refresh()
    services.placement_set(
        placement=placed(topic, xinhua),
        perspective=perspective(topic, "us"),
        user=admin_user,
        reason="testing an override",
    )
    result = services.placements_refresh()
    call_command("place_sources")
    placement = placed(topic, xinhua)
    assert placement.perspective.slug == "us"
    assert placement.origin == Placement.Origin.EDITOR
    assert result.kept_editor == 1


@pytest.mark.usefixtures("registry")
def test_every_change_is_recorded_with_who_when_and_why(feed, admin_user):
    topic = make_topic(feeds=[(feed, "us")])
    cgtn = outlet("news.cgtn.com", feed)
    services.placements_refresh()
    services.placement_set(
        placement=placed(topic, cgtn), excluded=True, user=admin_user, reason="off topic"
    )
    changes = list(
        PlacementChange.objects.filter(placement__source=cgtn).order_by("changed_at", "id")
    )
    assert [(c.old_label, c.new_label, c.new_origin) for c in changes] == [
        ("needs review", "China", "registry"),
        ("China", "excluded", "editor"),
    ]
    assert changes[-1].changed_by == admin_user
    assert changes[-1].reason == "off topic"


def test_a_perspective_of_another_topic_is_refused_clearly(feed):
    topic = make_topic(feeds=[(feed, None)])
    other = make_topic("eu-china", "EU vs China")
    placement = services.placement_for(topic=topic, source=make_source("example.com"))
    with pytest.raises(
        ValidationError, match="is a perspective of EU vs China, not of US vs China"
    ):
        services.placement_set(placement=placement, perspective=perspective(other, "china"))
    assert placed(topic, placement.source).origin == Placement.Origin.NONE


def test_an_excluded_placement_cannot_also_have_a_perspective(feed):
    topic = make_topic(feeds=[(feed, None)])
    placement = services.placement_for(topic=topic, source=make_source("example.com"))
    with pytest.raises(ValidationError):
        services.placement_set(
            placement=placement, perspective=perspective(topic, "us"), excluded=True
        )


@pytest.mark.usefixtures("registry")
def test_odd_outlets_are_placed_or_left_for_review_without_errors(feed):
    topic = make_topic(feeds=[(feed, None)])
    odd = [
        outlet("news.cgtn.com", feed, name="news.cgtn.com"),  # the name is a domain
        outlet("xn--fiqs8s.xn--fiqs8s", feed, name="中国新闻"),  # IDN, non-ASCII name
        outlet("localhost", feed),  # no dot at all
    ]
    services.placements_refresh()
    labels = {s.domain: placed(topic, s).label for s in odd}
    assert labels == {
        "news.cgtn.com": "China",
        "xn--fiqs8s.xn--fiqs8s": "China",
        "localhost": "needs review",
    }
    assert Source.objects.get(domain="news.cgtn.com").name == "CGTN"
    assert Source.objects.get(domain="xn--fiqs8s.xn--fiqs8s").name == "中国新闻"


@pytest.mark.usefixtures("registry")
def test_an_editors_country_for_an_outlet_is_never_reclassified(feed):
    topic = make_topic(feeds=[(feed, None)])
    source = outlet("thedailyharbour.example", feed)
    Source.objects.filter(pk=source.pk).update(
        country="US", country_origin=Source.CountryOrigin.EDITOR
    )
    call_command("place_sources")
    source.refresh_from_db()
    assert source.country == "US"
    assert (placed(topic, source).perspective.slug, placed(topic, source).origin) == (
        "us",
        "country",
    )


@pytest.mark.usefixtures("registry")
def test_merging_outlets_keeps_the_editors_placement(feed, admin_user):
    topic = make_topic(feeds=[(feed, "us")])
    keep = outlet("xinhuanet.com", feed)
    dup = outlet("springfieldgazette.com", feed)
    services.placements_refresh()
    services.placement_set(placement=placed(topic, dup), excluded=True, user=admin_user)
    source_services.source_merge(keep=keep, merge=[dup])
    placement = placed(topic, keep)
    assert placement.excluded and placement.origin == Placement.Origin.EDITOR
    assert Placement.objects.filter(topic=topic).count() == 1
    # Both outlets' histories survive on the one placement: two automatic, one editor's.
    assert placement.changes.count() == 3


def test_labelled_outlets_land_where_they_should(feed, registry):
    """The registry's test: every labelled outlet gets its country, affiliation and perspective."""
    topic = make_topic(feeds=[(feed, None)])
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    assert len(rows) >= 60
    for row in rows:
        outlet(row["domain"], feed)
    services.placements_refresh()
    wrong = []
    for row in rows:
        source = Source.objects.get(domain=row["domain"])
        got = (
            source.country,
            "yes" if source.state_affiliated else "no",
            placed(topic, source).perspective,
        )
        want = (
            row["expected_country"],
            row["expected_state_affiliated"],
            row["expected_perspective"],
        )
        if (got[0], got[1], got[2].slug if got[2] else "") != want:
            wrong.append((row["domain"], got, want))
    assert wrong == []
    for domain in ("english.news.cn", "newsus.cgtn.com", "news.cgtn.com"):
        assert placed(topic, Source.objects.get(domain=domain)).perspective.slug == "china"


@pytest.mark.usefixtures("registry")
def test_new_articles_are_placed_right_after_ingestion(httpserver, settings):
    from sources import ingest
    from tests.factories import rss, rss_item

    settings.DIGESTCMS_FETCH_ROUTE = f"127.0.0.1:{httpserver.port}"
    httpserver.expect_request("/rss").respond_with_data(
        rss(
            rss_item(
                "http://english.news.cn/x.html",
                "Trade",
                source=("新华网", "http://english.news.cn"),
            )
        )
    )
    feed = make_feed("http://news.google.com/rss")
    topic = make_topic(feeds=[(feed, "us")])
    ingest.feed_fetch(feed)
    source = Source.objects.get(domain="english.news.cn")
    assert (source.country, source.state_affiliated) == ("CN", True)
    assert placed(topic, source).perspective.slug == "china"


@pytest.mark.django_db(transaction=True)
def test_a_refresh_locks_placements_not_the_outlets_another_worker_is_storing_against(
    registry, feed
):
    """Another worker's articles check their outlet row at COMMIT (a KEY SHARE lock); a
    refresh that locked outlet rows FOR UPDATE (through the placements' default ordering,
    which joins the outlets) waited on it while holding what that worker waited on: a
    deadlock seen between two qclusters."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: runs when the suite does (DATABASE_URL, as in .ci/run).")
    topic = make_topic(feeds=[(feed, None)])
    source = outlet("xinhuanet.com", feed)
    services.placements_refresh(topics=[topic])
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    )
    try:
        other.execute(  # an uncommitted article of that outlet, checked at its COMMIT
            "SELECT 1 FROM sources_source WHERE id = %s FOR KEY SHARE", [source.pk]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        try:
            services.placements_refresh(topics=[topic])  # waited 2 s, then failed, before
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        other.close()
    assert placed(topic, source).perspective is not None
