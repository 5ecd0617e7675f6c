"""Every write to outlets, feeds and articles goes through these functions."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone

from .links import domain_of
from .models import Article, ArticleFeed, Feed, KnownOutlet, Source
from .registry import Registry, RegistryEntry, country_from_tld, read_registry_file
from .signals import source_merged

# A worker that died mid-fetch leaves its lease behind; after this long the
# feed (or article) may be claimed again.
LEASE = timedelta(seconds=settings.Q_TIMEOUT)


@dataclass(frozen=True)
class ArticleData:
    """One feed entry, ready to store: URL normalised, outlet worked out."""

    url: str
    link: str
    guid: str
    title: str
    summary: str
    published_at: datetime | None
    language: str
    source_domain: str
    source_name: str
    source_homepage: str


# --- Outlets -----------------------------------------------------------------


def sources_for(items: list[ArticleData]) -> dict[str, Source]:
    """The Source for every domain in ``items``, creating new outlets on first sight.

    An existing outlet is never renamed here: editors rename outlets ("新华网" → "Xinhua").
    """
    wanted: dict[str, ArticleData] = {}
    for item in items:
        wanted.setdefault(item.source_domain, item)
    existing = set(Source.objects.filter(domain__in=wanted).values_list("domain", flat=True))
    new = [
        Source(name=item.source_name or domain, domain=domain, homepage=item.source_homepage)
        for domain, item in wanted.items()
        if domain not in existing
    ]
    if new:
        Source.objects.bulk_create(new, ignore_conflicts=True)
        sources_classify(sources=Source.objects.filter(domain__in=[s.domain for s in new]))
    return {s.domain: s for s in Source.objects.filter(domain__in=wanted)}


# --- Known-outlet registry -------------------------------------------------------


def registry_load() -> Registry:
    """The registry as editors see it in the admin (file entries plus their own)."""
    return Registry(
        RegistryEntry(o.domain, o.name, o.country, o.state_affiliated)
        for o in KnownOutlet.objects.all()
    )


@transaction.atomic
def registry_sync(*, entries: list[RegistryEntry] | None = None) -> tuple[int, int]:
    """Copy the registry file into the database; entries an editor added are left alone."""
    entries = read_registry_file() if entries is None else entries
    editors = set(KnownOutlet.objects.filter(added_by_editor=True).values_list("domain", flat=True))
    created = updated = 0
    for entry in entries:
        if entry.domain in editors:
            continue
        _, was_created = KnownOutlet.objects.update_or_create(
            domain=entry.domain,
            defaults={
                "name": entry.name,
                "country": entry.country,
                "state_affiliated": entry.state_affiliated,
                "notes": entry.notes,
            },
        )
        created += was_created
        updated += not was_created
    return created, updated


def sources_classify(*, sources=None, registry: Registry | None = None) -> int:
    """Fill each outlet's country (registry, else its top-level domain) unless an editor set it.

    A registry name replaces only a name that is still the bare domain; state affiliation
    follows the registry. Returns how many outlets changed.
    """
    registry = registry or registry_load()
    sources = Source.objects.all() if sources is None else sources
    groups: dict[tuple, list[int]] = defaultdict(list)
    renames: dict[str, list[int]] = defaultdict(list)
    for source in sources.exclude(country_origin=Source.CountryOrigin.EDITOR).only(
        "id", "domain", "name", "country", "country_origin", "state_affiliated"
    ):
        name = source.name
        if _classify(source, registry.match(source.domain)):
            groups[(source.country, source.country_origin, source.state_affiliated)].append(
                source.pk
            )
        if source.name != name:
            renames[source.name].append(source.pk)
    # One UPDATE per distinct outcome (in chunks): far fewer statements than outlets.
    for (country, origin, state), ids in groups.items():
        for chunk in _chunks(ids):
            Source.objects.filter(pk__in=chunk).update(
                country=country, country_origin=origin, state_affiliated=state
            )
    for name, ids in renames.items():
        for chunk in _chunks(ids):
            Source.objects.filter(pk__in=chunk).update(name=name)
    return sum(len(ids) for ids in groups.values())


def _chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _classify(source: Source, entry: RegistryEntry | None) -> bool:
    """Apply the registry entry (or the TLD) to ``source``; True when its country data changed."""
    before = (source.country, source.country_origin, source.state_affiliated)
    if entry is not None:
        source.country = entry.country
        source.country_origin = Source.CountryOrigin.REGISTRY
        source.state_affiliated = entry.state_affiliated
        if source.name == source.domain:
            source.name = entry.name
    else:
        source.country = country_from_tld(source.domain)
        source.country_origin = Source.CountryOrigin.TLD if source.country else ""
    return before != (source.country, source.country_origin, source.state_affiliated)


@transaction.atomic
def source_merge(*, keep: Source, merge: list[Source]) -> int:
    """Move every article of the ``merge`` outlets to ``keep`` and delete them."""
    others = [s for s in merge if s.pk != keep.pk]
    moved = Article.objects.filter(source__in=others).update(source=keep)
    for other in others:
        source_merged.send(sender=Source, keep=keep, merged=other)
        other.delete()
    return moved


# --- Articles ----------------------------------------------------------------


@transaction.atomic
def articles_store(*, feed: Feed, items: list[ArticleData]) -> int:
    """Upsert the feed's items keyed on the normalised URL; returns how many are new.

    The unique constraint on ``Article.url`` makes this safe against a second worker
    storing the same items at the same moment: conflicting inserts are ignored.
    """
    if not items:
        return 0
    by_url = {item.url: item for item in items}
    known = set(Article.objects.filter(url__in=by_url).values_list("url", flat=True))
    known_links = dict(
        Article.objects.filter(link__in=[i.link for i in items]).values_list("link", "url")
    )
    fresh = [i for i in by_url.values() if i.url not in known and i.link not in known_links]
    sources = sources_for(fresh)
    Article.objects.bulk_create(
        [_new_article(item, sources[item.source_domain]) for item in fresh], ignore_conflicts=True
    )
    urls = set(by_url) | set(known_links.values())
    ids = Article.objects.filter(url__in=urls).values_list("id", flat=True)
    ArticleFeed.objects.bulk_create(
        [ArticleFeed(article_id=pk, feed=feed) for pk in ids], ignore_conflicts=True
    )
    return len(fresh)


def _new_article(item: ArticleData, source: Source) -> Article:
    return Article(
        url=item.url,
        link=item.link,
        guid=item.guid[:2000],
        title=item.title,
        summary=item.summary,
        published_at=item.published_at,
        language=item.language,
        source=source,
        content_hash=content_hash(item.title + "\n" + item.summary),
    )


def content_hash(text: str) -> str:
    """A hash of the text with case and spacing ignored, to spot identical copies."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


def article_claim(article: Article) -> bool:
    """Take the extraction lease on ``article``.

    False when another worker holds it, or already finished it since we loaded the row
    (its status moved on), so two workers never extract the same article.
    """
    now = timezone.now()
    return bool(
        Article.objects.filter(pk=article.pk, extraction_status=article.extraction_status)
        .filter(Q(extracting_since__isnull=True) | Q(extracting_since__lt=now - LEASE))
        .update(extracting_since=now)
    )


def article_record_extraction(
    *, article: Article, text: str = "", language: str = "", error: str = "", skipped: bool = False
) -> None:
    """Store the result of one extraction attempt and release the lease."""
    changes: dict = {
        "extracting_since": None,
        "fetched_at": timezone.now(),
        "extraction_attempts": F("extraction_attempts") + 1,
    }
    if text:
        changes.update(extraction_status=Article.Extraction.OK, extraction_error="")
        if language:
            changes["language"] = language
        # Decided in the database, not on the row we loaded: an editor may have corrected
        # and locked the text while the page was being fetched.
        Article.objects.filter(pk=article.pk, text_locked=False).update(
            text=text, content_hash=content_hash(text)
        )
    else:
        status = Article.Extraction.SKIPPED if skipped else Article.Extraction.FAILED
        changes.update(extraction_status=status, extraction_error=error[:2000])
    Article.objects.filter(pk=article.pk).update(**changes)


@transaction.atomic
def article_move_to_url(*, article: Article, url: str) -> Article:
    """Give the article its real URL (a resolved Google News link).

    When another article already has that URL (the same story from a direct feed),
    the two are one story: the feeds are moved over and this row is removed — unless
    something (a digest) cites it, in which case it stays, marked as the duplicate it is.
    """
    other = Article.objects.select_for_update().filter(url=url).exclude(pk=article.pk).first()
    if other is None:
        Article.objects.filter(pk=article.pk).update(url=url, source=_source_for_url(article, url))
        article.refresh_from_db()
        return article
    feed_ids = ArticleFeed.objects.filter(article=article).values_list("feed_id", flat=True)
    ArticleFeed.objects.bulk_create(
        [ArticleFeed(article=other, feed_id=pk) for pk in feed_ids], ignore_conflicts=True
    )
    try:
        with transaction.atomic():
            article.delete()
    except ProtectedError:
        Article.objects.filter(pk=article.pk).update(
            extracting_since=None,
            extraction_status=Article.Extraction.SKIPPED,
            extraction_error=f"The same story as article {other.pk} ({url}); kept because it is cited.",
        )
    return other


def _source_for_url(article: Article, url: str) -> Source:
    """Keep the outlet the feed named; only a bare-domain outlet follows the URL."""
    if article.source.domain != domain_of(article.url):
        return article.source
    domain = domain_of(url)
    source, _ = Source.objects.get_or_create(domain=domain, defaults={"name": domain})
    return source


def article_request_reextraction(*, articles) -> int:
    """Put articles back in the extraction queue (an editor's "re-extract")."""
    return articles.update(extraction_status=Article.Extraction.PENDING, extraction_error="")


# --- Feeds -------------------------------------------------------------------


def feed_claim(feed: Feed) -> bool:
    """Take the fetch lease on ``feed``: a feed whose last run is still going is skipped."""
    now = timezone.now()
    return bool(
        Feed.objects.filter(pk=feed.pk)
        .filter(Q(fetching_since__isnull=True) | Q(fetching_since__lt=now - LEASE))
        .update(fetching_since=now)
    )


def _jittered(seconds: float, spread: float) -> timedelta:
    return timedelta(seconds=seconds * random.uniform(1 - spread, 1 + spread))


def feed_record_success(
    *,
    feed: Feed,
    status: int,
    new_articles: int = 0,
    etag: str = "",
    last_modified: str = "",
    title: str = "",
    site_url: str = "",
) -> None:
    now = timezone.now()
    changes = {
        "fetching_since": None,
        "last_fetched_at": now,
        "last_succeeded_at": now,
        "last_status": status,
        "last_error": "",
        "consecutive_failures": 0,
        "last_new_articles": new_articles,
        "next_fetch_at": now + _jittered(feed.fetch_interval, 0.1),
    }
    if status != 304:
        changes.update(etag=etag[:500], last_modified=last_modified[:100])
        if title and not feed.title:
            changes["title"] = title[:300]
        if site_url and not feed.site_url:
            changes["site_url"] = site_url[:2000]
    Feed.objects.filter(pk=feed.pk).update(**changes)


def feed_record_failure(
    *, feed: Feed, error: str, status: int | None = None, retry_after: float | None = None
) -> None:
    """Record why the fetch failed and back off: interval × 2^failures, jittered and capped."""
    now = timezone.now()
    failures = feed.consecutive_failures + 1
    delay = min(settings.DIGESTCMS_FEED_BACKOFF_CAP, feed.fetch_interval * 2 ** min(failures, 20))
    wait = max(_jittered(delay, 0.2), timedelta(seconds=min(retry_after or 0, 7 * 86400)))
    Feed.objects.filter(pk=feed.pk).update(
        fetching_since=None,
        last_fetched_at=now,
        last_status=status,
        last_error=error[:2000],
        consecutive_failures=failures,
        next_fetch_at=now + wait,
    )


@transaction.atomic
def feed_move(*, feed: Feed, url: str) -> bool:
    """Follow a permanent redirect: store the feed's new URL unless another feed has it."""
    if Feed.objects.filter(url=url).exclude(pk=feed.pk).exists():
        return False
    Feed.objects.filter(pk=feed.pk).update(url=url)
    feed.url = url
    return True


def feed_create(*, url: str, title: str = "", site_url: str = "", active: bool = True) -> Feed:
    feed, _ = Feed.objects.get_or_create(
        url=url, defaults={"title": title, "site_url": site_url, "active": active}
    )
    return feed


@transaction.atomic
def feeds_import(*, feeds) -> tuple[int, int]:
    """Create or update feeds from OPML outlines; returns (created, updated). Never duplicates."""
    created = updated = 0
    for item in feeds:
        _, was_created = Feed.objects.update_or_create(
            url=item.url,
            defaults={"title": item.title, "site_url": item.site_url, "active": item.active},
        )
        created += was_created
        updated += not was_created
    return created, updated
