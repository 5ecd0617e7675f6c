"""Who may do what: anonymous visitors and Editors try everything they may not use.

Every admin URL is enumerated from the admin site itself, so a new admin page is covered
the day it is added.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from digests import workflow
from digests.models import Digest, DigestEvent
from digests.views import preview_url
from tests.factories import make_feed, make_published_digest, make_publisher

pytestmark = pytest.mark.django_db

S = Digest.Status
PUBLISHER_STEPS = ["publish", "schedule", "withdraw", "correct"]
NOT_GUARDED = {"login", "logout"}  # the doors themselves


def admin_patterns(patterns=None, prefix: str = "") -> list[tuple[str, str]]:
    """Every named admin URL as (name, route), the model admins' own ones included."""
    found = []
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += admin_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((pattern.name, route))
    return found


def concrete(route: str, pk: int) -> str:
    """A route with every converter filled: ids with ``pk``, other parts with plausible text."""
    route = re.sub(r"<path:object_id>|<int:[a-z_]+>|<str:object_id>", str(pk), route)
    route = re.sub(r"<[^>]+>", "x", route)
    route = route.replace("^", "").replace("$", "")
    return "/admin/" + route


@pytest.fixture
def digest():
    return make_published_digest()


@pytest.fixture
def editor():
    user = User.objects.create_user("edith", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_has_the_pages_we_guard():
    names = {name for name, _ in admin_patterns()}
    assert len(names) > 60
    assert {"digests_digest_publish", "digests_digest_changelist", "index"} <= names


def test_anonymous_visitors_are_sent_to_the_login_from_every_admin_url(client, digest):
    checked = 0
    for name, route in admin_patterns():
        if name in NOT_GUARDED:
            continue
        url = concrete(route, digest.pk)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, url, response.status_code)
            assert response["Location"].startswith("/admin/login/"), (name, url)
            checked += 1
    assert checked > 120
    assert Digest.objects.get().status == S.PUBLISHED


def test_logged_in_non_staff_users_get_no_admin_page(digest):
    reader = as_user(User.objects.create_user("reader", password="pw"))
    for name, route in admin_patterns():
        if name in NOT_GUARDED:
            continue
        response = reader.get(concrete(route, digest.pk))
        assert response.status_code == 302, name
        assert response["Location"].startswith("/admin/login/"), name


def test_markdownx_endpoints_refuse_anyone_but_staff(client, digest):
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    reader = as_user(User.objects.create_user("reader", password="pw"))
    for who in (client, reader):
        assert who.post(reverse("markdownx_markdownify"), {"content": "**x**"}).status_code == 403
        png.seek(0)
        assert who.post(reverse("markdownx_upload"), {"image": png}).status_code == 403
        assert who.get(reverse("markdownx_markdownify")).status_code == 403


def test_previews_need_staff_and_the_signed_link(client, editor):
    draft = Digest.objects.create(
        topic=make_published_digest().topic, edition_date="2026-11-21", title="Draft", slug="d"
    )
    url = preview_url(draft)
    assert client.get(url)["Location"].startswith("/admin/login/")
    reader = as_user(User.objects.create_user("reader", password="pw"))
    assert reader.get(url).status_code == 403
    staff = as_user(editor)
    assert staff.get(url).status_code == 200
    forged = url.replace(url.rstrip("/").rsplit("/", 1)[1], "forged")
    assert staff.get(forged).status_code == 404


def test_an_editor_cannot_add_or_delete_anything_or_see_what_is_not_theirs(editor, digest):
    make_feed()
    client = as_user(editor)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert client.get(add).status_code == 403, add
        assert client.post(add, {}).status_code == 403, add
        obj = model._default_manager.first()
        if obj is not None:
            delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
            assert client.post(delete, {"post": "yes"}).status_code == 403, delete
            assert model._default_manager.filter(pk=obj.pk).exists()
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        may_view = model_admin.has_view_permission(_request(editor))
        assert client.get(changelist).status_code == (200 if may_view else 403), changelist


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("step", PUBLISHER_STEPS)
def test_an_editor_cannot_use_a_publishers_step(step, editor):
    in_review = make_published_digest()
    Digest.objects.filter(pk=in_review.pk).update(status=S.IN_REVIEW)
    published = make_published_digest(day="2026-11-21", topic=in_review.topic)
    client = as_user(editor)
    events = DigestEvent.objects.count()
    for digest in (in_review, published):
        url = reverse(f"admin:digests_digest_{step}", args=[digest.pk])
        form = {"note": "x", "reason": "x", "at": "2030-01-01T06:00", "highlights": "- y [1]"}
        client.get(url)
        client.post(url, form)
    assert Digest.objects.get(pk=in_review.pk).status == S.IN_REVIEW
    assert Digest.objects.get(pk=published.pk).status == S.PUBLISHED
    assert Digest.objects.get(pk=published.pk).correction_note == ""
    assert DigestEvent.objects.count() == events


def test_the_workflow_itself_refuses_editors_whatever_calls_it(editor):
    digest = make_published_digest()
    with pytest.raises(workflow.PermissionDenied):
        workflow.digest_withdraw(digest=digest, user=editor, reason="no")
    with pytest.raises(workflow.PermissionDenied):
        workflow.digest_correct(digest=digest, user=editor, note="no")
    Digest.objects.filter(pk=digest.pk).update(status=S.IN_REVIEW)
    with pytest.raises(workflow.PermissionDenied):
        workflow.digest_publish(digest=digest, user=editor)
    with pytest.raises(workflow.PermissionDenied):
        workflow.digest_save_edit(digest=digest, user=None, expected_version=digest.version)
    assert Digest.objects.get(pk=digest.pk).status == S.IN_REVIEW


def test_a_withdrawn_digest_leaves_no_trace_on_public_pages_and_feeds(client):
    publisher = make_publisher()
    kept = make_published_digest(day="2026-11-19", publisher=publisher)
    gone = make_published_digest(
        kept.topic,
        "2026-11-20",
        publisher=publisher,
        us_body="- Zanzibarian shipyard deal collapsed [1]",
        outlet="gone.example",
    )
    workflow.digest_withdraw(digest=gone, user=publisher, reason="Retracted")
    urls = [
        "/",
        "/us-china/",
        "/us-china/2026/11/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/us-china/feeds/atom/",
        "/sitemap.xml",
        kept.get_absolute_url(),
    ]
    for url in urls:
        text = client.get(url).content.decode()
        assert "Zanzibarian" not in text, url
        assert "2026-11-20" not in text, url
    assert "0 digests match" in client.get("/search/?q=Zanzibarian").content.decode()
    assert client.get("/outlets/gone.example/").status_code == 404
    assert client.get("/us-china/2026-11-20.md").status_code == 404
