from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from reversion.admin import VersionAdmin
from reversion.models import Version

from sources.admin import BaseAdmin, SourceAdmin
from sources.models import Source

from . import services, workflow
from .admin_desk import (
    Desk,
    DigestArticleInline,
    DigestDeskForm,
    arrange_entries,
    entries_write,
    entry_rows,
    revision_label,
    revision_text,
    section_field,
)
from .caching import public_changed
from .coverage import coverage_check
from .models import (
    Digest,
    DigestArticle,
    Perspective,
    Placement,
    PlacementChange,
    Topic,
    TopicFeed,
)
from .rendering import bullets_with_sources, render_markdown
from .views import DigestStepsMixin, preview_url

# --- Topics ------------------------------------------------------------------------


class PerspectiveInline(admin.TabularInline):
    model = Perspective
    extra = 0
    fields = ["order", "slug", "name", "countries"]
    prepopulated_fields = {"slug": ["name"]}


class TopicFeedInline(admin.TabularInline):
    model = TopicFeed
    extra = 0
    autocomplete_fields = ["feed"]
    verbose_name = "feed"
    verbose_name_plural = "feeds (with the perspective their unknown outlets default to)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "default_perspective":
            topic_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Perspective.objects.filter(topic_id=topic_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Topic)
class TopicAdmin(BaseAdmin):
    list_display = ["name", "slug", "active", "edition_time", "time_zone", "feed_count"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [PerspectiveInline, TopicFeedInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_feeds=Count("feeds"))

    @admin.display(description="Feeds", ordering="n_feeds")
    def feed_count(self, topic: Topic) -> int:
        return topic.n_feeds

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.topic_schedule_sync(topic=obj)
        public_changed()  # names, descriptions and perspectives show on public pages


# --- Placements: the morning fix ---------------------------------------------------------


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("needed", "Needs review"), ("placed", "Placed"), ("excluded", "Excluded")]

    def queryset(self, request, queryset):
        return {
            "needed": queryset.needs_review(),
            "placed": queryset.placed(),
            "excluded": queryset.filter(excluded=True),
        }.get(self.value(), queryset)


class ChangedThisWeekFilter(admin.SimpleListFilter):
    title = "changed"
    parameter_name = "changed"

    def lookups(self, request, model_admin):
        return [("week", "This week")]

    def queryset(self, request, queryset):
        if self.value() == "week":
            return queryset.filter(decided_at__gte=timezone.now() - timedelta(days=7))
        return queryset


class PlacementChangelistForm(forms.ModelForm):
    """Each row offers only its own topic's perspectives."""

    class Meta:
        model = Placement
        fields = ["perspective"]

    def __init__(self, *args, perspectives_by_topic=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = (perspectives_by_topic or {}).get(self.instance.topic_id, [])
        field = self.fields["perspective"]
        field.queryset = Perspective.objects.filter(pk__in=[p.pk for p in choices])
        field.choices = [("", "— needs review —")] + [(p.pk, p.name) for p in choices]
        field.required = False


class PlaceUnderForm(forms.Form):
    perspective = forms.ModelChoiceField(queryset=Perspective.objects.none())
    reason = forms.CharField(required=False, widget=forms.TextInput(attrs={"size": 60}))


class PlacementChangeInline(admin.TabularInline):
    model = PlacementChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "old_label", "new_label", "new_origin", "changed_by", "reason"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Placement)
class PlacementAdmin(BaseAdmin):
    list_display = [
        "outlet",
        "domain",
        "topic",
        "perspective",
        "origin",
        "articles_last_7_days",
        "decided_by",
        "decided_at",
    ]
    list_display_links = ["outlet"]
    list_editable = ["perspective"]
    list_filter = ["topic", "perspective", "origin", NeedsReviewFilter, ChangedThisWeekFilter]
    list_select_related = ["source", "topic", "perspective", "decided_by"]
    search_fields = ["source__name", "source__domain"]
    actions = ["place_under", "exclude_from_topic"]
    fields = [
        "topic",
        "source",
        "perspective",
        "excluded",
        "origin",
        "decided_by",
        "decided_at",
        "reason",
    ]
    readonly_fields = ["topic", "source", "origin", "decided_by", "decided_at"]
    inlines = [PlacementChangeInline]
    ordering = ["topic", "source__name"]

    def get_queryset(self, request):
        week_ago = timezone.now() - timedelta(days=7)
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_recent=Count(
                    "source__articles", filter=Q(source__articles__published_at__gte=week_ago)
                )
            )
        )

    @admin.display(description="Outlet", ordering="source__name")
    def outlet(self, placement: Placement) -> str:
        return placement.source.name

    @admin.display(description="Domain", ordering="source__domain")
    def domain(self, placement: Placement) -> str:
        return placement.source.domain

    @admin.display(description="Articles (7 days)", ordering="n_recent")
    def articles_last_7_days(self, placement: Placement) -> int:
        return placement.n_recent

    def has_add_permission(self, request):
        return False  # placements appear with the outlets; editors change them

    def get_changelist_form(self, request, **kwargs):
        return PlacementChangelistForm

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        by_topic: dict[int, list[Perspective]] = {}
        for perspective in Perspective.objects.all():
            by_topic.setdefault(perspective.topic_id, []).append(perspective)

        class Formset(formset):
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "perspectives_by_topic": by_topic}

        return Formset

    def save_model(self, request, obj, form, change):
        """Every editor change, from the list or the form, goes through the service."""
        perspective = form.cleaned_data.get("perspective")
        excluded = form.cleaned_data.get("excluded", False) if perspective is None else False
        services.placement_set(
            placement=obj,
            perspective=perspective,
            excluded=excluded,
            user=request.user,
            reason=form.cleaned_data.get("reason", "") or "changed in the placements list",
        )

    @admin.action(description="Place under…")
    def place_under(self, request, queryset):
        topics = set(queryset.values_list("topic", flat=True))
        form = PlaceUnderForm(request.POST if "apply" in request.POST else None)
        form.fields["perspective"].queryset = Perspective.objects.filter(topic__in=topics)
        if form.is_bound and form.is_valid():
            return self._place_all(request, queryset, form.cleaned_data)
        return TemplateResponse(
            request,
            "admin/digests/placement/place_under.html",
            {
                **self.admin_site.each_context(request),
                "title": "Place outlets under a perspective",
                "placements": queryset.select_related("source", "topic"),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def _place_all(self, request, queryset, data):
        try:
            for placement in queryset:
                services.placement_set(
                    placement=placement,
                    perspective=data["perspective"],
                    user=request.user,
                    reason=data["reason"],
                )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        self.message_user(
            request, f"{queryset.count()} outlets placed under {data['perspective']}."
        )
        return None

    @admin.action(description="Exclude from topic")
    def exclude_from_topic(self, request, queryset):
        for placement in queryset:
            services.placement_set(
                placement=placement, excluded=True, user=request.user, reason="excluded from topic"
            )
        self.message_user(request, f"{queryset.count()} outlets excluded from their topic.")


# --- The outlet's page shows its placements in every topic --------------------------


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    can_delete = False
    fields = ["topic", "label", "origin", "decided_by", "decided_at", "reason"]
    readonly_fields = fields
    show_change_link = True

    @admin.display(description="Placed under")
    def label(self, placement: Placement) -> str:
        return placement.label

    def has_add_permission(self, request, obj=None):
        return False


admin.site.unregister(Source)


@admin.register(Source)
class SourceWithPlacementsAdmin(SourceAdmin):
    inlines = [*SourceAdmin.inlines, PlacementInline]
    change_form_template = "admin/sources/source/change_form_with_history.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        history = (
            PlacementChange.objects.filter(placement__source_id=object_id)
            .select_related("placement__topic", "changed_by")
            .order_by("-changed_at", "-id")[:50]
        )
        extra_context = {**(extra_context or {}), "placement_history": history}
        return super().change_view(request, object_id, form_url, extra_context)


# --- Digests: the editor's desk (issue 5; its building blocks are in admin_desk.py) ---------


DRAFTING = (
    "Drafting",
    {
        "fields": ["drafter", "drafter_version", "drafter_note", "generated_at", "version"],
        "classes": ["collapse"],
    },
)
# The workflow refused the save (stale version, wrong status or role): shown on the form.
SAVE_REFUSED = (workflow.EditConflict, workflow.TransitionError, PermissionDenied)


@admin.register(Digest)
class DigestAdmin(DigestStepsMixin, VersionAdmin, BaseAdmin):
    """Editing goes through ``workflow.digest_save_edit``; the steps are in DigestStepsMixin."""

    list_display = ["title", "topic", "edition_date", "status", "version", "drafter", "updated_at"]
    list_filter = ["topic", "status"]
    list_select_related = ["topic"]
    date_hierarchy = "edition_date"
    search_fields = ["title"]

    readonly_fields = [
        "status",
        "drafter",
        "drafter_version",
        "drafter_note",
        "generated_at",
        "version",
        "published_at",
        "scheduled_for",
        "correction_note",
        "text",
    ]
    inlines = [DigestArticleInline]
    change_form_template = "admin/digests/digest/change_form.html"
    object_history_template = "admin/digests/digest/object_history.html"
    history_latest_first = True

    class Media:
        css = {"all": ["digests/desk.css"]}

    def view_on_site(self, obj: Digest) -> str:
        """The public page once published; until then the signed preview."""
        return obj.get_absolute_url() if obj.status == Digest.Status.PUBLISHED else preview_url(obj)

    def has_add_permission(self, request) -> bool:
        return False  # digests are drafted by the service, every morning

    def has_change_permission(self, request, obj=None) -> bool:
        """Text is edited until publishing; after that only a correction changes it."""
        editable = obj is None or workflow.can_edit(request.user, obj)
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)

    def get_urls(self):
        return self.step_urls() + super().get_urls()

    def desk(self, request: HttpRequest, digest: Digest) -> Desk:
        cached = getattr(request, "_digest_desk", None)
        if cached is None or cached.digest.pk != digest.pk:
            cached = request._digest_desk = Desk.load(digest)
        return cached

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):
            fields = ["title", "status", "published_at", "scheduled_for", "correction_note", "text"]
            return [(None, {"fields": fields}), DRAFTING]
        parts = self.desk(request, obj).parts()
        sections = [(label, {"fields": [section_field(slug)]}) for label, _, slug in parts if slug]
        main = ["title", "status", "expected_version", "highlights"]
        return [(None, {"fields": main}), *sections, DRAFTING]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or not self.has_change_permission(request, obj):
            return super().get_form(request, obj, change, **kwargs)
        attrs = {
            "desk": self.desk(request, obj),
            "save_error": getattr(request, "_digest_save_error", ""),
            "restored": getattr(request, "_digest_restored", None),
        }
        return type("DigestDeskForm", (DigestDeskForm,), attrs)

    @admin.display(description="Text")
    def text(self, digest: Digest) -> str:
        """A published digest's text as readers see it, with each bullet's sources."""
        desk = Desk.load(digest)
        parts = [
            {
                "label": label,
                "html": render_markdown(markdown),
                "bullets": bullets_with_sources(markdown, desk.entries, desk.drafted(slug)),
            }
            for label, markdown, slug in desk.parts()
        ]
        return render_to_string("admin/digests/digest/text.html", {"parts": parts})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            warnings = coverage_check(obj)
            context |= {
                "steps": self.steps(request.user, obj),
                "preview_url": preview_url(obj),
                "changes_url": self.url(obj, "changes"),
                "compare_url": self.url(obj, "compare"),
                "warnings": [w for w in warnings if w.level == "warning"],
                "notes": [w for w in warnings if w.level != "warning"],
                "events": obj.events.select_related("user")[:10],
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SAVE_REFUSED as refused:
            if request.method != "POST" or getattr(request, "_digest_save_error", ""):
                raise
            # All was rolled back: show the same POST again, the reason as the form's error.
            request._digest_save_error = str(refused) or "You may not change this digest."
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing here: ``save_related`` saves the text and the source list together."""

    def save_related(self, request, form, formsets, change) -> None:
        """The text through the workflow (version-checked), then the source list, renumbered."""
        entries = next((fs for fs in formsets if fs.model is DigestArticle), None)
        rearranged = entries is not None and entries.has_changed()
        positions, mapping = {}, {}
        if rearranged:
            order = {p.pk: i for i, p in enumerate(form.instance.topic.perspectives.all())}
            positions, mapping = arrange_entries(entry_rows(entries), order)
        digest = form.instance
        if form.has_changed() or rearranged:  # an unchanged form writes nothing
            digest = self.save_text(request, form, mapping, rearranged)
        if entries is not None:
            entries_write(entries, positions)
        if rearranged:
            services.digest_renumber(digest=digest)

    def save_text(self, request, form, mapping: dict, rearranged: bool) -> Digest:
        """The editor's text, its citations renumbered to match the rearranged source list."""

        def renumbered(text: str) -> str:
            return services.renumber_citations(text, mapping) if mapping else text

        sections = {slug: renumbered(text) for slug, text in form.submitted_sections().items()}
        return workflow.digest_save_edit(
            digest=form.instance,
            user=request.user,
            expected_version=form.cleaned_data["expected_version"],
            title=form.cleaned_data["title"],
            highlights=renumbered(form.cleaned_data["highlights"]),
            sections=sections,
            note="source list changed, citations renumbered" if rearranged else "",
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore: the change form filled with an older revision's text, saved like any edit.

        reversion's own revert would also roll back the status and the version counter,
        which only the workflow changes.
        """
        digest = self.digest_or_404(request, object_id)
        version = get_object_or_404(Version.objects.get_for_object(digest), pk=version_id)
        if not self.has_change_permission(request, digest):
            self.message_user(
                request,
                "Only a draft is restored; a published digest is corrected.",
                messages.ERROR,
            )
            return redirect(self.url(digest, "history"))
        text = revision_text(version)
        slugs = {s.perspective_id: s.perspective.slug for s in self.desk(request, digest).sections}
        sections = {section_field(slugs[k]): v for k, v in text["sections"].items() if k in slugs}
        request._digest_restored = {"title": text["title"], "highlights": text["highlights"]}
        request._digest_restored |= sections
        context = {"restoring": revision_label(version), **(extra_context or {})}
        response = self.changeform_view(request, object_id, request.path, context)
        if response.status_code == 200 and hasattr(response, "template_name"):
            response.template_name = "admin/digests/digest/revision_form.html"
        return response
