"""What editors make: topics, their perspectives, and where each outlet is placed."""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sources.models import Feed, Source

country_list_validator = RegexValidator(
    r"^([A-Z]{2})?(,[A-Z]{2})*$", "Two-letter ISO country codes, upper case, separated by commas."
)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London.") from None


# The public site's own paths: a topic slug may not shadow them (digests/urls.py).
RESERVED_TOPIC_SLUGS = frozenset(
    {"admin", "feeds", "markdownx", "media", "outlets", "preview", "search", "static", "healthz"}
)


def validate_topic_slug(value: str) -> None:
    if value.lower() in RESERVED_TOPIC_SLUGS:
        raise ValidationError(f"“{value}” is one of the site's own paths; choose another slug.")


class TopicQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Topic(models.Model):
    slug = models.SlugField(unique=True, validators=[validate_topic_slug])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    keywords = models.TextField(
        blank=True, help_text="Words and phrases that make an article relevant, one per line."
    )
    feeds = models.ManyToManyField(Feed, through="TopicFeed", related_name="topics", blank=True)
    edition_time = models.TimeField(default=time(6, 0))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    articles_per_perspective = models.PositiveSmallIntegerField(default=10)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("topic_archive", args=[self.slug])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace(",", "\n").splitlines() if k.strip()]


class Perspective(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="perspectives")
    slug = models.SlugField()
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    countries = models.CharField(
        max_length=300,
        blank=True,
        validators=[country_list_validator],
        help_text="ISO codes of the countries this perspective speaks for, e.g. CN,HK,MO.",
    )

    class Meta:
        ordering = ["topic", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "slug"], name="unique_perspective_slug")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def country_codes(self) -> set[str]:
        return {c.strip().upper() for c in self.countries.split(",") if c.strip()}


class TopicFeed(models.Model):
    """A feed a topic reads, optionally with the perspective its unknown outlets default to."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE)
    default_perspective = models.ForeignKey(
        Perspective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "feed"], name="unique_topic_feed")]

    def __str__(self) -> str:
        return f"{self.topic}: {self.feed}"

    def clean(self) -> None:
        if self.default_perspective_id and self.default_perspective.topic_id != self.topic_id:
            raise ValidationError({"default_perspective": "Choose a perspective of this topic."})


class PlacementQuerySet(models.QuerySet):
    def needs_review(self):
        return self.filter(perspective__isnull=True, excluded=False)

    def placed(self):
        return self.filter(perspective__isnull=False, excluded=False)

    def automatic(self):
        return self.exclude(origin=Placement.Origin.EDITOR)


class Placement(models.Model):
    """Which perspective of a topic an outlet speaks for — or that it is excluded."""

    class Origin(models.TextChoices):
        EDITOR = "editor", "Editor"
        REGISTRY = "registry", "Known-outlet registry"
        COUNTRY = "country", "Outlet's country"
        FEED = "feed", "Feed default"
        NONE = "none", "Unplaced (needs review)"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="placements")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="placements")
    perspective = models.ForeignKey(
        Perspective, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )
    excluded = models.BooleanField(default=False, help_text="Leave this outlet out of the topic.")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.NONE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "source__name"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "source"], name="unique_placement"),
            models.CheckConstraint(
                condition=Q(excluded=False) | Q(perspective__isnull=True),
                name="excluded_has_no_perspective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} in {self.topic}: {self.label}"

    @property
    def label(self) -> str:
        if self.excluded:
            return "excluded"
        return self.perspective.name if self.perspective_id else "needs review"


class PlacementChange(models.Model):
    """One change of a placement: who, when, old → new, why. Never edited."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="changes")
    old_label = models.CharField(max_length=100)
    new_label = models.CharField(max_length=100)
    old_origin = models.CharField(max_length=10, choices=Placement.Origin.choices)
    new_origin = models.CharField(max_length=10, choices=Placement.Origin.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_label} → {self.new_label}"


class DigestQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Digest.Status.PUBLISHED)

    def latest_per_topic(self):
        """Each active topic's most recent published edition."""
        latest = (
            Digest.objects.published()
            .filter(topic=models.OuterRef("topic"))
            .order_by("-edition_date")
            .values("pk")[:1]
        )
        return self.published().filter(topic__active=True, pk=models.Subquery(latest))

    def unpublished(self):
        return self.exclude(status__in=[Digest.Status.PUBLISHED, Digest.Status.WITHDRAWN])


class Digest(models.Model):
    """One topic's edition for one day: highlights, a section per perspective, cited articles."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="digests")
    edition_date = models.DateField()
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    highlights = models.TextField(blank=True, help_text="Markdown: the overall highlights.")
    machine_highlights = models.TextField(
        blank=True, editable=False, help_text="The highlights as the drafter wrote them."
    )
    provenance = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="For each drafted bullet: its citations and the sentences it came from.",
    )
    drafter = models.CharField(max_length=50, blank=True)
    drafter_version = models.CharField(max_length=50, blank=True)
    drafter_note = models.TextField(blank=True, help_text="e.g. why the LLM draft fell back.")
    generated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    placement_changed_since_publishing = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    correction_note = models.TextField(
        blank=True, help_text="Public note shown with a corrected digest."
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(
        blank=True, editable=False, help_text="What public search reads, set when published."
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped on every save; a stale save is refused."
    )
    frozen_placements = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Placements in force when published."
    )
    articles = models.ManyToManyField(
        "sources.Article", through="DigestArticle", related_name="digests", blank=True
    )

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-edition_date", "topic__name"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "edition_date"], name="unique_digest_edition")
        ]
        permissions = [
            ("publish_digest", "Can publish, schedule, withdraw and correct digests"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("digest_detail", args=[self.topic.slug, self.edition_date.isoformat()])

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.WITHDRAWN)

    @property
    def public_updated_at(self):
        """When the public last saw this digest change: its correction, else its publishing."""
        return self.corrected_at or self.published_at or self.updated_at


class DigestSection(models.Model):
    """One perspective's bullets in a digest; the machine draft is kept beside the edited text."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="sections")
    perspective = models.ForeignKey(Perspective, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(blank=True, help_text="Markdown bullets citing the numbered sources.")
    machine_body = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["perspective__order", "perspective__name"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "perspective"], name="unique_digest_section")
        ]

    def __str__(self) -> str:
        return f"{self.digest}: {self.perspective}"

    @property
    def edited(self) -> bool:
        return self.body != self.machine_body


class DigestArticle(models.Model):
    """An article in a digest's list; ``position`` is the number citations refer to.

    What the digest cites is kept as it was cited (title, link, outlet, language, date),
    so later changes to the article never change a digest's source list.
    """

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    article = models.ForeignKey("sources.Article", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Citation number; empty when left out of the digest."
    )
    perspective = models.ForeignKey(
        Perspective, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    included = models.BooleanField(default=True)
    off_topic = models.BooleanField(default=False)
    relevance = models.FloatField(default=0.0)
    story = models.PositiveIntegerField(default=0, help_text="Near-duplicates share a story id.")
    cited_title = models.TextField()
    cited_url = models.URLField(max_length=2000)
    cited_outlet = models.CharField(max_length=200)
    cited_language = models.CharField(max_length=20, blank=True)
    cited_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["digest", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "article"], name="unique_digest_article"),
            models.UniqueConstraint(
                fields=["digest", "position"],
                condition=Q(position__isnull=False),
                name="unique_digest_position",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.position}] {self.cited_title}"


class DigestEvent(models.Model):
    """The audit log: every state change and save of a digest (who, when, what)."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.digest}"
