"""A digest's life in one place: edit, submit, publish or schedule, withdraw, correct.

Every function checks the user's role itself (the admin only hides buttons), locks the
digest row, bumps its version, saves a django-reversion revision and writes a DigestEvent.
A role failure raises PermissionDenied; a status that does not allow the step raises
TransitionError; a stale edit raises EditConflict. Each message is meant for the editor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from . import revisions  # noqa: F401  (registers the digest models with django-reversion)
from .caching import public_changed
from .coverage import bullets
from .models import Digest, DigestEvent, DigestSection, Placement
from .search import search_document

Status = Digest.Status
EDITABLE = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED)
WITHDRAWN_IS_FINAL = (
    "This digest was withdrawn, and a withdrawn digest is never republished: the withdrawal "
    "stays on the public record. Its text and history remain here for reference."
)


class TransitionError(Exception):
    """The digest's status (or missing input) does not allow this step; the message says why."""


class AlreadyPublished(TransitionError):
    """The digest is already published (e.g. a double-submitted form); nothing was changed."""


class EditConflict(Exception):
    """Someone else saved the digest after this editor opened it; nothing of theirs was saved."""

    def __init__(self, *, current_version: int, saved_at: datetime, saved_by: str = ""):
        self.current_version, self.saved_at, self.saved_by = current_version, saved_at, saved_by
        by = f" (by {saved_by})" if saved_by else ""
        super().__init__(
            f"Someone else saved this digest at {timezone.localtime(saved_at):%H:%M}{by} after "
            "you opened it. Your text is kept below; copy what you need, reload and apply it again."
        )


# --- Roles ------------------------------------------------------------------------------


def _may_edit(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm("digests.change_digest")
    )


def can_edit(user, digest: Digest) -> bool:
    """Editors and Publishers edit digests until published; published ones are corrected."""
    return _may_edit(user) and digest.status in EDITABLE


def can_publish(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm("digests.publish_digest")
    )


def _require_editor(user) -> None:
    if not _may_edit(user):
        raise PermissionDenied("Only Editors and Publishers can edit digests and submit them.")


def _require_publisher(user, doing: str) -> None:
    if not can_publish(user):
        raise PermissionDenied(f"Only Publishers can {doing} digests.")


# --- Shared steps -----------------------------------------------------------------------


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def _status(digest: Digest) -> str:
    return digest.get_status_display().lower()


def _locked(digest: Digest) -> Digest:
    return Digest.objects.select_for_update(of=("self",)).select_related("topic").get(pk=digest.pk)


@contextmanager
def _revision(user, comment: str) -> Iterator[None]:
    with reversion.create_revision():
        if _actor(user):
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


def _log(digest: Digest, user, action: str, from_status: str, note: str = "") -> DigestEvent:
    return DigestEvent.objects.create(
        digest=digest,
        user=_actor(user),
        action=action,
        from_status=from_status,
        to_status=digest.status,
        note=note,
    )


def _transition(
    digest: Digest, *, user, action: str, to: str, note: str = "", fields: Iterable[str] = ()
) -> Digest:
    """Move the locked digest to ``to``; bump its version, keep a revision, log the event."""
    from_status, digest.status = digest.status, to
    digest.version += 1
    with _revision(user, f"{action}: {note}" if note else action):
        digest.save(update_fields=["status", "version", "updated_at", *fields])
    _log(digest, user, action, from_status, note)
    if Status.PUBLISHED in (from_status, to):
        public_changed()
    return digest


def _check_version(digest: Digest, expected_version: int | None) -> None:
    if expected_version is None or digest.version == expected_version:
        return
    last = digest.events.select_related("user").first()
    raise EditConflict(
        current_version=digest.version,
        saved_at=last.at if last else digest.updated_at,
        saved_by=last.user.get_username() if last and last.user else "",
    )


def _sections_to_change(digest: Digest, sections: dict[str, str]) -> list[DigestSection]:
    if not sections:
        return []
    current = {s.perspective.slug: s for s in digest.sections.select_related("perspective")}
    if unknown := sorted(set(sections) - set(current)):
        raise ValueError(f"{digest} has no section for {', '.join(unknown)}.")
    changed = []
    for slug, body in sections.items():
        body = body.replace("\r\n", "\n")
        if current[slug].body != body:
            current[slug].body = body
            changed.append(current[slug])
    return changed


def _save_text(
    digest: Digest,
    user,
    comment: str,
    *,
    title: str | None = None,
    highlights: str | None = None,
    sections: dict[str, str] | None = None,
) -> None:
    """Write the new text (None leaves a part as it is) as one revision; bump the version."""
    changed = _sections_to_change(digest, sections or {})
    if title is not None:
        if not title.strip():
            raise ValueError("A digest needs a title.")
        digest.title = title.strip()
    if highlights is not None:
        digest.highlights = highlights.replace("\r\n", "\n")
    digest.version += 1
    with _revision(user, comment):
        for section in changed:
            section.save(update_fields=["body"])
        if digest.status == Status.PUBLISHED:  # a correction: search reads the new text
            digest.search_text = search_document(digest)
        digest.save()


# --- Editing ----------------------------------------------------------------------------


@transaction.atomic
def digest_save_edit(
    *,
    digest: Digest,
    user,
    expected_version: int,
    title: str | None = None,
    highlights: str | None = None,
    sections: dict[str, str] | None = None,
    note: str = "",
) -> Digest:
    """Save an editor's text, unless someone saved the digest since they opened it."""
    _require_editor(user)
    digest = _locked(digest)
    if digest.status not in EDITABLE:
        raise TransitionError(
            f"This digest is {_status(digest)}: it is no longer edited. "
            "A Publisher can correct a published digest, with a public correction note."
        )
    _check_version(digest, expected_version)
    _save_text(
        digest, user, note or "Edited", title=title, highlights=highlights, sections=sections
    )
    _log(digest, user, "edit", digest.status, note)
    return digest


@transaction.atomic
def digest_correct(
    *,
    digest: Digest,
    user,
    note: str,
    highlights: str | None = None,
    sections: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> Digest:
    """Change a published digest's text under a public correction note, as a new revision."""
    _require_publisher(user, "correct")
    if not note.strip():
        raise TransitionError("A correction needs a public note saying what was corrected.")
    digest = _locked(digest)
    if digest.status != Status.PUBLISHED:
        raise TransitionError(
            f"Only a published digest is corrected; this one is {_status(digest)}."
        )
    _check_version(digest, expected_version)
    digest.correction_note, digest.corrected_at = note.strip(), timezone.now()
    _save_text(
        digest, user, f"Correction: {note.strip()}", highlights=highlights, sections=sections
    )
    _log(digest, user, "correct", digest.status, note.strip())
    public_changed()
    return digest


# --- Status transitions -----------------------------------------------------------------


@transaction.atomic
def digest_submit(*, digest: Digest, user) -> Digest:
    _require_editor(user)
    digest = _locked(digest)
    if digest.status != Status.DRAFT:
        raise TransitionError(
            f"Only a draft can be submitted for review; this digest is {_status(digest)}."
        )
    return _transition(digest, user=user, action="submit", to=Status.IN_REVIEW)


@transaction.atomic
def digest_return_to_draft(*, digest: Digest, user, note: str = "") -> Digest:
    """Take a digest in review (or scheduled, which cancels the schedule) back to draft."""
    _require_editor(user)
    digest = _locked(digest)
    if digest.status not in (Status.IN_REVIEW, Status.SCHEDULED):
        raise TransitionError(
            f"Only a digest in review or scheduled goes back to draft; this one is {_status(digest)}."
        )
    digest.scheduled_for = None
    return _transition(
        digest,
        user=user,
        action="return_to_draft",
        to=Status.DRAFT,
        note=note,
        fields=["scheduled_for"],
    )


def empty_reason(digest: Digest) -> str:
    """Why the digest has nothing to publish, or "" when it has."""
    if not digest.entries.filter(included=True, position__isnull=False).exists():
        return "its source list includes no articles"
    texts = [digest.highlights, *digest.sections.values_list("body", flat=True)]
    if not any(bullets(text) for text in texts):
        return "it has no bullets in its highlights or sections"
    return ""


def _check_publishable(digest: Digest) -> None:
    if digest.status == Status.PUBLISHED:
        raise AlreadyPublished(f"“{digest}” is already published; nothing was changed.")
    if digest.status == Status.WITHDRAWN:
        raise TransitionError(WITHDRAWN_IS_FINAL)
    if digest.status == Status.DRAFT:
        raise TransitionError("This digest is still a draft: submit it for review first.")
    if reason := empty_reason(digest):
        raise TransitionError(f"This digest cannot be published: {reason}.")


def placements_in_force(digest: Digest) -> dict[str, str]:
    """{outlet domain: perspective slug, "excluded" or "unplaced"} for the outlets it lists."""
    domains = set(
        digest.entries.filter(included=True).values_list("article__source__domain", flat=True)
    )
    placements = Placement.objects.filter(
        topic=digest.topic_id, source__domain__in=domains
    ).select_related("source", "perspective")
    frozen = dict.fromkeys(domains, "unplaced")
    for placement in placements:
        if placement.excluded or placement.perspective_id:
            frozen[placement.source.domain] = (
                "excluded" if placement.excluded else placement.perspective.slug
            )
    return dict(sorted(frozen.items()))


def _publish_now(digest: Digest, *, user, note: str = "") -> Digest:
    """Publishing freezes the edition: the source list stays, the placements are recorded."""
    digest.published_at = timezone.now()
    digest.frozen_placements = placements_in_force(digest)
    digest.placement_changed_since_publishing = False
    digest.search_text = search_document(digest)
    return _transition(
        digest,
        user=user,
        action="publish",
        to=Status.PUBLISHED,
        note=note,
        fields=[
            "published_at",
            "frozen_placements",
            "placement_changed_since_publishing",
            "search_text",
        ],
    )


@transaction.atomic
def digest_publish(*, digest: Digest, user, at: datetime | None = None) -> Digest:
    """Publish a reviewed digest now, or schedule it when ``at`` is in the future.

    A second call on a published digest raises AlreadyPublished and changes nothing.
    """
    _require_publisher(user, "publish or schedule")
    digest = _locked(digest)
    _check_publishable(digest)
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at is None or at <= timezone.now():
        return _publish_now(digest, user=user)
    digest.scheduled_for = at
    return _transition(
        digest,
        user=user,
        action="schedule",
        to=Status.SCHEDULED,
        note=f"to publish at {at.isoformat()}",
        fields=["scheduled_for"],
    )


@transaction.atomic
def digest_withdraw(*, digest: Digest, user, reason: str) -> Digest:
    _require_publisher(user, "withdraw")
    if not reason.strip():
        raise TransitionError("Say why the digest is withdrawn: a reason is required.")
    digest = _locked(digest)
    if digest.status not in (Status.PUBLISHED, Status.SCHEDULED):
        raise TransitionError(
            f"Only a published or scheduled digest can be withdrawn; this one is {_status(digest)}."
        )
    return _transition(
        digest, user=user, action="withdraw", to=Status.WITHDRAWN, note=reason.strip()
    )


# --- Scheduled publishing ---------------------------------------------------------------


def publish_due(now: datetime | None = None) -> int:
    """Publish the scheduled digests whose time has come; return how many were published."""
    now = now or timezone.now()
    due = Digest.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now)
    return sum(_publish_scheduled(pk, now) for pk in list(due.values_list("pk", flat=True)))


@transaction.atomic
def _publish_scheduled(pk: int, now: datetime) -> bool:
    """Publish one due digest; one emptied since scheduling goes back to review instead."""
    digest = (
        Digest.objects.select_for_update(of=("self",))
        .select_related("topic")
        .filter(pk=pk, status=Status.SCHEDULED, scheduled_for__lte=now)
        .first()
    )
    if digest is None:  # withdrawn, unscheduled or published meanwhile
        return False
    if reason := empty_reason(digest):
        digest.scheduled_for = None
        _transition(
            digest,
            user=None,
            action="schedule_failed",
            to=Status.IN_REVIEW,
            note=f"Not published at the scheduled time: {reason}.",
            fields=["scheduled_for"],
        )
        return False
    _publish_now(digest, user=None, note="scheduled")
    return True
