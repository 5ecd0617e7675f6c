from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone

from sources.admin import BaseAdmin, SourceAdmin
from sources.models import Source

from . import services
from .models import (
    Digest,
    DigestArticle,
    DigestSection,
    Perspective,
    Placement,
    PlacementChange,
    Topic,
    TopicFeed,
)

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


# --- Digests (the editor's desk grows in issue 5) -------------------------------------------


class DigestSectionInline(admin.StackedInline):
    model = DigestSection
    extra = 0
    can_delete = False
    fields = ["perspective", "body"]
    readonly_fields = ["perspective"]

    def has_add_permission(self, request, obj=None):
        return False


class DigestArticleInline(admin.TabularInline):
    model = DigestArticle
    extra = 0
    can_delete = False
    fields = [
        "position",
        "included",
        "perspective",
        "cited_outlet",
        "cited_title",
        "off_topic",
        "relevance",
        "story",
    ]
    readonly_fields = [
        "perspective",
        "cited_outlet",
        "cited_title",
        "off_topic",
        "relevance",
        "story",
    ]
    ordering = ["position", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("perspective")


@admin.register(Digest)
class DigestAdmin(BaseAdmin):
    list_display = ["title", "topic", "edition_date", "status", "drafter", "generated_at"]
    list_filter = ["topic", "status"]
    list_select_related = ["topic"]
    date_hierarchy = "edition_date"
    search_fields = ["title"]
    fields = [
        "title",
        "status",
        "highlights",
        "drafter",
        "drafter_version",
        "drafter_note",
        "generated_at",
    ]
    readonly_fields = ["status", "drafter", "drafter_version", "drafter_note", "generated_at"]
    inlines = [DigestSectionInline, DigestArticleInline]
