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
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import Error, InterfaceError, OperationalError, connection

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
T = TypeVar("T")

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
    before, and its claim's outcome is known before the next article is taken. What the
    loop does for the next article beside an extraction is a ``_Job``: write the last
    result and claim the article (one statement, ``services.article_record_then_claim``),
    then send its request. On PostgreSQL ``_Runner`` runs it on a thread with a connection
    of its own while the page before is extracted, so the waits for the database server
    overlap the extraction too; on SQLite (in-process, nothing to wait for) it runs on the
    caller's thread. A result is yielded once written. This worker holds at most two
    leases (the page being extracted and the one on its way) and, until it is written,
    the lease of the page before; each for well under ``services.LEASE`` (two page
    deadlines and two extraction time limits). A Google News link is resolved and
    extracted with nothing else in flight. If the caller stops early (or an error
    escapes), what was extracted is written and the other leases are given back.

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
    left = iter(worklist)
    try:
        while True:
            state.settle()  # the last claim's outcome, before the next article is taken
            while state.lost:  # nothing to extract: lost to another worker, or done
                worklist.note(state.lost.pop(0))
            yield from state.ready()
            article = next(left, None)
            if article is None:
                break
            slot = state.slot()
            if googlenews.is_wrapper(article.url):
                state.drain()
                slot[0] = article_extract(article)
                worklist.note(slot[0])
            else:
                state.start(article, slot)
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
            left = list(self.left)
            self.left = deque(_on_live_connection(lambda: services.articles_still_claimable(left)))


class _Prefetch:
    """What ``articles_extract`` has in flight: the job of the article taken last (run by
    ``runner``), the job before it, whose page is the next to extract (``ahead``), the
    article being extracted (``extracting``), its result until the next job writes it
    (``done``), and the results not yet handed out, in the order the articles were taken
    (``slots``). ``lost`` holds the claims lost to other workers, for ``_Worklist.note``."""

    def __init__(self) -> None:
        self.runner = _Runner()
        self.ahead: _Job | None = None
        self.extracting: Article | None = None
        self.done: tuple[_Extracted, list] | None = None
        self.slots: deque[list] = deque()
        self.lost: list[ExtractResult] = []

    def slot(self) -> list:
        slot: list = [None]
        self.slots.append(slot)
        return slot

    def ready(self) -> Iterator[ExtractResult]:
        while self.slots and self.slots[0][0] is not None:
            yield self.slots.popleft()[0]

    def settle(self) -> None:
        """Wait for the job in flight (it ran while the last page was extracted) and hand
        out what it did; its article's page is the next to extract (``ahead``)."""
        job = self.runner.wait()
        if job is None:
            return
        if job.done is not None:
            extracted, done_slot = job.done
            done_slot[0] = extracted.result
        if job.claimed:
            self.ahead = job
        else:
            job.slot[0] = _lost_claim(job.article)
            self.lost.append(job.slot[0])

    def start(self, article: Article, slot: list) -> None:
        """Start ``article``'s job, then extract the page requested before (``settle``
        first)."""
        self.runner.submit(_Job(article, slot, self.done))
        self.done = None  # the job has it now
        self._extract_ahead()

    def drain(self) -> None:
        """Write the last result, and extract and write the page requested last."""
        self.settle()
        self._write_done()
        self._extract_ahead()
        self._write_done()

    def _extract_ahead(self) -> None:
        if self.ahead is not None:
            job = self.ahead
            self.extracting, self.ahead = job.article, None
            self.done = (_extract(job.article, job.request.result), job.slot)
            self.extracting = None

    def _write_done(self) -> None:
        if self.done is not None:
            extracted, slot = self.done
            slot[0] = extracted.write()
            self.done = None  # kept until written: abandon() tries once more

    def abandon(self) -> None:
        """The caller stopped (or an error escaped): keep what was extracted, free the rest.

        A result both ``done`` and a job hold (stopped between the two) is the job's: it
        is written here only if the job did not get to write it.
        """
        unfinished = None
        try:
            unfinished = self.runner.stop()
        finally:  # even when a second Ctrl-C cuts the wait short: free what is ours
            running = self.runner.job  # one stop() could not wait for: left to its thread
            jobs_results = {id(j.done) for j in (unfinished, running) if j and j.done}
            unwritten = []  # in the order the articles were taken
            if unfinished and unfinished.done and not unfinished.written:
                unwritten.append(unfinished.done[0])
            if self.done is not None and id(self.done) not in jobs_results:
                unwritten.append(self.done[0])
            claimed, self.ahead, self.done = [self.ahead, unfinished], None, None
            for extracted in unwritten:
                with contextlib.suppress(Error):  # the database may be what failed
                    extracted.write()
            for job in claimed:
                if job is not None and job.claimed:
                    if job.request is not None:
                        job.request.close()
                    self._release(job.article)
            if self.extracting is not None:
                self._release(self.extracting)
                self.extracting = None

    @staticmethod
    def _release(article: Article) -> None:
        with contextlib.suppress(Error):
            _on_live_connection(lambda: services.article_release(article))


@dataclass
class _Job:
    """What the loop does for the next article beside an extraction: write the last result
    and claim the article (one statement; the claim alone for the first), then send the
    request for its page. Run by ``_Runner``; the fields say how far it got."""

    article: Article
    slot: list
    done: tuple[_Extracted, list] | None  # the last result, and its slot
    written: bool = False  # the last result is written (or there was none)
    claimed: bool = False
    request: PendingFetch | None = None

    def run(self) -> None:
        if self.done is None:
            self.claimed = services.article_claim(self.article)
        else:
            extracted = self.done[0]
            self.claimed = services.article_record_then_claim(
                article=extracted.article, result=extracted.record, next_article=self.article
            )
        self.written = True
        if self.claimed:
            self.request = start_fetch(
                self.article.url, accept=PAGE_ACCEPT, deadline=_page_deadline()
            )


class _Runner:
    """Runs each ``_Job`` on a thread of its own (one per loop) while the loop extracts a
    page.

    Worth it where the job waits for a database server: on PostgreSQL the statement, its
    round trip (~0.55 ms to a server idle for the 20 ms of an extraction, against 0.11 ms
    back to back) and the WAL flush overlap the extraction, on a thread with a connection
    of its own. Not on SQLite, whose write runs in-process and mostly holds the GIL (the
    thread only added hand-overs), nor inside the caller's transaction (another
    connection could not see its rows): there the job runs at once, on the caller's
    thread. One job at a time: ``wait`` returns it once it has run, or raises what it
    raised. ``stop`` waits for it whatever happens, closes the thread's connection and
    returns the job not waited for, if any.
    """

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.job: _Job | None = None  # submitted, not waited for yet
        self.future: Future | None = None

    @staticmethod
    def wanted() -> bool:
        return connection.vendor != "sqlite" and not connection.in_atomic_block

    def submit(self, job: _Job) -> None:
        assert self.job is None, "wait() for the last job first"
        self.job = job
        if not _Runner.wanted():
            job.run()
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extraction-jobs")
        self.future = self.pool.submit(job.run)

    def wait(self) -> _Job | None:
        if self.future is not None:
            self.future.result()  # raises what the job raised; the job stays for stop()
            self.future = None
        job, self.job = self.job, None
        return job

    def stop(self) -> _Job | None:
        try:
            if self.future is not None:
                futures_wait([self.future])
                self.future = None
        finally:
            if self.pool is not None:
                pool, self.pool = self.pool, None
                pool.submit(_close_thread_connection)  # after the job, on its thread
                pool.shutdown(wait=self.future is None)
        job, self.job = self.job, None
        return job


def _close_thread_connection() -> None:
    with contextlib.suppress(Error):
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
    if _on_live_connection(lambda: services.article_lease_held(article)):
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
        _on_live_connection(
            lambda: services.article_record_extraction(article=self.article, **self.record)
        )
        return self.result


def _on_live_connection(query: Callable[[], T]) -> T:
    """Run ``query`` on this thread's connection, on a new one if the server dropped it.

    On PostgreSQL the jobs' thread does the loop's claims and writes, so the caller's
    connection idles from loading the list until the last two results (or a claim lost to
    another worker): long enough, on a long list, for a server's ``idle_session_timeout``,
    a proxy's idle cut or a restart to end it. Such a connection is closed and the query
    run once more on a new one (Django opens it). Inside the caller's transaction, or on
    a connection that still works, the error is the caller's. A write that committed just
    as the connection broke (a restart, not an idle timeout) is made twice: the article's
    attempt count is one too high, and a lease another worker took in between is cleared.
    """
    try:
        return query()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
        logger.warning("The database connection was lost while idle; using a new one.")
        connection.close()
        return query()


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
