"""Where news comes from: outlets (Source), feeds, and the articles they carry."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Source(models.Model):
    """A news outlet, keyed by its domain (``news.cn``, ``newsus.cgtn.com``)."""

    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Lower-case host without 'www.', in ASCII (punycode) form.",
    )
    homepage = models.URLField(max_length=500, blank=True)

    class CountryOrigin(models.TextChoices):
        UNKNOWN = "", "Unknown"
        EDITOR = "editor", "Editor"
        REGISTRY = "registry", "Known-outlet registry"
        TLD = "tld", "Top-level domain"

    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, upper case."
    )
    country_origin = models.CharField(
        max_length=10, choices=CountryOrigin.choices, blank=True, default=CountryOrigin.UNKNOWN
    )
    state_affiliated = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "outlet"

    def __str__(self) -> str:
        return self.name or self.domain


class FeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def due(self, now=None):
        """Active feeds whose next fetch time has come (or was never set)."""
        now = now or timezone.now()
        return self.active().filter(Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now))

    def failing(self):
        return self.filter(consecutive_failures__gt=0)


class Feed(models.Model):
    url = models.URLField(max_length=2000, unique=True)
    title = models.CharField(max_length=300, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    active = models.BooleanField(default=True)

    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_new_articles = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    fetch_interval = models.PositiveIntegerField(
        default=3600, help_text="Seconds between fetches while the feed is healthy."
    )
    next_fetch_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set while a worker fetches the feed, so a second worker (or a schedule
    # that fires again) skips it instead of fetching twice (THREATS.md 10).
    fetching_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FeedQuerySet.as_manager()

    class Meta:
        ordering = ["title", "url"]

    def __str__(self) -> str:
        return self.title or self.url


class ArticleQuerySet(models.QuerySet):
    def needing_extraction(self, *, retry_failed: bool = False):
        statuses = [Article.Extraction.PENDING]
        if retry_failed:
            statuses.append(Article.Extraction.FAILED)
        return self.filter(extraction_status__in=statuses)

    def published_between(self, start, end):
        return self.filter(published_at__gte=start, published_at__lt=end)


class Article(models.Model):
    class Extraction(models.TextChoices):
        PENDING = "pending", "Pending"
        OK = "ok", "Extracted"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    url = models.URLField(max_length=2000, unique=True, help_text="Normalised URL: the key.")
    link = models.URLField(
        max_length=2000,
        db_index=True,
        help_text="The link exactly as the feed gave it (e.g. a Google News wrapper).",
    )
    guid = models.CharField(max_length=2000, blank=True)
    title = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=20, blank=True)
    feeds = models.ManyToManyField(Feed, through="ArticleFeed", related_name="articles")

    text = models.TextField(blank=True)
    text_locked = models.BooleanField(
        default=False,
        help_text="An editor corrected the text or the language: re-extraction will never "
        "overwrite either.",
    )
    extraction_status = models.CharField(
        max_length=10, choices=Extraction.choices, default=Extraction.PENDING, db_index=True
    )
    extraction_error = models.TextField(blank=True)
    extraction_attempts = models.PositiveSmallIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker extracts the article, so two workers never do it twice.
    extracting_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def best_text(self) -> str:
        """The extracted text, or the feed's summary when extraction gave nothing."""
        return self.text or self.summary


class ArticleFeed(models.Model):
    """An article came through this feed (the same story often arrives through several)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE)
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "feed"], name="unique_article_feed")
        ]

    def __str__(self) -> str:
        return f"{self.article} via {self.feed}"


class KnownOutlet(models.Model):
    """An entry of the known-outlet registry: an outlet we recognise by its domain.

    Entries come from ``sources/registry/outlets.csv`` (synced on every placement run) or
    from an editor in the admin; the file never overwrites an editor's entry.
    """

    domain = models.CharField(max_length=253, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    state_affiliated = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    added_by_editor = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "name", "domain"]
        verbose_name = "known outlet"

    def __str__(self) -> str:
        return f"{self.name} ({self.domain})"
