"""The morning fix in the admin: find an outlet, move it in two clicks, see why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from digests import services
from digests.models import Placement
from sources import services as source_services
from sources.models import KnownOutlet, Source
from tests.factories import (
    admin_form,
    article_via,
    make_feed,
    make_source,
    make_topic,
    perspective,
)

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


def sources_list_save(client, source, **columns):
    """The Sources list with one row, its editable columns as given, and Save."""
    url = reverse("admin:sources_source_changelist") + f"?q={source.domain}"
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "_save": "Save"}
    data["form-0-id"] = str(source.pk)
    data.update({f"form-0-{name}": value for name, value in columns.items()})
    return client.post(url, data)


def test_an_outlets_country_set_in_the_sources_list_places_it_at_once(admin_client, desk):
    """The quick path from Sources: the country column, Save; no command to run after."""
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    assert harbour.perspective is None  # nothing could place it
    assert sources_list_save(admin_client, harbour.source, country="cn ").status_code == 302
    harbour.refresh_from_db()
    assert (harbour.perspective, harbour.origin) == (
        perspective(desk, "china"),
        Placement.Origin.COUNTRY,
    )
    assert (harbour.source.country, harbour.source.country_origin) == ("CN", "editor")


def test_a_country_that_is_not_a_code_is_refused_with_the_reason(admin_client, desk):
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    for typed in ("China", "C1"):
        response = sources_list_save(admin_client, harbour.source, country=typed)
        assert response.status_code == 200
        assert "Two letters (ISO 3166-1)" in response.content.decode()
    harbour.source.refresh_from_db()
    assert harbour.source.country == ""


def test_an_outlet_saved_without_a_new_country_keeps_its_editor_placement(admin_client, desk):
    xinhua = desk.placements.get(source__domain="english.news.cn")
    services.placement_set(placement=xinhua, perspective=perspective(desk, "us"), user=None)
    response = sources_list_save(admin_client, xinhua.source, country="US", state_affiliated="on")
    assert response.status_code == 302
    xinhua.refresh_from_db()
    assert (xinhua.perspective, xinhua.origin) == (perspective(desk, "us"), Placement.Origin.EDITOR)


def test_an_outlets_domain_corrected_in_its_page_is_classified_and_placed_anew(admin_client, desk):
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    change = reverse("admin:sources_source_change", args=[harbour.source_id])
    data = admin_form(admin_client, change, "source_form", domain="WWW.BJReview.com")
    assert admin_client.post(change, data).status_code == 302
    harbour.refresh_from_db()
    assert harbour.source.domain == "bjreview.com"
    assert (harbour.source.country, harbour.source.state_affiliated) == ("CN", True)
    assert (harbour.perspective, harbour.origin) == (
        perspective(desk, "china"),
        Placement.Origin.REGISTRY,
    )


def test_a_known_outlet_added_by_an_editor_places_its_outlets_at_once(admin_client, desk):
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    data = {"domain": "TheDailyHarbour.example", "name": "Daily Harbour", "country": "CN"}
    add = reverse("admin:sources_knownoutlet_add")
    assert admin_client.post(add, data).status_code == 302
    harbour.refresh_from_db()
    assert (harbour.perspective, harbour.origin) == (
        perspective(desk, "china"),
        Placement.Origin.REGISTRY,
    )
    assert harbour.source.name == "Daily Harbour"  # it was still named by its domain
    known = KnownOutlet.objects.get(domain="thedailyharbour.example")
    delete = reverse("admin:sources_knownoutlet_delete", args=[known.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    harbour.refresh_from_db()
    assert (harbour.perspective, harbour.origin) == (None, Placement.Origin.NONE)


def test_an_article_moved_to_another_outlet_places_that_outlet_at_once(admin_client, desk):
    harbour = desk.placements.get(source__domain="thedailyharbour.example")
    other = make_source("harbour.example.cn")
    source_services.sources_classify()  # .cn: China
    article = harbour.source.articles.get()
    change = reverse("admin:sources_article_change", args=[article.pk])
    data = admin_form(admin_client, change, "article_form", source=str(other.pk))
    assert admin_client.post(change, data).status_code == 302
    placed = Placement.objects.get(topic=desk, source=other)
    assert (placed.perspective, placed.origin) == (
        perspective(desk, "china"),
        Placement.Origin.COUNTRY,
    )


def test_an_editors_state_affiliated_flag_survives_every_reclassification(admin_client, desk):
    """The registry calls Xinhua state media; an editor who says otherwise keeps the last word."""
    xinhua = Source.objects.get(domain="english.news.cn")
    response = sources_list_save(admin_client, xinhua, country=xinhua.country)  # flag unticked
    assert response.status_code == 302
    source_services.sources_classify()  # what place_sources runs
    source_services.sources_reclassify_under(["news.cn"])  # what a registry edit runs
    xinhua.refresh_from_db()
    assert (xinhua.state_affiliated, xinhua.country_origin) == (False, "editor")


def test_known_outlets_are_taken_as_typed_and_refused_with_a_reason(admin_client, desk):
    add = reverse("admin:sources_knownoutlet_add")
    for domain, country, error in (
        ("www.News.cn", "cn", "Known outlet with this Domain already exists."),
        ("com", "US", "A whole domain, such as xinhuanet.com."),
        ("harbour.example", "China", "Two letters (ISO 3166-1)"),
    ):
        response = admin_client.post(add, {"domain": domain, "name": "X", "country": country})
        assert response.status_code == 200, domain
        assert error in response.content.decode(), domain
    data = {"domain": "www.Harbour.example", "name": "Harbour", "country": "cn"}
    assert admin_client.post(add, data).status_code == 302
    known = KnownOutlet.objects.get(domain="harbour.example")
    assert (known.country, known.added_by_editor) == ("CN", True)


def test_a_shipped_known_outlet_cannot_be_deleted_only_changed(admin_client, desk):
    shipped = KnownOutlet.objects.get(domain="news.cn")
    delete = reverse("admin:sources_knownoutlet_delete", args=[shipped.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:sources_knownoutlet_changelist")
    action = {"action": "delete_selected", "_selected_action": [shipped.pk], "post": "yes"}
    admin_client.post(changelist, action)
    assert KnownOutlet.objects.filter(pk=shipped.pk).exists()  # the next sync would restore it


def test_a_shipped_known_outlet_keeps_its_domain_so_no_sync_brings_it_back(admin_client, desk):
    shipped = KnownOutlet.objects.get(domain="news.cn")
    change = reverse("admin:sources_knownoutlet_change", args=[shipped.pk])
    delete = reverse("admin:sources_knownoutlet_delete", args=[shipped.pk])
    for country in ("", "HK"):  # once an editor's entry, still the file's domain
        page = admin_client.get(change)
        assert "domain" not in page.context["adminform"].form.fields  # shown, not editable
        data = admin_form(
            admin_client, change, "knownoutlet_form", domain="other.example", country=country
        )
        assert admin_client.post(change, data).status_code == 302
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    shipped.refresh_from_db()
    assert (shipped.domain, shipped.country, shipped.added_by_editor) == ("news.cn", "HK", True)
    source_services.registry_sync()  # the file still lists news.cn: the editor's entry stays
    assert KnownOutlet.objects.filter(domain="news.cn").get().country == "HK"
    assert not KnownOutlet.objects.filter(domain="other.example").exists()


def test_an_editors_own_known_outlet_can_be_moved_and_deleted(admin_client, desk):
    own = KnownOutlet.objects.create(
        domain="harbour.example", name="Harbour", country="GB", added_by_editor=True
    )
    change = reverse("admin:sources_knownoutlet_change", args=[own.pk])
    data = admin_form(admin_client, change, "knownoutlet_form", domain="harbour-news.example")
    assert admin_client.post(change, data).status_code == 302
    own.refresh_from_db()
    assert own.domain == "harbour-news.example"
    delete = reverse("admin:sources_knownoutlet_delete", args=[own.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not KnownOutlet.objects.filter(pk=own.pk).exists()
