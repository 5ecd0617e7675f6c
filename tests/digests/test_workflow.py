"""The digest workflow: who may do what, in which state, and that it is all on the record."""

import importlib
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from reversion.models import Version

from digests import services, tasks, workflow
from digests.models import Digest, DigestArticle, DigestSection, Placement
from tests.factories import make_article, make_source, make_topic, perspective

pytestmark = pytest.mark.django_db

S = Digest.Status
DAY = date(2026, 11, 22)
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OUTLETS = [("us", "apnews.com"), ("china", "news.cn")]


def make_user(username: str, group: str | None = None, **fields) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_digest(status: str = S.DRAFT, *, listed: bool = True, bulleted: bool = True) -> Digest:
    """A two-perspective edition: one cited article per perspective, a bullet each."""
    topic = make_topic()
    digest = Digest.objects.create(
        topic=topic, edition_date=DAY, title="US vs China", slug="us-china", status=status
    )
    for number, (slug, domain) in enumerate(OUTLETS, 1):
        side, source = perspective(topic, slug), make_source(domain)
        Placement.objects.create(topic=topic, source=source, perspective=side, origin="editor")
        article = make_article(f"http://{domain}/story", source=source)
        DigestArticle.objects.create(
            digest=digest,
            article=article,
            position=number if listed else None,
            included=listed,
            perspective=side,
            cited_title=f"Story from {domain}",
            cited_url=article.url,
            cited_outlet=domain,
        )
        body = f"- What {domain} said [{number}]" if bulleted else "_Nothing to report._"
        DigestSection.objects.create(digest=digest, perspective=side, body=body, machine_body=body)
    digest.highlights = digest.machine_highlights = "- Both sides spoke [1, 2]" if bulleted else ""
    digest.save()
    return digest


@pytest.fixture
def editor():
    return make_user("alice", "Editor")


@pytest.fixture
def publisher():
    return make_user("pat", "Publisher")


@pytest.fixture
def users(editor, publisher):
    return {
        "editor": editor,
        "publisher": publisher,
        "staff without a role": make_user("sam"),
        "anonymous": AnonymousUser(),
        "superuser": User.objects.create_superuser("root", password="pw"),
    }


# --- Roles and transitions --------------------------------------------------------------

ACTIONS = {
    # name: (a status it starts from, the call, the status it ends in or None: unchanged)
    "submit": (S.DRAFT, lambda d, u: workflow.digest_submit(digest=d, user=u), S.IN_REVIEW),
    "return to draft": (
        S.IN_REVIEW,
        lambda d, u: workflow.digest_return_to_draft(digest=d, user=u, note="Needs work"),
        S.DRAFT,
    ),
    "edit": (
        S.DRAFT,
        lambda d, u: workflow.digest_save_edit(
            digest=d, user=u, expected_version=d.version, highlights="- Edited [1]"
        ),
        None,  # the status stays
    ),
    "publish": (S.IN_REVIEW, lambda d, u: workflow.digest_publish(digest=d, user=u), S.PUBLISHED),
    "schedule": (
        S.IN_REVIEW,
        lambda d, u: workflow.digest_publish(digest=d, user=u, at=NOON + timedelta(hours=3)),
        S.SCHEDULED,
    ),
    "withdraw": (
        S.PUBLISHED,
        lambda d, u: workflow.digest_withdraw(digest=d, user=u, reason="Wrong figures"),
        S.WITHDRAWN,
    ),
    "correct": (
        S.PUBLISHED,
        lambda d, u: workflow.digest_correct(
            digest=d, user=u, note="Fixed a name", highlights="- Fixed [1]"
        ),
        S.PUBLISHED,
    ),
}
EDITOR_ACTIONS = {"submit", "return to draft", "edit"}
ALLOWED = {
    "editor": EDITOR_ACTIONS,
    "publisher": set(ACTIONS),
    "superuser": set(ACTIONS),
    "staff without a role": set(),
    "anonymous": set(),
}
ALLOWED_FROM = {
    "submit": {S.DRAFT},
    "return to draft": {S.IN_REVIEW, S.SCHEDULED},
    "edit": {S.DRAFT, S.IN_REVIEW, S.SCHEDULED},
    "publish": {S.IN_REVIEW, S.SCHEDULED},
    "schedule": {S.IN_REVIEW, S.SCHEDULED},
    "withdraw": {S.PUBLISHED, S.SCHEDULED},
    "correct": {S.PUBLISHED},
}


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_transition_is_permitted_or_refused_by_role(users, role, action):
    start, call, end = ACTIONS[action]
    digest = make_digest(start)
    if action in ALLOWED[role]:
        assert call(digest, users[role]).status == (end or start)
        event = digest.events.get()
        assert (event.user, event.from_status, event.to_status) == (
            users[role],
            start,
            end or start,
        )
    else:
        with pytest.raises(PermissionDenied, match="Only (Editors and )?Publishers can"):
            call(digest, users[role])
        digest.refresh_from_db()
        assert (digest.status, digest.version) == (start, 1)
        assert not digest.events.exists()


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_transition_is_allowed_only_from_its_statuses(users, action, status):
    _, call, end = ACTIONS[action]
    digest = make_digest(status)
    if status in ALLOWED_FROM[action]:
        assert call(digest, users["publisher"]).status == (end or status)
    else:
        with pytest.raises(workflow.TransitionError):
            call(digest, users["publisher"])
        digest.refresh_from_db()
        assert (digest.status, digest.version) == (status, 1)
        assert not digest.events.exists()


@pytest.mark.parametrize(
    ("role", "edits", "publishes"),
    [
        ("editor", True, False),
        ("publisher", True, True),
        ("superuser", True, True),
        ("staff without a role", False, False),
        ("anonymous", False, False),
    ],
)
def test_can_edit_and_can_publish_follow_the_roles(users, role, edits, publishes):
    draft, published = make_digest(), Digest(status=S.PUBLISHED)
    assert workflow.can_edit(users[role], draft) is edits
    assert workflow.can_edit(users[role], published) is False
    assert workflow.can_publish(users[role]) is publishes


def test_an_inactive_publisher_can_do_nothing(publisher):
    publisher.is_active = False
    assert not workflow.can_publish(publisher)
    with pytest.raises(PermissionDenied):
        workflow.digest_submit(digest=make_digest(), user=publisher)


def test_every_step_is_on_the_record_with_who_when_and_from_where(editor, publisher):
    digest = make_digest()
    with time_machine.travel(NOON, tick=False):
        workflow.digest_submit(digest=digest, user=editor)
    with time_machine.travel(NOON + timedelta(minutes=5), tick=False):
        workflow.digest_publish(digest=digest, user=publisher)
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        workflow.digest_withdraw(digest=digest, user=publisher, reason="  Wrong figures ")
    events = list(
        digest.events.order_by("at").values_list(
            "user__username", "action", "from_status", "to_status", "at", "note"
        )
    )
    assert events == [
        ("alice", "submit", "draft", "in_review", NOON, ""),
        ("pat", "publish", "in_review", "published", NOON + timedelta(minutes=5), ""),
        ("pat", "withdraw", "published", "withdrawn", NOON + timedelta(hours=1), "Wrong figures"),
    ]
    digest.refresh_from_db()
    assert digest.version == 4
    assert digest.published_at == NOON + timedelta(minutes=5)


# --- Publishing -------------------------------------------------------------------------


def test_publishing_freezes_the_placements_in_force(publisher, admin_user):
    digest = make_digest(S.IN_REVIEW)
    Digest.objects.filter(pk=digest.pk).update(placement_changed_since_publishing=True)
    digest = workflow.digest_publish(digest=digest, user=publisher)
    assert digest.frozen_placements == {"apnews.com": "us", "news.cn": "china"}
    assert not digest.placement_changed_since_publishing
    listed = list(digest.entries.values_list("article", "perspective", "position", "included"))
    services.placement_set(
        placement=Placement.objects.get(source__domain="news.cn"),
        perspective=perspective(digest.topic, "us"),
        user=admin_user,
    )
    digest.refresh_from_db()
    assert digest.frozen_placements == {"apnews.com": "us", "news.cn": "china"}
    assert digest.placement_changed_since_publishing
    assert (
        list(digest.entries.values_list("article", "perspective", "position", "included")) == listed
    )


@pytest.mark.parametrize(
    ("listed", "bulleted", "reason"),
    [
        (False, True, "its source list includes no articles"),
        (True, False, "it has no bullets in its highlights or sections"),
    ],
)
def test_an_empty_digest_is_refused_with_the_reason(publisher, listed, bulleted, reason):
    digest = make_digest(S.IN_REVIEW, listed=listed, bulleted=bulleted)
    with pytest.raises(workflow.TransitionError, match=f"cannot be published: {reason}"):
        workflow.digest_publish(digest=digest, user=publisher)
    with pytest.raises(workflow.TransitionError, match=reason):
        workflow.digest_publish(digest=digest, user=publisher, at=NOON + timedelta(days=365))
    digest.refresh_from_db()
    assert digest.status == S.IN_REVIEW


REFUSALS = {
    "publishing a draft": (
        S.DRAFT,
        lambda d, u: workflow.digest_publish(digest=d, user=u),
        "still a draft: submit it for review first",
    ),
    "publishing a withdrawn digest": (
        S.WITHDRAWN,
        lambda d, u: workflow.digest_publish(digest=d, user=u),
        "a withdrawn digest is never republished",
    ),
    "withdrawing without a reason": (
        S.PUBLISHED,
        lambda d, u: workflow.digest_withdraw(digest=d, user=u, reason="  "),
        "a reason is required",
    ),
    "correcting without a note": (
        S.PUBLISHED,
        lambda d, u: workflow.digest_correct(digest=d, user=u, note=" ", highlights="- X [1]"),
        "A correction needs a public note",
    ),
    "editing a published digest": (
        S.PUBLISHED,
        lambda d, u: workflow.digest_save_edit(
            digest=d, user=u, expected_version=1, highlights="- X [1]"
        ),
        "A Publisher can correct a published digest",
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS)
def test_refusals_say_why_and_change_nothing(publisher, refusal):
    status, call, reason = REFUSALS[refusal]
    digest = make_digest(status)
    with pytest.raises(workflow.TransitionError, match=reason):
        call(digest, publisher)
    digest.refresh_from_db()
    assert (digest.status, digest.version, digest.highlights, digest.corrected_at) == (
        status,
        1,
        "- Both sides spoke [1, 2]",
        None,
    )
    assert not digest.events.exists()


def test_publishing_twice_is_harmless(publisher):
    digest = make_digest(S.IN_REVIEW)
    with time_machine.travel(NOON, tick=False):
        workflow.digest_publish(digest=digest, user=publisher)
    with (
        time_machine.travel(NOON + timedelta(seconds=1), tick=False),
        pytest.raises(workflow.AlreadyPublished, match="already published; nothing was changed"),
    ):
        workflow.digest_publish(digest=digest, user=publisher)
    digest.refresh_from_db()
    assert (digest.status, digest.version, digest.published_at) == (S.PUBLISHED, 2, NOON)
    assert digest.events.count() == 1
    assert issubclass(workflow.AlreadyPublished, workflow.TransitionError)


# --- Scheduled publishing ---------------------------------------------------------------


def test_a_scheduled_digest_is_published_at_its_time_and_not_before(publisher):
    digest = make_digest(S.IN_REVIEW)
    at = NOON + timedelta(hours=2)
    with time_machine.travel(NOON, tick=False):
        digest = workflow.digest_publish(digest=digest, user=publisher, at=at)
    assert (digest.status, digest.scheduled_for, digest.published_at) == (S.SCHEDULED, at, None)
    with time_machine.travel(at - timedelta(seconds=1), tick=False):
        assert workflow.publish_due() == 0
    digest.refresh_from_db()
    assert digest.status == S.SCHEDULED
    with time_machine.travel(at, tick=False):
        assert tasks.publish_scheduled() == "1 scheduled digests published"
    assert workflow.publish_due(now=at + timedelta(minutes=1)) == 0
    digest.refresh_from_db()
    assert (digest.status, digest.published_at) == (S.PUBLISHED, at)
    assert digest.frozen_placements == {"apnews.com": "us", "news.cn": "china"}
    event = digest.events.first()
    assert [event.user, event.action, event.from_status] == [None, "publish", S.SCHEDULED]
    assert event.note == "scheduled"


def test_a_time_already_past_publishes_at_once(publisher):
    with time_machine.travel(NOON, tick=False):
        digest = workflow.digest_publish(
            digest=make_digest(S.IN_REVIEW), user=publisher, at=NOON - timedelta(minutes=1)
        )
    assert (digest.status, digest.published_at, digest.scheduled_for) == (S.PUBLISHED, NOON, None)


def test_a_scheduled_digest_emptied_meanwhile_goes_back_to_review(publisher, editor):
    with time_machine.travel(NOON, tick=False):
        digest = workflow.digest_publish(
            digest=make_digest(S.IN_REVIEW), user=publisher, at=NOON + timedelta(hours=1)
        )
        workflow.digest_save_edit(
            digest=digest,
            user=editor,
            expected_version=digest.version,
            highlights="",
            sections={"us": "", "china": ""},
        )
    assert workflow.publish_due(now=NOON + timedelta(hours=1)) == 0
    digest.refresh_from_db()
    assert (digest.status, digest.scheduled_for) == (S.IN_REVIEW, None)
    assert "no bullets" in digest.events.get(action="schedule_failed").note


def test_a_schedule_can_be_cancelled_by_returning_to_draft(publisher, editor):
    digest = workflow.digest_publish(
        digest=make_digest(S.IN_REVIEW), user=publisher, at=NOON + timedelta(days=3650)
    )
    digest = workflow.digest_return_to_draft(digest=digest, user=editor, note="Not yet")
    assert (digest.status, digest.scheduled_for) == (S.DRAFT, None)
    assert workflow.publish_due(now=NOON + timedelta(days=3651)) == 0


# --- Corrections ------------------------------------------------------------------------


def test_a_correction_changes_the_text_and_times_but_not_the_article_set(publisher):
    digest = make_digest(S.IN_REVIEW)
    with time_machine.travel(NOON, tick=False):
        digest = workflow.digest_publish(digest=digest, user=publisher)
    listed = list(digest.entries.values_list("article", "perspective", "position", "included"))
    later = NOON + timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        digest = workflow.digest_correct(
            digest=digest,
            user=publisher,
            note="We misnamed the ministry.",
            sections={"china": "- What the commerce ministry said [2]"},
        )
    digest.refresh_from_db()
    assert (digest.updated_at, digest.corrected_at, digest.published_at) == (later, later, NOON)
    assert digest.correction_note == "We misnamed the ministry."
    assert digest.sections.get(perspective__slug="china").body == (
        "- What the commerce ministry said [2]"
    )
    assert digest.status == S.PUBLISHED
    assert list(digest.entries.values_list("article", "perspective", "position", "included")) == (
        listed
    )
    event = digest.events.first()
    assert [event.action, event.user, event.note] == ["correct", publisher, digest.correction_note]
    revision = Version.objects.get_for_object(digest).first().revision
    assert (revision.user, revision.comment) == (publisher, "Correction: We misnamed the ministry.")


# --- Editing and optimistic locking -----------------------------------------------------


def test_every_save_is_a_revision_of_the_digest_and_its_sections(editor):
    digest = make_digest()
    digest = workflow.digest_save_edit(
        digest=digest,
        user=editor,
        expected_version=1,
        title="  A better title ",
        sections={"us": "- What AP said, edited [1]\r\n"},
        note="Tightened the US bullet",
    )
    assert (digest.title, digest.version) == ("A better title", 2)
    section = digest.sections.get(perspective__slug="us")
    assert section.body == "- What AP said, edited [1]\n"
    assert section.edited
    revision = Version.objects.get_for_object(digest).get().revision
    assert (revision.user, revision.comment) == (editor, "Tightened the US bullet")
    assert Version.objects.get_for_object(section).get().revision == revision
    assert revision.version_set.count() == 5  # digest, two sections, two articles
    assert digest.events.get().action == "edit"


def test_an_unknown_section_is_refused_before_anything_is_saved(editor):
    digest = make_digest()
    with pytest.raises(ValueError, match="no section for japan"):
        workflow.digest_save_edit(
            digest=digest,
            user=editor,
            expected_version=1,
            highlights="- X",
            sections={"japan": "x"},
        )
    digest.refresh_from_db()
    assert (digest.highlights, digest.version) == ("- Both sides spoke [1, 2]", 1)


def test_the_second_of_two_editors_is_refused_and_nothing_of_theirs_is_saved(editor):
    bob = make_user("bob", "Editor")
    digest = make_digest()
    alices_copy, bobs_copy = Digest.objects.get(pk=digest.pk), Digest.objects.get(pk=digest.pk)
    assert alices_copy.version == bobs_copy.version == 1
    with time_machine.travel(datetime(2026, 11, 22, 9, 14, tzinfo=UTC), tick=False):
        workflow.digest_save_edit(
            digest=alices_copy, user=editor, expected_version=1, highlights="- Alice's [1]"
        )
    with pytest.raises(workflow.EditConflict) as conflict:
        workflow.digest_save_edit(
            digest=bobs_copy,
            user=bob,
            expected_version=bobs_copy.version,
            highlights="- Bob's [2]",
            sections={"us": "- Bob's US [1]"},
        )
    assert str(conflict.value) == (
        "Someone else saved this digest at 09:14 (by alice) after you opened it. "
        "Your text is kept below; copy what you need, reload and apply it again."
    )
    assert (conflict.value.current_version, conflict.value.saved_by) == (2, "alice")
    digest.refresh_from_db()
    assert (digest.highlights, digest.version) == ("- Alice's [1]", 2)
    assert digest.sections.get(perspective__slug="us").body == "- What apnews.com said [1]"
    assert list(digest.events.values_list("user__username", flat=True)) == ["alice"]


def test_a_correction_can_be_optimistically_locked_too(publisher):
    digest = make_digest(S.PUBLISHED)
    with pytest.raises(workflow.EditConflict):
        workflow.digest_correct(
            digest=digest, user=publisher, note="Typo", highlights="- X [1]", expected_version=7
        )


# --- What the migrations install --------------------------------------------------------


def test_the_roles_and_the_publish_schedule_exist_after_migrations():
    from django_q.models import Schedule

    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    publisher = set(
        Group.objects.get(name="Publisher").permissions.values_list("codename", flat=True)
    )
    assert {"change_digest", "change_digestarticle", "change_placement", "view_topic"} <= editor
    assert {"change_source", "change_article", "view_feed"} <= editor
    assert "publish_digest" not in editor
    assert publisher == editor | {"publish_digest"}
    schedule = Schedule.objects.get(name="Publish scheduled digests")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "digests.tasks.publish_scheduled",
        Schedule.MINUTES,
        1,
        -1,
    )


# --- Two editors at the same instant, on real transactions ------------------------------

MIGRATION = importlib.import_module("digests.migrations.0004_roles_and_schedule")


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_at_the_same_instant_never_overwrite_each_other():
    from django.apps import apps

    # A transactional test may start on a flushed database; install the roles again.
    MIGRATION.install(apps, SimpleNamespace(connection=connection))
    editors = [make_user("alice", "Editor"), make_user("bob", "Editor")]
    digest = make_digest()
    barrier, results = threading.Barrier(2), {}

    def save(index: int) -> None:
        try:
            barrier.wait()
            workflow.digest_save_edit(
                digest=digest,
                user=editors[index],
                expected_version=1,
                highlights=f"- Text of {editors[index].username} [1]",
            )
            results[index] = "saved"
        except Exception as exc:  # collected and asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    saved = [i for i, result in results.items() if result == "saved"]
    refused = [r for r in results.values() if isinstance(r, workflow.EditConflict)]
    assert (len(saved), len(refused)) == (1, 1), results
    winner = editors[saved[0]].username
    digest.refresh_from_db()
    assert (digest.version, digest.highlights) == (2, f"- Text of {winner} [1]")
    assert list(digest.events.values_list("user__username", flat=True)) == [winner]
