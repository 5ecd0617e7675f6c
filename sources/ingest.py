"""The ingestion pipeline: fetch a feed → parse → store articles; fetch a page → extract.

Each function does its network work outside any transaction (THREATS.md 11), never
raises for bad input (the reason is recorded on the Feed or Article), and is safe to
run twice or from two workers at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from . import googlenews, services
from .extraction import ExtractionError, extract_article
from .feedparsing import FeedRejected, ParsedEntry, parse_feed
from .fetching import (
    FetchError,
    FetchResponse,
    IncompleteBody,
    PendingFetch,
    fetch,
    start_fetch,
)
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
    try:
        response = fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
        )
    except IncompleteBody as exc:
        # Unlike a page, a feed cut short still holds whole items: parse_feed keeps those
        # and skips the one cut off (or refuses a feed cut before its first item).
        logger.warning("Feed %s: %s", feed.url, exc)
        response = exc.response
        for validator in ("etag", "last-modified"):  # a 304 next time would keep it cut short
            response.headers.pop(validator, None)
    if response.permanent_url and services.feed_move(feed=feed, url=response.permanent_url):
        logger.info("Feed moved permanently to %s", response.permanent_url)
    if response.status == 304:
        services.feed_record_success(feed=feed, status=304)
        return FeedResult(feed, "not_modified")
    parsed = parse_feed(
        response.body, url=response.url, content_type=response.headers.get("content-type", "")
    )
    for reason in parsed.skipped:
        logger.info("Feed %s: skipped %s", feed.url, reason)
    items = [
        entry_to_article_data(entry, feed_language=parsed.language) for entry in parsed.entries
    ]
    new = services.articles_store(feed=feed, items=items)
    carried = list(
        Article.objects.filter(url__in=[i.url for i in items]).values_list(
            "id", "extraction_status", "extraction_attempts"
        )
    )
    new_ids = [
        pk
        for pk, status, attempts in carried
        if status == Article.Extraction.PENDING and attempts == 0
    ]
    # Placement hears about every article the feed carries, not only the ones this run
    # created: the same story may have been stored first through another topic's feed, or by
    # a worker that died before announcing it. Placing is idempotent. It comes before the
    # success is recorded: a worker killed in between leaves no ETag, so the retry refetches
    # the feed (a 304 would announce nothing) and places again.
    if carried:
        _announce(feed, [pk for pk, _status, _attempts in carried])
    services.feed_record_success(
        feed=feed,
        status=response.status,
        new_articles=new,
        etag=response.headers.get("etag", ""),
        last_modified=response.headers.get("last-modified", ""),
        title=parsed.title,
        site_url=parsed.site_url,
    )
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
    claimed = _claim(article)
    if isinstance(claimed, ExtractResult):
        return claimed
    return _extract_claimed(claimed, lambda: _fetch_page(claimed))


def articles_extract(
    articles: Iterable[Article], *, prefetch: bool = True
) -> Iterator[ExtractResult]:
    """``article_extract`` on each article, yielding each result.

    With ``prefetch``, the request for the next article's page is sent before this one is
    extracted (``fetching.start_fetch``): the server prepares it and the kernel receives it
    meanwhile, so the wait for the network overlaps our own work. Each article is still
    claimed before its request goes out, so the lease keeps other workers off it as
    before. On PostgreSQL a result is written by ``_Writer`` on a thread of its own while
    the next page is extracted, so the wait for the database server overlaps it too; on
    SQLite (in-process, nothing to wait for) it is written together with the next claim,
    in one statement (``services.article_record_then_claim``). Either way it is yielded
    once written. This worker holds at most two leases (the page being extracted and the
    one on its way) and, while it is written, the lease of the page before; each for well
    under ``services.LEASE`` (two page deadlines and two extraction time limits). A
    Google News link is resolved and extracted with nothing else in flight. If the caller
    stops early (or an error escapes), what was extracted is written and the other
    leases are given back.

    The list is walked as ``_Worklist`` says: in order, until another worker is met.
    """
    worklist = _Worklist(articles)
    if not prefetch:
        for article in worklist:
            result = article_extract(article)
            worklist.note(result)
            yield result
        return
    state = _Prefetch()
    try:
        for article in worklist:
            slot = state.slot()
            if googlenews.is_wrapper(article.url):
                state.drain()
                slot[0] = article_extract(article)
            else:
                state.claim_and_request(article, slot)
            if slot[0] is not None:  # nothing to extract: lost to another worker, or done
                worklist.note(slot[0])
            yield from state.ready()
        state.drain()
        yield from state.ready()
    finally:
        state.abandon()


class _Worklist:
    """The articles left to try, taken from the front, so one worker goes in list order.

    Two workers given the same list would otherwise go in step, each losing every other
    claim to the other. So a claim lost to a worker holding the lease ("busy") turns this
    worker round, to take the list from the other end; and one lost to a result written
    since the list was loaded ("done": the workers have met) drops from the list, in one
    query, everything no longer claimable. Every article is still tried once at most, and
    none that another worker has not taken is left out.
    """

    def __init__(self, articles: Iterable[Article]):
        self.left = deque(articles)
        self.backwards = False

    def __iter__(self) -> Iterator[Article]:
        while self.left:
            yield self.left.pop() if self.backwards else self.left.popleft()

    def note(self, result: ExtractResult) -> None:
        if result.outcome == "busy":
            self.backwards = not self.backwards
        elif result.outcome == "done" and self.left:
            self.left = deque(services.articles_still_claimable(list(self.left)))


class _Prefetch:
    """What ``articles_extract`` has in flight: one article claimed with its request sent
    (``ahead``), one extracted whose result is not handed to the writer yet (``done``),
    the one being written (``writer``), and the results not yet handed out, in the order
    the articles were taken (``slots``)."""

    def __init__(self) -> None:
        self.ahead: tuple[Article, PendingFetch, list] | None = None
        self.done: tuple[_Extracted, list] | None = None
        self.unrequested: Article | None = None  # claimed, request not sent yet
        self.extracting: Article | None = None  # being extracted, nothing written yet
        self.slots: deque[list] = deque()
        self.writer = _Writer()

    def slot(self) -> list:
        slot: list = [None]
        self.slots.append(slot)
        return slot

    def ready(self) -> Iterator[ExtractResult]:
        while self.slots and self.slots[0][0] is not None:
            yield self.slots.popleft()[0]

    def claim_and_request(self, article: Article, slot: list) -> None:
        """Claim ``article`` and request its page (the last result is written with the
        claim, or handed to the writer), then extract the page requested before."""
        self.writer.wait()  # long written, as a rule: it had a page's extraction to run
        if self.done is None:
            claimed = services.article_claim(article)
        elif _Writer.wanted():
            claimed = services.article_claim(article)
            (extracted, done_slot), self.done = self.done, None
            self.writer.submit(extracted, done_slot)
        else:  # the result and the claim in one statement
            extracted, done_slot = self.done
            claimed = services.article_record_then_claim(
                article=extracted.article, result=extracted.record, next_article=article
            )
            self.done, done_slot[0] = None, extracted.result
        if not claimed:
            slot[0] = _lost_claim(article)
            return
        self.unrequested = article
        request = start_fetch(article.url, accept=PAGE_ACCEPT, deadline=_page_deadline())
        previous, self.ahead, self.unrequested = self.ahead, (article, request, slot), None
        if previous is not None:
            self.extracting = previous[0]
            self.done = (_extract(previous[0], previous[1].result), previous[2])
            self.extracting = None

    def drain(self) -> None:
        """Write the last result, and extract and write the page requested ahead."""
        self.writer.wait()
        if self.done is not None:
            (extracted, slot), self.done = self.done, None
            slot[0] = extracted.write()
        if self.ahead is not None:
            (article, request, slot), self.ahead = self.ahead, None
            slot[0] = _extract_claimed(article, request.result)

    def abandon(self) -> None:
        """The caller stopped (or an error escaped): keep what was extracted, free the rest."""
        with contextlib.suppress(DatabaseError):  # the database may be what failed
            self.writer.close()
        unwritten = [self.writer.unwritten, self.done[0] if self.done else None]
        self.writer.unwritten = self.done = None
        for extracted in filter(None, unwritten):
            with contextlib.suppress(DatabaseError):
                extracted.write()
        if self.ahead is not None:
            (article, request, _), self.ahead = self.ahead, None
            request.close()
            self._release(article)
        for article in (self.unrequested, self.extracting):
            if article is not None:
                self._release(article)
        self.unrequested = self.extracting = None

    @staticmethod
    def _release(article: Article) -> None:
        with contextlib.suppress(DatabaseError):
            services.article_release(article)


class _Writer:
    """Writes extraction results on a thread of its own while the loop goes on.

    Worth it where writing waits for a database server: the loop hands a result over and
    goes straight on to the next page, while the UPDATE, the round trip and the server's
    WAL flush run on a thread with a connection of its own. Not on SQLite, whose write
    runs in-process and mostly holds the GIL (the loop writes the result together with
    the next claim there, in one statement), nor inside the caller's transaction (another
    connection could not see the caller's rows). One result at a time: ``wait`` waits for
    it, fills its slot, and raises what writing it raised (the result is then kept in
    ``unwritten`` for ``abandon`` to try once more). ``close`` waits for the last result
    and closes the thread's connection.
    """

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.pending: tuple[Future, _Extracted, list] | None = None
        self.unwritten: _Extracted | None = None

    @staticmethod
    def wanted() -> bool:
        return connection.vendor != "sqlite" and not connection.in_atomic_block

    def submit(self, extracted: _Extracted, slot: list) -> None:
        assert self.pending is None, "wait() for the last result first"
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer")
        self.pending = (self.pool.submit(extracted.write), extracted, slot)

    def wait(self) -> None:
        if self.pending is None:
            return
        (future, extracted, slot), self.pending = self.pending, None
        try:
            slot[0] = future.result()
        except BaseException:
            self.unwritten = extracted
            raise

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                pool, self.pool = self.pool, None
                try:
                    pool.submit(_close_thread_connection).result()
                finally:
                    pool.shutdown()


def _close_thread_connection() -> None:
    connection.close()  # the calling thread's own connection (Django keeps one per thread)


def _claim(article: Article) -> Article | ExtractResult:
    """Take the lease (and resolve a Google News link): the article whose page to fetch,
    or the result when there is nothing to fetch."""
    if not services.article_claim(article):
        return _lost_claim(article)
    try:
        resolved = _resolve_wrapper(article)
    except (FetchError, googlenews.GoogleNewsError) as exc:
        return _extraction_failed(article, str(exc))
    except Exception as exc:  # never lose the article over one bad link
        logger.exception("Unexpected error extracting %s", article.url)
        return _extraction_failed(article, f"Unexpected error: {type(exc).__name__}: {exc}")
    if resolved.pk != article.pk:  # the same story as an article we already had
        if resolved.extraction_status == Article.Extraction.OK:
            return ExtractResult(resolved.pk, "done", "Same story as an article already extracted.")
        if not services.article_claim(resolved):
            return ExtractResult(resolved.pk, "done", "Same story as an article in progress.")
    return resolved


def _lost_claim(article: Article) -> ExtractResult:
    if services.article_lease_held(article):
        return ExtractResult(article.pk, "busy", "Another worker is extracting this article.")
    return ExtractResult(article.pk, "done", "Already extracted (or removed) meanwhile.")


def _fetch_page(article: Article) -> FetchResponse:
    return fetch(article.url, accept=PAGE_ACCEPT, deadline=_page_deadline())


@dataclass
class _Extracted:
    """The outcome of one extraction: what to yield, and what to write (not written yet)."""

    article: Article
    result: ExtractResult
    record: dict

    def write(self) -> ExtractResult:
        services.article_record_extraction(article=self.article, **self.record)
        return self.result


def _extract_claimed(article: Article, page: Callable[[], FetchResponse]) -> ExtractResult:
    """Extract the page of a claimed article and record the outcome (releasing the lease).

    ``page()`` gives the fetched response, or raises what the fetch raised.
    """
    return _extract(article, page).write()


def _extract(article: Article, page: Callable[[], FetchResponse]) -> _Extracted:
    """Extract the page of a claimed article; the outcome is written by the caller."""
    try:
        response = page()
        if response.content_type not in HTML_TYPES:
            reason = f"Not a web page ({response.content_type}); kept with its title and summary."
            return _Extracted(
                article,
                ExtractResult(article.pk, "skipped", reason),
                {"error": reason, "skipped": True},
            )
        extracted = extract_article(
            response.body, url=response.url, http_charset=response.charset, title=article.title
        )
    except (FetchError, ExtractionError, googlenews.GoogleNewsError) as exc:
        return _failure(article, str(exc))
    except Exception as exc:  # never lose the article over one bad page
        logger.exception("Unexpected error extracting %s", article.url)
        return _failure(article, f"Unexpected error: {type(exc).__name__}: {exc}")
    record = {"text": extracted.text, "language": extracted.language}
    return _Extracted(article, ExtractResult(article.pk, "ok"), record)


def _failure(article: Article, reason: str) -> _Extracted:
    return _Extracted(article, ExtractResult(article.pk, "failed", reason), {"error": reason})


def _extraction_failed(article: Article, reason: str) -> ExtractResult:
    return _failure(article, reason).write()


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
