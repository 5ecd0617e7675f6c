"""The editor's desk in the admin: edit, renumber, conflict, publish, history, preview."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from reversion.models import Version

from digests import workflow
from digests.admin_desk import EntryRow, arrange_entries
from digests.models import Digest, DigestArticle, DigestEvent, DigestSection
from digests.views import preview_token
from tests.factories import make_article, make_source, make_topic, perspective

pytestmark = pytest.mark.django_db

S = Digest.Status
US_BODY = "- Washington acts [1]\n- Talks resume [2]"
CHINA_BODY = "- Beijing responds [3]\n- Markets calm [3, 4]"
HIGHLIGHTS = "- Both sides talk [1, 3]"
XSS = (
    "- <script>alert('x')</script> [1]\n"
    '- <iframe src="https://evil.example/"></iframe> [1]\n'
    '- <img src=x onerror="alert(1)"> [1]\n'
    "- [click](javascript:alert(1)) [1]"
)


# --- Fixtures ---------------------------------------------------------------------------


def make_user(username: str, group: str | None = None, *, staff: bool = True) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=staff)
    if group:
        user.groups.add(Group.objects.get(name=group))  # made by migration 0004
    return user


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_digest(articles: int = 4, status: str = S.DRAFT, *, off_topic: int | None = None):
    """Today's edition: the first half of the articles US, the rest China, cited in bullets."""
    topic = make_topic()
    us, china = perspective(topic, "us"), perspective(topic, "china")
    digest = Digest.objects.create(
        topic=topic,
        edition_date=timezone.localdate(timezone=topic.zone),
        title="US vs China News",
        slug="us-china-today",
        status=status,
    )
    for n in range(1, articles + 1):
        source = make_source(f"outlet{n}.example", f"Outlet {n}")
        article = make_article(f"https://outlet{n}.example/story", source=source)
        DigestArticle.objects.create(
            digest=digest,
            article=article,
            position=n,
            perspective=us if n <= articles // 2 else china,
            off_topic=n == off_topic,
            relevance=0.5,
            cited_title=f"Story {n}",
            cited_url=article.url,
            cited_outlet=f"Outlet {n}",
        )
    DigestSection.objects.create(digest=digest, perspective=us, body=US_BODY, machine_body=US_BODY)
    DigestSection.objects.create(
        digest=digest, perspective=china, body=CHINA_BODY, machine_body=CHINA_BODY
    )
    digest.highlights = digest.machine_highlights = HIGHLIGHTS
    digest.provenance = {
        "highlights": [
            {
                "text": "Both sides talk",
                "citations": [1, 3],
                "evidence": [{"number": 1, "sentence": "Officials met on Tuesday."}],
            }
        ],
        "sections": {"us": [], "china": []},
    }
    digest.save()
    return digest


@pytest.fixture
def digest():
    return make_digest()


@pytest.fixture
def editor():
    return make_user("edith", "Editor")


@pytest.fixture
def publisher():
    return make_user("pat", "Publisher")


def change_url(digest: Digest) -> str:
    return reverse("admin:digests_digest_change", args=[digest.pk])


def step_url(digest: Digest, step: str) -> str:
    return reverse(f"admin:digests_digest_{step}", args=[digest.pk])


def form_data(page, **changes) -> dict:
    """What the browser would send back from the change page, with ``changes`` applied.

    ``changes`` are form fields (``highlights``, ``section_us``…) or, for the source list,
    ``entries={position: {"included": False, "move_to": 3, "perspective": pk}}``.
    """
    form = page.context["adminform"].form
    data = {name: _value(form[name].value()) for name in form.fields}
    entries = changes.pop("entries", {})
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({key: _value(value) for key, value in formset.management_form.initial.items()})
        data = {f"{formset.prefix}-{k}" if k.isupper() else k: v for k, v in data.items()}
        for entry_form in formset.forms:
            row = {name: entry_form[name].value() for name in entry_form.fields}
            row.update(entries.get(entry_form.instance.position, {}))
            for name, value in row.items():
                if value is not False:
                    data[entry_form.add_prefix(name)] = _value(value)
    data.update(changes)
    return data


def _value(value) -> str:
    return "on" if value is True else "" if value is None else str(value)


def page_text(digest: Digest) -> dict[str, str]:
    digest.refresh_from_db()
    return {
        "highlights": digest.highlights,
        **{s.perspective.slug: s.body for s in digest.sections.select_related("perspective")},
    }


# --- The change page --------------------------------------------------------------------


def test_the_change_page_edits_markdown_with_live_preview_and_shows_each_bullets_sources(
    digest, editor
):
    page = login(editor).get(change_url(digest))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="markdownx"') == 3  # highlights and both perspectives
    assert 'data-markdownx-urls-path="/markdownx/markdownify/"' in html
    assert "markdownx/js/markdownx" in html
    assert html.count("<details") >= 5  # one per bullet
    assert "[1] Outlet 1" in html and 'href="https://outlet1.example/story"' in html
    assert "Officials met on Tuesday." in html  # the sentence the highlight came from
    assert 'name="expected_version"' in html


def test_a_citation_to_a_missing_number_is_refused_and_the_text_kept(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    typed = "- Both sides talk [1, 3]\n- A claim with no source [9]"
    response = client.post(change_url(digest), form_data(page, highlights=typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The bullet “A claim with no source” cites [9]" in html
    assert "A claim with no source [9]</textarea>" in html
    assert page_text(digest)["highlights"] == HIGHLIGHTS
    assert digest.version == 1


def test_enormous_text_is_refused_with_a_reason_and_nothing_saved(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    enormous = "- " + "word " * 20_000 + "[1]"
    response = client.post(change_url(digest), form_data(page, section_us=enormous))
    assert response.status_code == 200
    assert "Ensure this value has at most 50000 characters" in response.content.decode()
    assert page_text(digest)["us"] != enormous
    assert digest.version == 1


def test_an_edit_is_saved_through_the_workflow(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    response = client.post(change_url(digest), form_data(page, section_us="- Edited [1]"))
    assert response.status_code == 302
    assert page_text(digest)["us"] == "- Edited [1]"
    assert digest.version == 2
    assert DigestEvent.objects.filter(digest=digest, action="edit", user=editor).exists()


def test_a_stale_save_is_refused_with_a_message_and_the_text_kept(digest, editor):
    alice, bob = login(editor), login(make_user("bob", "Editor"))
    alice_page, bob_page = alice.get(change_url(digest)), bob.get(change_url(digest))
    assert (
        alice.post(change_url(digest), form_data(alice_page, section_us="- Alice [1]")).status_code
        == 302
    )
    response = bob.post(change_url(digest), form_data(bob_page, section_us="- Bob's text [2]"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this digest" in html
    assert "- Bob&#x27;s text [2]</textarea>" in html
    assert page_text(digest)["us"] == "- Alice [1]"


def test_excluding_an_article_renumbers_the_citations(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    response = client.post(change_url(digest), form_data(page, entries={2: {"included": False}}))
    assert response.status_code == 302
    text = page_text(digest)
    assert text["us"] == "- Washington acts [1]\n- Talks resume "
    assert text["china"] == "- Beijing responds [2]\n- Markets calm [2, 3]"
    assert text["highlights"] == "- Both sides talk [1, 2]"
    numbered = dict(digest.entries.values_list("cited_title", "position"))
    assert numbered == {"Story 1": 1, "Story 2": None, "Story 3": 2, "Story 4": 3}
    assert not digest.entries.get(cited_title="Story 2").included


def test_moving_an_article_up_renumbers_the_citations(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    client.post(change_url(digest), form_data(page, entries={4: {"move_to": 3}}))
    assert page_text(digest)["china"] == "- Beijing responds [4]\n- Markets calm [3, 4]"
    assert dict(digest.entries.values_list("cited_title", "position"))["Story 4"] == 3


def test_an_included_article_needs_a_perspective(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    response = client.post(change_url(digest), form_data(page, entries={2: {"perspective": ""}}))
    assert response.status_code == 200
    assert "An included article needs a perspective." in response.content.decode()
    assert digest.entries.get(cited_title="Story 2").perspective is not None


def test_moving_an_outlet_to_another_perspective_keeps_citations_on_their_articles(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    china = perspective(digest.topic, "china")
    client.post(change_url(digest), form_data(page, entries={1: {"perspective": china.pk}}))
    numbered = dict(digest.entries.values_list("cited_title", "position"))
    assert numbered == {"Story 2": 1, "Story 1": 2, "Story 3": 3, "Story 4": 4}
    assert page_text(digest)["us"] == "- Washington acts [2]\n- Talks resume [1]"


def test_arranging_moves_up_before_and_down_after_the_article_at_that_number():
    rows = [EntryRow(pk, pk, pk, True, 1) for pk in (1, 2, 3, 4)]
    rows[0] = EntryRow(1, 1, 3, True, 1)  # 1 moves down to 3
    positions, mapping = arrange_entries(rows, {1: 0})
    assert positions == {2: 1, 3: 2, 1: 3, 4: 4}
    assert mapping == {1: 3, 2: 1, 3: 2, 4: 4}
    rows = [EntryRow(pk, pk, pk, True, 1) for pk in (1, 2, 3)]
    rows[2] = EntryRow(3, 3, 1, True, 1)  # 3 moves up to 1
    assert arrange_entries(rows, {1: 0})[0] == {3: 1, 1: 2, 2: 3}


def test_the_source_list_shows_outlet_perspective_relevance_and_off_topic(editor):
    digest = make_digest(off_topic=3)
    html = login(editor).get(change_url(digest)).content.decode()
    assert "Outlet 3" in html and "0.50" in html
    assert 'name="entries-0-included"' in html and 'name="entries-0-move_to"' in html
    assert "off-topic article included" in html  # the coverage warning


# --- Roles and workflow steps -----------------------------------------------------------


def test_an_editor_sees_submit_but_not_publish(digest, editor):
    html = login(editor).get(change_url(digest)).content.decode()
    assert "Submit for review" in html and "Publish now" not in html


def test_a_publisher_sees_publish_on_a_digest_in_review(publisher, editor):
    digest = make_digest(status=S.IN_REVIEW)
    assert "Publish now" in login(publisher).get(change_url(digest)).content.decode()
    assert "Publish now" not in login(editor).get(change_url(digest)).content.decode()


def test_an_editor_submits_for_review(digest, editor):
    response = login(editor).post(step_url(digest, "submit"))
    assert response.status_code == 302
    digest.refresh_from_db()
    assert digest.status == S.IN_REVIEW


def test_an_editor_posting_the_publish_url_is_refused(editor):
    digest = make_digest(status=S.IN_REVIEW)
    client = login(editor)
    assert client.get(step_url(digest, "publish")).status_code == 403
    assert client.post(step_url(digest, "publish")).status_code == 403
    digest.refresh_from_db()
    assert digest.status == S.IN_REVIEW and digest.published_at is None


def test_anonymous_users_reach_no_desk_page(digest):
    client = Client()
    for url in [change_url(digest), step_url(digest, "publish"), step_url(digest, "changes")]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(step_url(digest, "submit")).status_code == 302
    digest.refresh_from_db()
    assert digest.status == S.DRAFT


def test_publishing_asks_for_confirmation_with_the_coverage_warnings(publisher):
    digest = make_digest(status=S.IN_REVIEW, off_topic=3)
    page = login(publisher).get(step_url(digest, "publish"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "off-topic article included" in html and "Publish now" in html
    digest.refresh_from_db()
    assert digest.status == S.IN_REVIEW  # the page alone publishes nothing


def test_a_double_submitted_publish_form_publishes_once(publisher):
    digest = make_digest(status=S.IN_REVIEW)
    client = login(publisher)
    first = client.post(step_url(digest, "publish"), follow=True)
    second = client.post(step_url(digest, "publish"), follow=True)
    assert first.status_code == second.status_code == 200
    assert "is published" in first.content.decode()
    assert "already published" in second.content.decode()
    assert DigestEvent.objects.filter(digest=digest, action="publish").count() == 1


def test_a_published_digest_is_read_only_and_offers_withdraw_and_correct(publisher):
    digest = make_digest(status=S.IN_REVIEW)
    workflow.digest_publish(digest=digest, user=publisher)
    html = login(publisher).get(change_url(digest)).content.decode()
    assert "Withdraw" in html and "Correct" in html
    assert "<textarea" not in html
    assert 'href="#source-1"' in html  # the text as published, with its citations


def test_a_publisher_corrects_a_published_digest_with_a_note(publisher):
    digest = make_digest(status=S.IN_REVIEW)
    workflow.digest_publish(digest=digest, user=publisher)
    client = login(publisher)
    page = client.get(step_url(digest, "correct"))
    data = {
        "note": "A figure was wrong.",
        "expected_version": page.context["form"]["expected_version"].value(),
        "highlights": "- Both sides talk, corrected [1, 3]",
        "section_us": US_BODY,
        "section_china": CHINA_BODY,
    }
    assert client.post(step_url(digest, "correct"), data).status_code == 302
    digest.refresh_from_db()
    assert digest.correction_note == "A figure was wrong."
    assert digest.highlights == "- Both sides talk, corrected [1, 3]"


def test_scheduling_and_withdrawing(publisher):
    digest = make_digest(status=S.IN_REVIEW)
    client = login(publisher)
    soon = (timezone.now().astimezone(digest.topic.zone) + timezone.timedelta(hours=2)).replace(
        tzinfo=None
    )
    client.post(step_url(digest, "schedule"), {"at": soon.strftime("%Y-%m-%dT%H:%M")})
    digest.refresh_from_db()
    assert digest.status == S.SCHEDULED
    client.post(step_url(digest, "withdraw"), {"reason": "Wrong day."})
    digest.refresh_from_db()
    assert digest.status == S.WITHDRAWN


# --- What changed, history, restore -----------------------------------------------------


def test_show_what_editors_changed(digest, editor):
    client = login(editor)
    page = client.get(change_url(digest))
    client.post(
        change_url(digest), form_data(page, section_china="- Beijing <b>responds</b> firmly [3]")
    )
    html = client.get(step_url(digest, "changes")).content.decode()
    assert "Machine draft" in html
    assert "- Beijing responds [3]" in html
    assert "- Beijing &lt;b&gt;responds&lt;/b&gt; firmly [3]" in html
    assert 'class="diff-replace"' in html


def save_as(client: Client, digest: Digest, **changes) -> None:
    page = client.get(change_url(digest))
    assert client.post(change_url(digest), form_data(page, **changes)).status_code == 302


def test_compare_two_revisions(digest, editor):
    client = login(editor)
    save_as(client, digest, highlights="- First version [1]")
    save_as(client, digest, highlights="- Second version [1]")
    newer, older = Version.objects.get_for_object(digest)[:2]
    url = step_url(digest, "compare") + f"?a={older.pk}&b={newer.pk}"
    html = client.get(url).content.decode()
    assert "- First version [1]" in html and "- Second version [1]" in html
    assert client.get(step_url(digest, "compare") + "?a=999999").status_code == 404
    history = client.get(reverse("admin:digests_digest_history", args=[digest.pk]))
    assert "Compare two revisions" in history.content.decode()


def test_restoring_an_older_revision_brings_its_text_back(digest, editor):
    client = login(editor)
    save_as(client, digest, highlights="- The good version [1]")
    save_as(client, digest, highlights="- A mistake [1]")
    good = next(
        v
        for v in Version.objects.get_for_object(digest)
        if v.field_dict["highlights"] == "- The good version [1]"
    )
    url = reverse("admin:digests_digest_revision", args=[digest.pk, good.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "- The good version [1]</textarea>" in page.content.decode()
    assert page_text(digest)["highlights"] == "- A mistake [1]"  # showing it changes nothing
    assert client.post(url, form_data(page)).status_code == 302
    assert page_text(digest)["highlights"] == "- The good version [1]"
    assert digest.status == S.DRAFT and digest.version == 4  # a new revision, not a rollback


def test_a_published_digest_is_not_restored_but_corrected(publisher):
    digest = make_digest(status=S.IN_REVIEW)
    workflow.digest_publish(digest=digest, user=publisher)
    version = Version.objects.get_for_object(digest).first()
    url = reverse("admin:digests_digest_revision", args=[digest.pk, version.pk])
    response = login(publisher).get(url, follow=True)
    assert "a published digest is corrected" in response.content.decode()
    digest.refresh_from_db()
    assert digest.status == S.PUBLISHED


def test_the_digest_list_renders(digest, editor):
    response = login(editor).get(reverse("admin:digests_digest_changelist"))
    assert response.status_code == 200
    assert "US vs China News" in response.content.decode()


# --- The admin index and the preview ----------------------------------------------------


def test_the_admin_index_lists_todays_editions(digest, editor):
    html = login(editor).get(reverse("admin:index")).content.decode()
    assert change_url(digest) in html
    assert "US vs China News" in html and "Draft" in html
    assert "need" in html or "Every outlet is placed" in html  # the morning fix stays


def preview(digest: Digest, token: str | None = None) -> str:
    return reverse("digest_preview", args=[digest.pk, token or preview_token(digest.pk)])


def test_staff_preview_any_digest_with_the_signed_link(digest, editor):
    response = login(editor).get(preview(digest))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview" in html and "US vs China News" in html
    assert 'id="source-1"' in html and 'href="#source-3"' in html
    assert "Officials" not in html  # provenance is for editors only


def test_a_wrong_preview_token_is_not_found(digest, editor):
    assert login(editor).get(preview(digest, "forged")).status_code == 404
    assert login(editor).get(preview(digest, preview_token(digest.pk + 1))).status_code == 404


def test_anonymous_preview_goes_to_login_and_non_staff_are_refused(digest):
    response = Client().get(preview(digest))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert login(make_user("reader", staff=False)).get(preview(digest)).status_code == 403


# --- Hostile Markdown: stored as typed, shown clean ---------------------------------------


def test_hostile_markdown_is_stored_as_typed_and_rendered_clean(digest, editor):
    client = login(editor)
    save_as(client, digest, section_us=XSS)
    assert page_text(digest)["us"] == XSS
    change_page = client.get(change_url(digest)).content.decode()
    preview_page = client.get(preview(digest)).content.decode()
    live = client.post(reverse("markdownx_markdownify"), {"content": XSS}).content.decode()
    for html in (change_page, preview_page, live):
        assert "<script>alert" not in html
        assert "<iframe" not in html
        assert not re.search(r"<img[^>]*onerror", html)
        assert 'href="javascript:' not in html


# --- markdownx's endpoints ----------------------------------------------------------------


def test_the_live_preview_refuses_enormous_text(editor):
    response = login(editor).post(reverse("markdownx_markdownify"), {"content": "x" * 60_000})
    assert response.status_code == 413


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="2"/></svg>'


def upload(client: Client, name: str, content: bytes, content_type: str):
    image = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        reverse("markdownx_upload"),
        {"image": image},
        headers={"x-requested-with": "XMLHttpRequest"},
    )


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_markdownx_endpoints_are_for_staff_only(who):
    client = Client() if who == "anonymous" else login(make_user("reader", staff=False))
    assert client.post(reverse("markdownx_markdownify"), {"content": "hi"}).status_code == 403
    assert upload(client, "a.png", png_bytes(), "image/png").status_code == 403


def test_staff_upload_a_png(editor, settings):
    response = upload(login(editor), "photo.html", png_bytes(), "image/png")
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![](/media/uploads/") and code.endswith(".png)")  # never .html
    assert [p.suffix for p in Path(settings.MEDIA_ROOT).rglob("*.*")] == [".png"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("drawing.svg", "image/svg+xml"), ("drawing.png", "image/png"), ("drawing.gif", "image/gif")],
)
def test_svg_is_refused_whatever_it_is_called(editor, settings, name, content_type):
    response = upload(login(editor), name, SVG, content_type)
    assert response.status_code == 400
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))  # nothing stored


def test_a_png_declared_as_a_gif_is_refused(editor):
    assert upload(login(editor), "x.gif", png_bytes(), "image/gif").status_code == 400


def test_an_oversized_upload_is_refused(editor, settings):
    settings.MARKDOWNX_UPLOAD_MAX_SIZE = 1024
    big = png_bytes() + b"\0" * 4096
    assert upload(login(editor), "big.png", big, "image/png").status_code in (400, 413)


# --- Cost -------------------------------------------------------------------------------


QUERY_BUDGET = 18  # session, user, permissions, digest, sections, sources, coverage, log


@pytest.mark.parametrize("articles", [5, 30])
def test_the_change_page_costs_the_same_queries_for_5_or_30_articles(
    articles, editor, django_assert_max_num_queries
):
    digest = make_digest(articles)
    client = login(editor)
    client.get(change_url(digest))  # warm the caches (content types)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(change_url(digest)).status_code == 200


def test_the_public_page_shows_only_published_digests(client):
    from digests.models import Digest
    from tests.factories import make_topic

    topic = make_topic()
    digest = Digest.objects.create(
        topic=topic,
        edition_date="2026-11-22",
        title="US vs China News - 2026-11-22",
        slug="x",
        highlights="- Both sides met <script>alert(1)</script> [1]",
    )
    url = "/us-china/2026-11-22/"
    assert client.get(url).status_code == 404
    Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.PUBLISHED)
    page = client.get(url)
    assert page.status_code == 200
    assert b"US vs China News - 2026-11-22" in page.content
    assert b"<script>alert" not in page.content
    assert client.get("/us-china/2026-13-45/").status_code == 404
