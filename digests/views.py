"""Staff views: the preview, the admin index, the desk's workflow pages, markdownx's endpoints.

The workflow pages are a mixin of ``DigestAdmin``; each step calls ``digests.workflow``,
which checks roles itself. markdownx's endpoints are made staff-only here (THREATS.md 13).
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_POST
from markdownx.forms import ImageForm
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image
from reversion.models import Version

from . import workflow
from .admin_desk import (
    MAX_TEXT,
    CorrectionForm,
    Desk,
    ScheduleForm,
    WithdrawForm,
    revision_label,
    revision_parts,
    revision_text,
)
from .coverage import coverage_check
from .models import Digest, Topic
from .pages import digest_page_context
from .rendering import diff_rows, markdownify

logger = logging.getLogger(__name__)

PREVIEW_SALT = "digests.preview"

# --- Preview ----------------------------------------------------------------------------


def preview_token(pk: int) -> str:
    """A signature of the digest's id: a preview link cannot be guessed from another one."""
    return signing.Signer(salt=PREVIEW_SALT).signature(str(pk))


def preview_url(digest: Digest) -> str:
    return reverse("digest_preview", args=[digest.pk, preview_token(digest.pk)])


def digest_preview(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Any digest, drafts included, as the public will see it; staff with the signed link only."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not (request.user.is_staff and request.user.has_perm("digests.view_digest")):
        raise PermissionDenied
    if not constant_time_compare(token, preview_token(pk)):
        raise Http404("No such preview.")
    digest = get_object_or_404(Digest.objects.select_related("topic"), pk=pk)
    context = {**digest_page_context(digest), "preview": True}
    return render(request, "digests/digest_detail.html", context)


# --- The admin index: today's editions, one click away ----------------------------------


def todays_editions(user) -> list[dict]:
    """Each active topic's edition for today in the topic's time zone, with its warnings."""
    if not user.has_perm("digests.view_digest"):
        return []
    topics = list(Topic.objects.active())
    days = {t.pk: timezone.localdate(timezone=t.zone) for t in topics}
    wanted = Q(pk__in=[])
    for topic in topics:
        wanted |= Q(topic=topic, edition_date=days[topic.pk])
    digests = {d.topic_id: d for d in Digest.objects.filter(wanted)}
    return [
        {
            "topic": topic,
            "day": days[topic.pk],
            "digest": digests.get(topic.pk),
            "warnings": _warning_count(digests.get(topic.pk)),
        }
        for topic in topics
    ]


def _warning_count(digest: Digest | None) -> int:
    return sum(w.level == "warning" for w in coverage_check(digest)) if digest else 0


# --- markdownx, staff only ----------------------------------------------------------------


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 for anyone who is not logged-in, active staff (no login redirect: these are XHR)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class CleanMarkdownifyView(MarkdownifyView):
    """The live preview: our nh3-cleaned rendering; no 500 when ``content`` is missing."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        content = request.POST.get("content", "")
        if len(content) > MAX_TEXT:  # the editor refuses to save it anyway
            return HttpResponse("<p>Too long to preview.</p>", status=413)
        return HttpResponse(markdownify(content))


SNIFFED_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MAX_PIXELS = 40_000_000


def sniffed_type(upload) -> str:
    """The image type Pillow finds in the bytes, whatever the name or the declared type say."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            kind, (width, height) = image.format, image.size
    except Exception as exc:  # Pillow raises many kinds for what is not an image
        raise ValidationError("The file is not an image we accept.") from exc
    finally:
        upload.seek(0)
    if width * height > MAX_PIXELS:
        raise ValidationError("The image is too large.")
    if kind not in SNIFFED_TYPES:
        raise ValidationError(f"{kind} images are not accepted.")
    return SNIFFED_TYPES[kind]


class SafeImageForm(ImageForm):
    """markdownx's form, but the size limit read now and the type sniffed, never trusted."""

    def clean(self):
        upload = self.cleaned_data.get("image")
        if upload is not None and upload.size > settings.MARKDOWNX_UPLOAD_MAX_SIZE:
            raise ValidationError("The file is too large.")
        upload = super().clean()
        if sniffed_type(upload) != upload.content_type:
            raise ValidationError("The file's content does not match its type.")
        return upload

    def _save(self, image, file_name, commit):
        # The stored name's extension follows the checked type, never the uploaded name.
        return super()._save(image, f"image.{EXTENSIONS[image.content_type]}", commit)


class SafeImageUploadView(ImageUploadView):
    form_class = SafeImageForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.MARKDOWNX_UPLOAD_MAX_SIZE + 64 * 1024:  # room for the form's parts
            return JsonResponse({"image": ["The file is too large."]}, status=413)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> JsonResponse:
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form) -> JsonResponse:
        # commit=False: the checked, resized image and its fresh uuid4 name, nothing written yet.
        prepared = form.save(commit=False)
        try:
            name = default_storage.save(prepared.path, prepared.image)
        except OSError as error:
            # A full or read-only disk: remove whatever was partly written under our new name
            # (only this request writes it), log the cause, tell the editor in words.
            with contextlib.suppress(OSError):
                default_storage.delete(prepared.path)
            logger.error("Could not store an uploaded image: %r", error)
            full = error.errno in (errno.ENOSPC, errno.EDQUOT)
            message = (
                "The server has no space left for images, so nothing was stored."
                if full
                else "The server cannot store images just now, so nothing was stored."
            )
            return JsonResponse(
                {"image": [f"{message} Please tell the site's administrator."]},
                status=507 if full else 503,
            )
        return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})


markdownx_preview = staff_only(CleanMarkdownifyView.as_view())
markdownx_upload = staff_only(SafeImageUploadView.as_view())


# --- The workflow steps and the diffs, as admin pages -------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    url: str
    post: bool  # a button that posts at once; otherwise a link to a confirmation page


class DigestStepsMixin:
    """The digest admin's extra pages; every step calls the workflow, which checks roles."""

    def step_urls(self) -> list:
        def step(suffix: str, view: Callable, post_only: bool = False):
            view = require_POST(view) if post_only else view
            name = f"digests_digest_{suffix}"
            return path(f"<path:object_id>/{suffix}/", self.admin_site.admin_view(view), name=name)

        return [
            step("submit", self.submit_view, post_only=True),
            step("return", self.return_view, post_only=True),
            step("publish", self.publish_view),
            step("schedule", self.schedule_view),
            step("withdraw", self.withdraw_view),
            step("correct", self.correct_view),
            step("changes", self.changes_view),
            step("compare", self.compare_view),
        ]

    def steps(self, user, digest: Digest) -> list[Step]:
        """The workflow buttons this user may use on this digest now."""
        S, status = Digest.Status, digest.status
        edit, publish = workflow.can_edit(user, digest), workflow.can_publish(user)
        options = [
            ("Submit for review", "submit", True, edit and status == S.DRAFT),
            ("Return to draft", "return", True, edit and status in (S.IN_REVIEW, S.SCHEDULED)),
            ("Publish now…", "publish", False, publish and status in (S.IN_REVIEW, S.SCHEDULED)),
            ("Schedule…", "schedule", False, publish and status == S.IN_REVIEW),
            ("Withdraw…", "withdraw", False, publish and status in (S.PUBLISHED, S.SCHEDULED)),
            ("Correct…", "correct", False, publish and status == S.PUBLISHED),
        ]
        return [
            Step(label, self.url(digest, name), post) for label, name, post, ok in options if ok
        ]

    def url(self, digest: Digest, name: str) -> str:
        return reverse(f"admin:digests_digest_{name}", args=[digest.pk])

    def digest_or_404(self, request: HttpRequest, object_id: str) -> Digest:
        digest = self.get_object(request, unquote(object_id))
        if digest is None:
            raise Http404("No such digest.")
        if not self.has_view_permission(request, digest):
            raise PermissionDenied
        return digest

    def publisher_digest(self, request: HttpRequest, object_id: str) -> Digest:
        digest = self.digest_or_404(request, object_id)
        if not workflow.can_publish(request.user):
            raise PermissionDenied
        return digest

    def attempt(self, request: HttpRequest, digest: Digest, step: Callable, done: str):
        """Run a workflow step; a refusal by status becomes a message (PermissionDenied: 403)."""
        try:
            step()
        except workflow.AlreadyPublished as exc:  # e.g. the publish form sent twice
            messages.info(request, str(exc))
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
        return redirect(self.url(digest, "change"))

    def page(self, request: HttpRequest, digest: Digest, template: str, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": digest,
            "change_url": self.url(digest, "change"),
            **context,
        }
        return TemplateResponse(request, f"admin/digests/digest/{template}", context)

    def submit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        digest = self.digest_or_404(request, object_id)

        def submit():
            workflow.digest_submit(digest=digest, user=request.user)

        return self.attempt(request, digest, submit, "Submitted for review.")

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        digest = self.digest_or_404(request, object_id)

        def back():
            workflow.digest_return_to_draft(digest=digest, user=request.user)

        return self.attempt(request, digest, back, "Returned to draft.")

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A confirmation page listing the coverage warnings (never blocking), then publish."""
        if request.method != "POST":
            digest = self.publisher_digest(request, object_id)
            title = f"Publish “{digest}” now?"
            return self.page(
                request, digest, "publish.html", title=title, warnings=coverage_check(digest)
            )
        digest = self.digest_or_404(request, object_id)

        def publish():
            workflow.digest_publish(digest=digest, user=request.user)

        return self.attempt(request, digest, publish, f"“{digest}” is published.")

    def schedule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        digest = self.publisher_digest(request, object_id)
        form = ScheduleForm(request.POST or None, topic=digest.topic)
        if form.is_valid():
            at = form.cleaned_data["at"]

            def schedule():
                workflow.digest_publish(digest=digest, user=request.user, at=at)

            return self.attempt(request, digest, schedule, f"Scheduled for {at:%Y-%m-%d %H:%M %Z}.")
        title = f"Schedule “{digest}”"
        return self.page(
            request, digest, "publish.html", title=title, form=form, warnings=coverage_check(digest)
        )

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        digest = self.publisher_digest(request, object_id)
        form = WithdrawForm(request.POST or None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]

            def withdraw():
                workflow.digest_withdraw(digest=digest, user=request.user, reason=reason)

            return self.attempt(request, digest, withdraw, f"“{digest}” is withdrawn.")
        title = f"Withdraw “{digest}”"
        return self.page(request, digest, "step.html", title=title, form=form, button="Withdraw")

    def correct_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """New text for a published digest under a public note; a stale form is refused."""
        digest = self.publisher_digest(request, object_id)
        form = CorrectionForm(request.POST or None, desk=Desk.load(digest))
        if form.is_valid():
            try:
                workflow.digest_correct(
                    digest=digest,
                    user=request.user,
                    note=form.cleaned_data["note"],
                    highlights=form.cleaned_data["highlights"],
                    sections=form.submitted_sections(),
                    expected_version=form.cleaned_data["expected_version"],
                )
            except (workflow.EditConflict, workflow.TransitionError) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "The correction is published, with its note.")
                return redirect(self.url(digest, "change"))
        context = {
            "form": form,
            "button": "Publish the correction",
            "media": self.media + form.media,
        }
        return self.page(request, digest, "step.html", title=f"Correct “{digest}”", **context)

    def changes_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The machine draft beside the current text, part by part."""
        digest = self.digest_or_404(request, object_id)
        desk = Desk.load(digest)
        machine = {s.perspective.slug: s.machine_body for s in desk.sections}
        diffs = [
            (label, diff_rows(machine[slug] if slug else digest.machine_highlights, text))
            for label, text, slug in desk.parts()
        ]
        title = f"What editors changed in “{digest}”"
        context = {"left": "Machine draft", "right": "Now", "diffs": with_changed(diffs)}
        return self.page(request, digest, "diff.html", title=title, **context)

    def history_view(self, request, object_id, extra_context=None):
        digest = self.digest_or_404(request, object_id)
        versions = Version.objects.get_for_object(digest).select_related("revision")
        context = {"compare_url": self.url(digest, "compare"), "versions": versions}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Two revisions side by side (``?a=<version id>&b=<version id>``; default: the last two)."""
        digest = self.digest_or_404(request, object_id)
        versions = list(Version.objects.get_for_object(digest).select_related("revision__user"))
        if len(versions) < 2:
            messages.info(request, "This digest has fewer than two revisions to compare.")
            return redirect(self.url(digest, "change"))
        a = chosen_version(request.GET.get("a", ""), versions, versions[1])
        b = chosen_version(request.GET.get("b", ""), versions, versions[0])
        perspectives = list(digest.topic.perspectives.all())
        old = revision_parts(revision_text(a), perspectives)
        new = dict(revision_parts(revision_text(b), perspectives))
        diffs = [(label, diff_rows(text, new[label])) for label, text in old]
        context = {
            "left": revision_label(a),
            "right": revision_label(b),
            "diffs": with_changed(diffs),
        }
        context |= {"versions": versions, "a": a, "b": b}
        return self.page(
            request, digest, "diff.html", title=f"Two revisions of “{digest}”", **context
        )


def with_changed(diffs: list[tuple[str, list]]) -> list[tuple[str, list, bool]]:
    """Each part's rows, and whether anything in it changed."""
    return [(label, rows, any(r.kind != "equal" for r in rows)) for label, rows in diffs]


def chosen_version(wanted: str, versions: list[Version], default: Version) -> Version:
    if not wanted:
        return default
    for version in versions:
        if str(version.pk) == wanted:
            return version
    raise Http404("That revision is not one of this digest's.")
