"""The editor's desk (issue 5), its building blocks: the digest page's forms, the source list.

``DigestAdmin`` (in admin.py) puts them together; the workflow pages are in views.py. Every
write goes through ``digests.workflow``, which checks roles, versions and statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from markdownx.widgets import AdminMarkdownxWidget
from reversion.models import Version

from . import workflow
from .models import Digest, DigestArticle, DigestSection, Perspective, Topic
from .rendering import bullets_with_sources, dangling_citations, web_url

MAX_TEXT = 50_000  # characters in one part of a digest; far more than any edition needs
PANEL = "admin/digests/digest/bullet_sources.html"

# --- What one digest page needs -----------------------------------------------------------


@dataclass
class Desk:
    """A digest's sections and numbered sources, loaded once per request."""

    digest: Digest
    sections: list[DigestSection]
    entries: dict[int, DigestArticle]  # the included articles, by citation number

    @classmethod
    def load(cls, digest: Digest) -> Desk:
        sections = list(digest.sections.select_related("perspective"))
        included = digest.entries.filter(included=True, position__isnull=False)
        return cls(digest, sections, {e.position: e for e in included})

    def drafted(self, slug: str | None = None) -> list[dict]:
        """The drafter's record (provenance) for the highlights or one section."""
        provenance = self.digest.provenance or {}
        if slug is None:
            return provenance.get("highlights", [])
        return provenance.get("sections", {}).get(slug, [])

    def parts(self) -> list[tuple[str, str, str | None]]:
        """(label, Markdown, section slug or None) for the highlights and each section."""
        return [("Highlights", self.digest.highlights, None)] + [
            (f"{s.perspective.name} perspective", s.body, s.perspective.slug) for s in self.sections
        ]


def section_field(slug: str) -> str:
    return f"section_{slug}"


class SourcesWidget(AdminMarkdownxWidget):
    """markdownx's editor with its live preview, then each bullet's sources, one click away."""

    def __init__(self, *, entries: dict[int, DigestArticle], drafted: list[dict]) -> None:
        super().__init__(attrs={"rows": 10})
        self.entries, self.drafted = entries, drafted

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        editor = super().render(name, value, attrs or {}, renderer)
        bullets = bullets_with_sources(value or "", self.entries, self.drafted)
        return render_to_string(PANEL, {"editor": editor, "bullets": bullets})


class DeskTextMixin:
    """The highlights and one field per perspective, with citations checked against the list."""

    desk: Desk
    HELP = "Markdown bullets; [3] cites source 3 of the list below, as numbered when you opened it."

    def add_text_fields(self) -> None:
        for label, text, slug in self.desk.parts():
            widget = SourcesWidget(entries=self.desk.entries, drafted=self.desk.drafted(slug))
            name = "highlights" if slug is None else section_field(slug)
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=False,
                max_length=MAX_TEXT,
                initial=text,
                widget=widget,
                help_text=self.HELP,
            )

    def check_citations(self) -> None:
        """Refuse citation numbers that point nowhere, naming the bullet and the number."""
        numbers = set(self.desk.entries)
        names = ["highlights", *(section_field(s.perspective.slug) for s in self.desk.sections)]
        for name in names:
            for problem in dangling_citations(self.cleaned_data.get(name) or "", numbers):
                self.add_error(name, problem)

    def submitted_sections(self) -> dict[str, str]:
        slugs = [s.perspective.slug for s in self.desk.sections]
        return {slug: self.cleaned_data[section_field(slug)] for slug in slugs}


class DigestDeskForm(DeskTextMixin, forms.ModelForm):
    """The change page's form; ``DigestAdmin.get_form`` subclasses it for one request."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    save_error: ClassVar[str] = ""  # the workflow refused the save: shown, text kept
    restored: ClassVar[dict[str, str] | None] = None  # an older revision's text to offer

    class Meta:
        model = Digest
        fields = ["title"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_text_fields()
        self.fields["expected_version"].initial = self.instance.version
        if self.restored and not self.is_bound:
            self.initial.update(self.restored)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.save_error:
            raise ValidationError(self.save_error)
        self.check_citations()
        return cleaned


class CorrectionForm(DeskTextMixin, forms.Form):
    note = forms.CharField(
        label="Correction note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Shown to readers with the digest: what was corrected, and why.",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, desk: Desk, **kwargs) -> None:
        self.desk = desk
        super().__init__(*args, **kwargs)
        self.add_text_fields()
        self.fields["expected_version"].initial = desk.digest.version

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_citations()
        return cleaned


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label="Publish at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, topic: Topic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.fields["at"].help_text = f"In the topic's time zone, {topic.time_zone}."

    def clean_at(self):
        at = self.cleaned_data["at"].replace(tzinfo=None)
        at = timezone.make_aware(at, self.topic.zone)
        if at <= timezone.now():
            raise ValidationError("Choose a time in the future, or publish now.")
        return at


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why the digest is withdrawn; kept in the audit log.",
    )


# --- The source list: include, exclude, move; citations renumbered ----------------------


@dataclass(frozen=True)
class EntryRow:
    pk: int
    old: int | None  # the citation number the text uses now
    move_to: int | None  # the position the editor asked for
    included: bool
    perspective_id: int | None


def arrange_entries(
    rows: list[EntryRow], order: dict[int, int]
) -> tuple[dict[int, int | None], dict[int, int | None]]:
    """New numbers, perspective by perspective, and the old → new mapping for the text.

    An article moved to a number goes before the one already there when it moves up, and
    after it when it moves down, as in any list an editor reorders.
    """

    def key(row: EntryRow) -> tuple:
        moved = row.move_to != row.old
        tie = (0 if row.old is None or (row.move_to or 0) < row.old else 2) if moved else 1
        return (order[row.perspective_id], row.move_to or 10**9, tie, row.old or 10**9, row.pk)

    placed = sorted((r for r in rows if r.included and r.perspective_id in order), key=key)
    positions: dict[int, int | None] = dict.fromkeys((r.pk for r in rows), None)
    mapping: dict[int, int | None] = {r.old: None for r in rows if r.old}
    for number, row in enumerate(placed, 1):
        positions[row.pk] = number
        if row.old:
            mapping[row.old] = number
    return positions, mapping


def entry_rows(formset) -> list[EntryRow]:
    return [
        EntryRow(
            pk=form.instance.pk,
            old=form.instance.position,  # ``move_to`` is not a model field: this is unchanged
            move_to=form.cleaned_data.get("move_to"),
            included=form.instance.included,
            perspective_id=form.instance.perspective_id,
        )
        for form in formset.forms
        if form.instance.pk
    ]


def entries_write(formset, positions: dict[int, int | None]) -> None:
    """Save the source list as arranged; the formset then reports its changes as if saved."""
    formset.new_objects, formset.deleted_objects = [], []
    formset.changed_objects = [
        (f.instance, f.changed_data) for f in formset.forms if f.has_changed()
    ]
    if not positions:
        return
    entries = [form.instance for form in formset.forms if form.instance.pk]
    DigestArticle.objects.filter(pk__in=[e.pk for e in entries]).update(position=None)
    for entry in entries:
        entry.position = positions[entry.pk]
    DigestArticle.objects.bulk_update(entries, ["position", "included", "perspective"])


class EntryForm(forms.ModelForm):
    move_to = forms.IntegerField(
        label="Position", required=False, min_value=1, widget=forms.NumberInput(attrs={"size": 3})
    )
    perspectives: ClassVar[list[Perspective]] = []

    class Meta:
        model = DigestArticle
        fields = ["included", "perspective"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_to"].initial = self.instance.position
        if field := self.fields.get("perspective"):
            # Static choices: one query for the page, not one per row.
            field.queryset = Perspective.objects.filter(pk__in=[p.pk for p in self.perspectives])
            field.choices = [("", "— unplaced —"), *((p.pk, p.name) for p in self.perspectives)]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("included") and not cleaned.get("perspective", self.instance.perspective):
            self.add_error("perspective", "An included article needs a perspective.")
        return cleaned


class DigestArticleInline(admin.TabularInline):
    model = DigestArticle
    form = EntryForm
    extra = 0
    can_delete = False
    fields = [
        "move_to",
        "included",
        "perspective",
        "outlet",
        "title_link",
        "off_topic",
        "relevance_score",
        "story",
    ]
    readonly_fields = ["outlet", "title_link", "off_topic", "relevance_score", "story"]
    ordering = [F("position").asc(nulls_last=True), "id"]
    verbose_name = "source"
    verbose_name_plural = "sources (uncheck “included” to leave one out; renumbered on save)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        editable = obj is None or workflow.can_edit(request.user, obj)
        return editable and super().has_change_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("perspective")

    def get_formset(self, request, obj=None, **kwargs):
        perspectives = list(obj.topic.perspectives.all()) if obj else []
        kwargs["form"] = type("EntryForm", (EntryForm,), {"perspectives": perspectives})
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="Position")
    def move_to(self, entry: DigestArticle) -> int | None:
        return entry.position

    @admin.display(description="Outlet")
    def outlet(self, entry: DigestArticle) -> str:
        return entry.cited_outlet

    @admin.display(description="Title")
    def title_link(self, entry: DigestArticle) -> str:
        if url := web_url(entry.cited_url):
            return format_html(
                '<a href="{}" rel="noopener noreferrer">{}</a>', url, entry.cited_title
            )
        return entry.cited_title

    @admin.display(description="Relevance")
    def relevance_score(self, entry: DigestArticle) -> str:
        return f"{entry.relevance:.2f}"


# --- History: what a revision said ------------------------------------------------------------


def revision_text(version: Version) -> dict:
    """The title, highlights and section bodies (by perspective id) a digest revision kept."""
    fields = version.field_dict
    kind = ContentType.objects.get_for_model(DigestSection)
    sections = {}
    for other in version.revision.version_set.filter(content_type=kind):
        section = other.field_dict
        if section.get("digest_id") == fields.get("id"):
            sections[section["perspective_id"]] = section.get("body", "")
    return {
        "title": fields.get("title", ""),
        "highlights": fields.get("highlights", ""),
        "sections": sections,
    }


def revision_parts(text: dict, perspectives: list[Perspective]) -> list[tuple[str, str]]:
    sections = text["sections"]
    return [("Title", text["title"]), ("Highlights", text["highlights"])] + [
        (f"{p.name} perspective", sections.get(p.pk, "")) for p in perspectives
    ]


def revision_label(version: Version) -> str:
    revision = version.revision
    who = revision.user.get_username() if revision.user else "automation"
    when = timezone.localtime(revision.date_created)
    return f"{when:%Y-%m-%d %H:%M} by {who}: {revision.get_comment() or 'saved'}"
