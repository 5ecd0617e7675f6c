import re

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from . import ingest, services
from .models import Article, ArticleFeed, Feed, KnownOutlet, Source
from .registry import shipped_domains
from .signals import outlets_edited


class BaseAdmin(admin.ModelAdmin):
    """What every admin here shares: no full counts on big tables, a sane page size."""

    list_per_page = 50
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Feed)
class FeedAdmin(BaseAdmin):
    list_display = [
        "__str__",
        "active",
        "health",
        "short_error",
        "last_new_articles",
        "last_succeeded_at",
        "next_fetch_at",
    ]
    list_filter = ["active", ("last_error", admin.EmptyFieldListFilter)]
    search_fields = ["title", "url"]
    actions = ["fetch_now", "activate", "deactivate"]
    readonly_fields = [
        "etag",
        "last_modified",
        "last_fetched_at",
        "last_succeeded_at",
        "last_status",
        "last_error",
        "last_new_articles",
        "consecutive_failures",
        "created_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["url", "title", "site_url", "active", "fetch_interval", "next_fetch_at"]},
        ),
        ("Last fetch", {"fields": readonly_fields}),
    ]

    @admin.display(description="Status")
    def health(self, feed: Feed) -> str:
        if feed.last_fetched_at is None:
            return "never fetched"
        if feed.consecutive_failures:
            return f"failing ({feed.consecutive_failures}×)"
        return "ok" if feed.last_status != 304 else "ok (not modified)"

    @admin.display(description="Last error")
    def short_error(self, feed: Feed) -> str:
        return Truncator(feed.last_error).chars(80)

    @admin.action(description="Fetch now")
    def fetch_now(self, request, queryset):
        results = [ingest.feed_fetch(feed) for feed in queryset[:20]]
        new = sum(r.new_articles for r in results)
        self.message_user(request, f"Fetched {len(results)} feeds: {new} new articles.")
        for result in results:
            if result.outcome == "failed":
                self.message_user(request, f"{result.feed}: {result.error}", messages.WARNING)

    @admin.action(description="Activate")
    def activate(self, request, queryset):
        queryset.update(active=True, next_fetch_at=timezone.now())

    @admin.action(description="Deactivate (stop fetching)")
    def deactivate(self, request, queryset):
        queryset.update(active=False)


COUNTRY_CODE = "Two letters (ISO 3166-1), such as CN or US; or empty."


class OutletForm(forms.ModelForm):
    """An outlet as editors type it: ``cn`` is CN, ``www.Example.com`` is example.com."""

    class Meta:
        error_messages = {"country": {"max_length": COUNTRY_CODE}}

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lower().removeprefix("www.")
        if "." not in domain.strip("."):  # "com" would take in every .com outlet
            raise forms.ValidationError("A whole domain, such as xinhuanet.com.")
        return domain

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError(COUNTRY_CODE)
        return country


def outlets_changed(source_ids, *, placing: bool) -> None:
    """Tell other apps (public pages, placements) that editors changed these outlets."""
    ids = {pk for pk in source_ids if pk is not None}
    if ids:
        outlets_edited.send(sender=Source, source_ids=ids, placing=placing)


@admin.register(Source)
class SourceAdmin(BaseAdmin):
    form = OutletForm
    list_display = ["name", "domain", "country", "state_affiliated", "article_count", "created_at"]
    list_filter = ["state_affiliated", "country"]
    search_fields = ["name", "domain"]
    list_editable = ["country", "state_affiliated"]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=Count("articles"))

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=OutletForm, **kwargs)

    def save_model(self, request, obj, form, change):
        changed = set(form.changed_data)
        if changed & {"country", "state_affiliated"}:
            # The editor's from now on: automation leaves country and affiliation alone.
            obj.country_origin = Source.CountryOrigin.EDITOR
        super().save_model(request, obj, form, change)
        if changed & {"domain", "country_origin"}:  # the registry may know it now
            services.sources_classify(sources=Source.objects.filter(pk=obj.pk))
        if change and changed:
            placing = bool(changed & {"country", "domain", "country_origin"})
            outlets_changed([obj.pk], placing=placing)

    @admin.display(description="Articles", ordering="n_articles")
    def article_count(self, source: Source) -> int:
        return source.n_articles

    @admin.action(description="Merge selected outlets into one…")
    def merge(self, request, queryset):
        chosen = request.POST.get("keep")
        if chosen:
            keep = queryset.filter(pk=chosen).first()
            if keep is None:
                self.message_user(request, "Choose one of the selected outlets.", messages.ERROR)
                return None
            moved = services.source_merge(keep=keep, merge=list(queryset.exclude(pk=keep.pk)))
            self.message_user(request, f"Merged into {keep}: {moved} articles moved.")
            return None
        if queryset.count() < 2:
            self.message_user(request, "Select at least two outlets to merge.", messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "admin/sources/source/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge outlets",
                "sources": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ArticleFeedInline(admin.TabularInline):
    model = ArticleFeed
    extra = 0
    readonly_fields = ["feed", "first_seen_at"]
    can_delete = False


@admin.register(Article)
class ArticleAdmin(BaseAdmin):
    list_display = ["title", "source", "published_at", "language", "extraction_status"]
    list_filter = ["extraction_status", "language", "text_locked"]
    list_select_related = ["source"]
    search_fields = ["title", "url", "source__name", "source__domain"]
    date_hierarchy = "published_at"
    actions = ["reextract"]
    autocomplete_fields = ["source"]
    inlines = [ArticleFeedInline]
    readonly_fields = [
        "publisher_link",
        "link",
        "guid",
        "extraction_status",
        "extraction_error",
        "extraction_attempts",
        "content_hash",
        "fetched_at",
        "created_at",
    ]
    fields = [
        "title",
        "url",
        "publisher_link",
        "source",
        "published_at",
        "language",
        "summary",
        "text",
        "text_locked",
        *readonly_fields[1:],
    ]

    @admin.display(description="Open")
    def publisher_link(self, article: Article) -> str:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
            article.url,
            article.url,
        )

    def save_model(self, request, obj, form, change):
        if change and {"text", "language"} & set(form.changed_data):
            obj.text_locked = True  # an editor's correction is never overwritten
        super().save_model(request, obj, form, change)
        if change and "source" in form.changed_data:  # its citations now link the new outlet
            outlets_changed([form.initial.get("source"), obj.source_id], placing=True)

    @admin.action(description="Re-extract the full text")
    def reextract(self, request, queryset):
        count = services.article_request_reextraction(articles=queryset)
        results = [ingest.article_extract(a) for a in queryset.select_related("source")[:20]]
        ok = sum(r.outcome == "ok" for r in results)
        self.message_user(
            request, f"{count} articles queued; {ok} of {len(results)} re-extracted now."
        )
        for result in results:
            if result.outcome == "failed":
                self.message_user(
                    request, f"Article {result.article_id}: {result.error}", messages.WARNING
                )


@admin.register(KnownOutlet)
class KnownOutletAdmin(BaseAdmin):
    """The known-outlet registry; entries added or changed here survive every sync of the
    shipped file. An entry for a domain the file lists can be neither deleted nor moved to
    another domain, even once an editor changed it (the next sync would bring the domain
    back from the file): change its country or flag instead, and your entry wins; for
    another domain, add an entry."""

    form = OutletForm
    list_display = ["name", "domain", "country", "state_affiliated", "added_by_editor"]
    list_filter = ["country", "state_affiliated", "added_by_editor"]
    search_fields = ["name", "domain"]

    def has_delete_permission(self, request, obj=None):
        return not _shipped(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "domain"] if _shipped(obj) else fields

    def save_model(self, request, obj, form, change):
        obj.added_by_editor = True
        old_domain = form.initial.get("domain") if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            _registry_changed([obj.domain, old_domain])

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            _registry_changed([obj.domain])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the delete action runs outside a transaction
            domains = list(queryset.values_list("domain", flat=True))
            super().delete_queryset(request, queryset)
            _registry_changed(domains)


def _shipped(known: KnownOutlet | None) -> bool:
    """An entry whose domain the registry file lists (whoever changed it since)."""
    return known is not None and known.domain in shipped_domains()


def _registry_changed(domains) -> None:
    outlets_changed(services.sources_reclassify_under(domains), placing=True)
