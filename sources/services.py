"""Every write to outlets, feeds and articles goes through these functions."""

from __future__ import annotations

import functools
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError, Q
from django.db.models.constants import OnConflict
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


def sources_reclassify_under(domains) -> list[int]:
    """The registry changed for these domains: classify their outlets (subdomains too) now.

    Returns the ids of the outlets under them; ``sources_classify`` leaves alone those whose
    country an editor set.
    """
    match = Q()
    for domain in filter(None, domains):
        match |= Q(domain=domain) | Q(domain__endswith=f".{domain}")
    if not match:
        return []
    outlets = Source.objects.filter(match)
    sources_classify(sources=outlets)
    return list(outlets.values_list("pk", flat=True))


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
    storing the same items at the same moment: conflicting inserts are ignored, and
    only the rows this call inserted count as new.
    """
    if not items:
        return 0
    by_url = {item.url: item for item in items}
    links = {item.link for item in items}
    known: set[str] = set()
    known_links: dict[str, str] = {}
    for url, link in Article.objects.filter(Q(url__in=by_url) | Q(link__in=links)).values_list(
        "url", "link"
    ):
        if url in by_url:
            known.add(url)
        if link in links:
            known_links[link] = url
    fresh = [i for i in by_url.values() if i.url not in known and i.link not in known_links]
    sources = sources_for(fresh)
    new = _insert_ignoring_conflicts(
        [_new_article(item, sources[item.source_domain]) for item in fresh]
    )
    urls = set(by_url) | set(known_links.values())
    ids = Article.objects.filter(url__in=urls).values_list("id", flat=True)
    _insert_ignoring_conflicts([ArticleFeed(article_id=pk, feed=feed) for pk in ids])
    return new


def _insert_ignoring_conflicts(objs: list) -> int:
    """``bulk_create(objs, ignore_conflicts=True)``, one prepared row at a time; returns how
    many rows were inserted (a row ignored on a conflict counts 0 on SQLite and PostgreSQL).

    The same values (each field's own ``pre_save`` and ``get_db_prep_save``, so defaults
    and ``auto_now`` apply as in ``bulk_create``) and the same conflict clause; but the
    ORM built its multi-row INSERT at ~0.1 ms a row, half of what storing a feed cost.
    """
    if not objs:
        return 0
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    sql = " ".join(
        part
        for part in (
            ops.insert_statement(on_conflict=OnConflict.IGNORE),
            ops.quote_name(meta.db_table),
            f"({', '.join(ops.quote_name(f.column) for f in fields)})",
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None),
        )
        if part
    )
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


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
    (its status moved on), so two workers never extract the same article. One UPDATE whose
    WHERE clause is the whole test, so two claimants can never both see it succeed.
    """
    now = timezone.now()
    return bool(
        _execute(
            _lease_sql(Article, "extracting_since", "{extraction_status} = %s"),
            [_db_datetime(now), article.pk, article.extraction_status, _db_datetime(now - LEASE)],
        )
    )


def article_lease_held(article: Article) -> bool:
    """True while some worker holds the extraction lease on ``article`` (stale or not)."""
    sql = _sql("SELECT 1 FROM {table} WHERE {id} = %s AND {extracting_since} IS NOT NULL", Article)
    with connection.cursor() as cursor:
        cursor.execute(sql, [article.pk])
        return cursor.fetchone() is not None


def articles_still_claimable(articles: list[Article]) -> list[Article]:
    """Those of ``articles`` a claim could still take: the status they were loaded with,
    and no lease or a stale one (in the same order)."""
    stale_before = timezone.now() - LEASE
    rows: dict[int, tuple] = {}
    for start in range(0, len(articles), 500):
        chunk = [article.pk for article in articles[start : start + 500]]
        rows.update(
            (pk, (status, since))
            for pk, status, since in Article.objects.filter(pk__in=chunk).values_list(
                "pk", "extraction_status", "extracting_since"
            )
        )
    return [
        article
        for article in articles
        if article.pk in rows
        and rows[article.pk][0] == article.extraction_status
        and (rows[article.pk][1] is None or rows[article.pk][1] < stale_before)
    ]


def article_release(article: Article) -> None:
    """Give the lease back without recording an attempt (a claimed page left unprocessed)."""
    _execute(
        _sql("UPDATE {table} SET {extracting_since} = NULL WHERE {id} = %s", Article), [article.pk]
    )


def article_record_extraction(
    *, article: Article, text: str = "", language: str = "", error: str = "", skipped: bool = False
) -> None:
    """Store the result of one extraction attempt and release the lease, in one UPDATE.

    Whether the text may be written is decided in the database, not on the row we loaded:
    an editor may have corrected and locked the text while the page was being fetched.
    """
    _execute(*_record_statement(article, text, language, error, skipped))


def article_record_then_claim(*, article: Article, result: dict, next_article: Article) -> bool:
    """``article_record_extraction(article=article, **result)``, then ``article_claim(next_article)``.

    One UPDATE of the two rows (``CASE`` on the id picks what each gets), so a worker going
    from one page to the next pays one statement and one commit, not two; the claim's half
    has the same WHERE test as ``article_claim``, and ``text_locked`` is read by the UPDATE
    as in ``article_record_extraction``. The commit is durable, as the result's must be.
    Returns whether the claim succeeded; the result is written either way.
    """
    if article.pk == next_article.pk or not connection.features.can_return_columns_from_insert:
        with transaction.atomic():  # an SQLite without UPDATE ... RETURNING
            article_record_extraction(article=article, **result)
            return article_claim(next_article)
    now = timezone.now()
    text, status, error = _result_columns(**result)
    done = article.pk
    params: list = [
        done,
        _db_datetime(now),
        done,
        _db_datetime(now),
        done,
        done,
        status,
        done,
        error,
    ]
    if text:
        language = result.get("language") or None
        params += [done, language, done, text, done, content_hash(text)]
    params += [done, next_article.pk, next_article.extraction_status, _db_datetime(now - LEASE)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(_RECORD_THEN_CLAIM_OK if text else _RECORD_THEN_CLAIM, Article), params)
        return next_article.pk in {row[0] for row in cursor.fetchall()}


def _result_columns(
    text: str = "", language: str = "", error: str = "", skipped: bool = False
) -> tuple[str, str, str]:
    """(text, extraction_status, extraction_error) of one extraction's result."""
    if text:
        return text, Article.Extraction.OK, ""
    return "", Article.Extraction.SKIPPED if skipped else Article.Extraction.FAILED, error[:2000]


def _record_statement(
    article: Article, text: str = "", language: str = "", error: str = "", skipped: bool = False
) -> tuple[str, list]:
    text, status, error = _result_columns(text, language, error, skipped)
    params: list = [_db_datetime(timezone.now()), status, error]
    if text:
        params += [language or None, text, content_hash(text)]
    return _sql(_RECORD_OK if text else _RECORD_FAILED, Article), [*params, article.pk]


# The result and the release of the lease: "text_locked" (an editor corrected the text or
# the language: both stay; a language still unknown is filled in) is read by the UPDATE.
_RECORD_SET = (
    "UPDATE {table} SET {extracting_since} = NULL, {fetched_at} = %s, "
    "{extraction_attempts} = {extraction_attempts} + 1, {extraction_status} = %s, "
    "{extraction_error} = %s"
)
_RECORD_OK = (
    _RECORD_SET + ", {language} = CASE WHEN {text_locked} AND {language} <> '' "
    "THEN {language} ELSE COALESCE(%s, {language}) END, "
    "{text} = CASE WHEN {text_locked} THEN {text} ELSE %s END, "
    "{content_hash} = CASE WHEN {text_locked} THEN {content_hash} ELSE %s END "
    "WHERE {id} = %s"
)
_RECORD_FAILED = _RECORD_SET + " WHERE {id} = %s"
# The result on one row ({id} = the first parameter of each CASE), the claim on the other.
_RECORD_THEN_CLAIM = (
    "UPDATE {table} SET "
    "{extracting_since} = CASE WHEN {id} = %s THEN NULL ELSE %s END, "
    "{fetched_at} = CASE WHEN {id} = %s THEN %s ELSE {fetched_at} END, "
    "{extraction_attempts} = CASE WHEN {id} = %s "
    "THEN {extraction_attempts} + 1 ELSE {extraction_attempts} END, "
    "{extraction_status} = CASE WHEN {id} = %s THEN %s ELSE {extraction_status} END, "
    "{extraction_error} = CASE WHEN {id} = %s THEN %s ELSE {extraction_error} END"
)
_RECORD_THEN_CLAIM_OK = _RECORD_THEN_CLAIM + (
    ", {language} = CASE WHEN {id} = %s AND NOT ({text_locked} AND {language} <> '') "
    "THEN COALESCE(%s, {language}) ELSE {language} END, "
    "{text} = CASE WHEN {id} = %s AND NOT {text_locked} THEN %s ELSE {text} END, "
    "{content_hash} = CASE WHEN {id} = %s AND NOT {text_locked} THEN %s ELSE {content_hash} END"
)
_CLAIM_WHERE = (
    " WHERE {id} = %s OR ({id} = %s AND {extraction_status} = %s"
    " AND ({extracting_since} IS NULL OR {extracting_since} < %s)) RETURNING {id}"
)
_RECORD_THEN_CLAIM += _CLAIM_WHERE
_RECORD_THEN_CLAIM_OK += _CLAIM_WHERE


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
        _execute(
            _lease_sql(Feed, "fetching_since"),
            [_db_datetime(now), feed.pk, _db_datetime(now - LEASE)],
        )
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


# --- Leases in one statement --------------------------------------------------------
#
# A lease is claimed and given back on every article, so these statements are written out
# once per database rather than built by the ORM on each call (that cost ~1 ms a page).
# Names come from the models' metadata; values are always parameters.


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _db_datetime(value: datetime) -> object:
    return connection.ops.adapt_datetimefield_value(value)


def _sql(template: str, model) -> str:
    """``template`` with {table}, {id} and {<field name>} replaced by quoted names."""
    return _render_sql(template, model, connection.vendor)


@functools.cache
def _render_sql(template: str, model, vendor: str) -> str:
    quote = connection.ops.quote_name
    names = {f.name: quote(f.column) for f in model._meta.concrete_fields}
    names.update(table=quote(model._meta.db_table), id=quote(model._meta.pk.column))
    return template.format(**names)


def _lease_sql(model, field: str, condition: str = "") -> str:
    """UPDATE that takes the lease in ``field`` when it is free or stale (and ``condition``).

    Parameters: now, primary key, [condition's], stale-before. On PostgreSQL, outside a
    transaction, the statement also turns ``synchronous_commit`` off for its own implicit
    transaction (``set_config(..., true)`` is local to it): the claim is visible to every
    other worker at once, but its commit does not wait for a WAL flush. A claim lost in a
    database crash only makes the row claimable again; the UPDATE that records the result
    and releases the lease still commits durably. Inside an atomic block nothing changes,
    so the caller's transaction keeps its durability.
    """
    asynchronous = connection.vendor == "postgresql" and connection.get_autocommit()
    return _render_lease_sql(model, field, condition, asynchronous, connection.vendor)


@functools.cache
def _render_lease_sql(model, field: str, condition: str, asynchronous: bool, vendor: str) -> str:
    lease_only = (
        "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lease_only "
        if asynchronous
        else ""
    )
    template = (
        f"UPDATE {{table}} SET {{{field}}} = %s {lease_only}WHERE {{id}} = %s"
        + (f" AND {condition}" if condition else "")
        + f" AND ({{{field}}} IS NULL OR {{{field}}} < %s)"
    )
    return _render_sql(template, model, vendor)
