"""The morning fix in the admin: find an outlet, move it in two clicks, see why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from digests import services
from digests.models import Placement
from sources import services as source_services
from tests.factories import article_via, make_feed, make_source, make_topic, perspective

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:digests_placement_changelist"


@pytest.fixture
def desk():
    """A topic with three outlets: Xinhua English, AP, and one nothing can place."""
    source_services.registry_sync()
    feed = make_feed()
    topic = make_topic(feeds=[(feed, None)])
    for domain in ("english.news.cn", "apnews.com", "thedailyharbour.example"):
        source = make_source(domain)
        article_via(feed, f"http://{domain}/a", source)
    source_services.sources_classify()
    services.placements_refresh()
    return topic


def row_data(placements, changes: dict) -> dict:
    """The changelist's list_editable form, with ``changes`` {placement: perspective pk}."""
    data = {
        "form-TOTAL_FORMS": str(len(placements)),
        "form-INITIAL_FORMS": str(len(placements)),
        "_save": "Save",
    }
    for i, p in enumerate(placements):
        data[f"form-{i}-id"] = str(p.pk)
        data[f"form-{i}-perspective"] = str(changes.get(p, p.perspective_id or ""))
    return data


def test_an_editor_moves_an_outlet_from_the_list(admin_client, desk):
    url = reverse(CHANGELIST) + f"?topic__id__exact={desk.pk}"
    page = admin_client.get(url)
    placements = list(page.context["cl"].result_list)
    xinhua = next(p for p in placements if p.source.domain == "english.news.cn")
    us = perspective(desk, "us")
    response = admin_client.post(url, row_data(placements, {xinhua: us.pk}))
    assert response.status_code == 302
    xinhua.refresh_from_db()
    assert (xinhua.perspective, xinhua.origin) == (us, Placement.Origin.EDITOR)
    services.placements_refresh()
    xinhua.refresh_from_db()
    assert xinhua.perspective == us


def test_each_row_offers_only_its_own_topics_perspectives(admin_client, desk):
    other = make_topic("eu-china", "EU vs China")
    page = admin_client.get(reverse(CHANGELIST))
    form = page.context["cl"].formset.forms[0]
    assert set(form.fields["perspective"].queryset) == set(desk.perspectives.all())
    assert not set(form.fields["perspective"].queryset) & set(other.perspectives.all())


def test_bulk_place_under_and_exclude_actions(admin_client, desk):
    url = reverse(CHANGELIST)
    ids = list(desk.placements.values_list("pk", flat=True))
    china = perspective(desk, "china")
    confirm = admin_client.post(url, {"action": "place_under", "_selected_action": ids})
    assert b"Place outlets under a perspective" in confirm.content
    admin_client.post(
        url,
        {
            "action": "place_under",
            "_selected_action": ids,
            "apply": "1",
            "perspective": china.pk,
            "reason": "all Chinese",
        },
    )
    assert set(desk.placements.values_list("perspective", "origin").distinct()) == {
        (china.pk, "editor")
    }
    admin_client.post(url, {"action": "exclude_from_topic", "_selected_action": ids[:1]})
    assert desk.placements.filter(excluded=True).count() == 1


def test_filters_search_and_recent_article_counts(admin_client, desk):
    url = reverse(CHANGELIST)
    review = admin_client.get(url + "?review=needed").context["cl"].result_list
    assert [p.source.domain for p in review] == ["thedailyharbour.example"]
    found = admin_client.get(url + "?q=news.cn").context["cl"].result_list
    assert [p.source.domain for p in found] == ["english.news.cn"]
    by_origin = admin_client.get(url + "?origin__exact=registry").context["cl"].result_list
    assert {p.source.domain for p in by_origin} == {"english.news.cn", "apnews.com"}
    desk.placements.update(decided_at=timezone.now() - timedelta(days=30))
    assert len(admin_client.get(url + "?changed=week").context["cl"].result_list) == 0
    rows = admin_client.get(url).context["cl"].result_list
    assert {p.n_recent for p in rows} == {0}  # the factories' articles have no date
    desk.placements.first().source.articles.update(published_at=timezone.now())
    rows = admin_client.get(url).context["cl"].result_list
    assert sorted(p.n_recent for p in rows) == [0, 0, 1]


def test_the_placements_list_costs_the_same_queries_for_3_or_30_outlets(
    admin_client, desk, django_assert_max_num_queries
):
    url = reverse(CHANGELIST)
    with django_assert_max_num_queries(20) as small:
        admin_client.get(url)
    feed = desk.feeds.first()
    for i in range(27):
        article_via(feed, f"http://outlet{i}.example/a", make_source(f"outlet{i}.example"))
    services.placements_refresh()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(admin_client.get(url).context["cl"].result_list) == 30


def test_the_admin_index_shows_how_many_outlets_need_review(admin_client, desk):
    page = admin_client.get(reverse("admin:index"))
    assert b"<strong>1</strong> outlet needs review" in page.content
    assert b"?review=needed" in page.content


def test_the_outlet_page_shows_its_placements_and_their_history(admin_client, desk, admin_user):
    xinhua = desk.placements.get(source__domain="english.news.cn")
    services.placement_set(
        placement=xinhua, excluded=True, user=admin_user, reason="state media test"
    )
    page = admin_client.get(reverse("admin:sources_source_change", args=[xinhua.source_id]))
    html = page.content.decode()
    assert "Placement history" in html
    assert "China → excluded" in html
    assert "state media test" in html
    assert "US vs China" in html


def test_the_topic_page_edits_perspectives_and_feeds_inline(admin_client, desk):
    page = admin_client.get(reverse("admin:digests_topic_change", args=[desk.pk]))
    assert page.status_code == 200
    formsets = {f.formset.prefix for f in page.context["inline_admin_formsets"]}
    assert formsets == {"perspectives", "topicfeed_set"}


def test_an_outlets_country_set_in_the_sources_list_places_it_at_once(admin_client, desk):
    """The quick path from Sources: the country column, Save; no command to run after."""
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    assert harbour.perspective is None  # nothing could place it
    url = reverse("admin:sources_source_changelist") + "?q=thedailyharbour"
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(harbour.source_id),
        "form-0-country": "CN",
        "_save": "Save",
    }
    assert admin_client.post(url, data).status_code == 302
    harbour.refresh_from_db()
    assert harbour.perspective == perspective(desk, "china")
    assert harbour.origin == Placement.Origin.COUNTRY
    assert harbour.source.country_origin == harbour.source.CountryOrigin.EDITOR


def test_an_outlet_saved_without_a_new_country_keeps_its_placement(admin_client, desk):
    xinhua = desk.placements.get(source__domain="english.news.cn")
    services.placement_set(placement=xinhua, perspective=perspective(desk, "us"), user=None)
    url = reverse("admin:sources_source_changelist") + "?q=english.news.cn"
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(xinhua.source_id),
        "form-0-country": "US",  # an editor's country never moves an editor's placement
        "form-0-state_affiliated": "on",
        "_save": "Save",
    }
    assert admin_client.post(url, data).status_code == 302
    xinhua.refresh_from_db()
    assert (xinhua.perspective, xinhua.origin) == (perspective(desk, "us"), Placement.Origin.EDITOR)
