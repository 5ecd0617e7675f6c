"""The ingestion pipeline: fetch a feed → parse → store articles; fetch a page → extract.

Each function does its network work outside any transaction (THREATS.md 11), never
raises for bad input (the reason is recorded on the Feed or Article), and is safe to
run twice or from two workers at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings

from . import googlenews, services
from .extraction import ExtractionError, extract_article
from .feedparsing import FeedRejected, ParsedEntry, parse_feed
from .fetching import FetchError, fetch
from .links import domain_of, normalise_url
from .models import Article, Feed
from .signals import articles_ingested

logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = {"text/html", "application/xhtml+xml", "text/plain", ""}


@dataclass
class FeedResult:
    feed: Feed
    outcome: str  # "ok", "not_modified", "failed", "skipped"
    new_articles: int = 0
    entries: int = 0
    error: str = ""
    skipped_entries: list[str] = field(default_factory=list)
    new_article_ids: list[int] = field(default_factory=list)


def feed_fetch(feed: Feed) -> FeedResult:
    """Fetch one feed and store its new articles; one feed's failure touches nothing else."""
    if not services.feed_claim(feed):
        return FeedResult(feed, "skipped", error="Another worker is fetching this feed.")
    try:
        return _fetch_and_store(feed)
    except (FetchError, FeedRejected) as exc:
        return _failed(feed, str(exc), exc)
    except Exception as exc:  # one broken feed must never stop the others
        logger.exception("Unexpected error fetching feed %s", feed.url)
        return _failed(feed, f"Unexpected error: {type(exc).__name__}: {exc}", exc)


def _failed(feed: Feed, error: str, exc: Exception) -> FeedResult:
    services.feed_record_failure(
        feed=feed,
        error=error,
        status=getattr(exc, "status", None),
        retry_after=getattr(exc, "retry_after", None),
    )
    return FeedResult(feed, "failed", error=error)


def _fetch_and_store(feed: Feed) -> FeedResult:
    response = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
    if response.permanent_url and services.feed_move(feed=feed, url=response.permanent_url):
        logger.info("Feed moved permanently to %s", response.permanent_url)
    if response.status == 304:
        services.feed_record_success(feed=feed, status=304)
        return FeedResult(feed, "not_modified")
    parsed = parse_feed(
        response.body, url=response.url, content_type=response.headers.get("content-type", "")
    )
    items = [
        entry_to_article_data(entry, feed_language=parsed.language) for entry in parsed.entries
    ]
    new = services.articles_store(feed=feed, items=items)
    services.feed_record_success(
        feed=feed,
        status=response.status,
        new_articles=new,
        etag=response.headers.get("etag", ""),
        last_modified=response.headers.get("last-modified", ""),
        title=parsed.title,
        site_url=parsed.site_url,
    )
    new_ids = list(
        Article.objects.filter(url__in=[i.url for i in items], extraction_attempts=0)
        .filter(extraction_status=Article.Extraction.PENDING)
        .values_list("id", flat=True)
    )
    if new_ids:
        _announce(feed, new_ids)
    return FeedResult(
        feed,
        "ok",
        new_articles=new,
        entries=len(items),
        skipped_entries=parsed.skipped,
        new_article_ids=new_ids,
    )


def _announce(feed: Feed, article_ids: list[int]) -> None:
    """Tell listeners (placement) about new articles; their failure is not the feed's."""
    for receiver, result in articles_ingested.send_robust(
        sender=Feed, feed=feed, article_ids=article_ids
    ):
        if isinstance(result, Exception):
            logger.error(
                "After fetching %s, %s failed: %r",
                feed.url,
                receiver.__name__,
                result,
                exc_info=result,
            )


def entry_to_article_data(entry: ParsedEntry, *, feed_language: str = "") -> services.ArticleData:
    """Key the entry on its normalised URL; the outlet comes from <source url> or the link."""
    outlet_url = entry.source_url or entry.link
    return services.ArticleData(
        url=normalise_url(entry.link),
        link=entry.link[:2000],
        guid=entry.guid,
        title=entry.title,
        summary=entry.summary,
        published_at=entry.published,
        language=entry.language or feed_language,
        source_domain=domain_of(outlet_url) or domain_of(entry.link),
        source_name=entry.source_name.strip()[:200],
        source_homepage=entry.source_url[:500] if entry.source_url else "",
    )


# --- Extraction ----------------------------------------------------------------


@dataclass
class ExtractResult:
    article_id: int
    outcome: str  # "ok", "failed", "skipped", "busy" (leased elsewhere), "done" (meanwhile)
    error: str = ""


def article_extract(article: Article) -> ExtractResult:
    """Fetch the article's page and store its cleaned text; a failure keeps the article."""
    if not services.article_claim(article):
        if Article.objects.filter(pk=article.pk, extracting_since__isnull=False).exists():
            return ExtractResult(article.pk, "busy", "Another worker is extracting this article.")
        return ExtractResult(article.pk, "done", "Already extracted (or removed) meanwhile.")
    try:
        resolved = _resolve_wrapper(article)
        if resolved.pk != article.pk:  # the same story as an article we already had
            if resolved.extraction_status == Article.Extraction.OK:
                return ExtractResult(
                    resolved.pk, "done", "Same story as an article already extracted."
                )
            if not services.article_claim(resolved):
                return ExtractResult(resolved.pk, "done", "Same story as an article in progress.")
            article = resolved
        response = fetch(article.url, accept=PAGE_ACCEPT, deadline=_page_deadline())
        if response.content_type not in HTML_TYPES:
            reason = f"Not a web page ({response.content_type}); kept with its title and summary."
            services.article_record_extraction(article=article, error=reason, skipped=True)
            return ExtractResult(article.pk, "skipped", reason)
        extracted = extract_article(
            response.body, url=response.url, http_charset=response.charset, title=article.title
        )
    except (FetchError, ExtractionError, googlenews.GoogleNewsError) as exc:
        return _extraction_failed(article, str(exc))
    except Exception as exc:  # never lose the article over one bad page
        logger.exception("Unexpected error extracting %s", article.url)
        return _extraction_failed(article, f"Unexpected error: {type(exc).__name__}: {exc}")
    services.article_record_extraction(
        article=article, text=extracted.text, language=extracted.language
    )
    return ExtractResult(article.pk, "ok")


def _extraction_failed(article: Article, reason: str) -> ExtractResult:
    services.article_record_extraction(article=article, error=reason)
    return ExtractResult(article.pk, "failed", reason)


def _page_deadline() -> float:
    return min(settings.DIGESTCMS_FETCH_DEADLINE, 20.0)


def _resolve_wrapper(article: Article) -> Article:
    """A Google News wrapper link is swapped for the publisher's URL before fetching."""
    if not googlenews.is_wrapper(article.url):
        return article
    try:
        real = googlenews.resolve(article.url)
    except googlenews.GoogleNewsError as exc:
        raise googlenews.GoogleNewsError(
            f"Could not resolve the Google News link ({exc}); the article keeps the wrapper URL."
        ) from None
    return services.article_move_to_url(article=article, url=normalise_url(real))
