"""Public pages and feeds: conditional GET and rendering cached until what is published changes.

Everything public is a function of the published digests (and the placements an outlet page
shows), so one *stamp* in the shared cache stands for "what the public sees". Publishing,
correcting or withdrawing a digest, or changing a placement, sets a new stamp after its
transaction commits; every page's ETag, Last-Modified and cache key derive from it, so old
renderings are never served again and simply expire. A cold or cleared cache starts a new
stamp: a cache miss costs a rendering, never a stale page.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag, urlencode

STAMP_KEY = "public:stamp"
PAGE_TIMEOUT = 24 * 3600  # a superseded stamp's pages are never read again; let them expire
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Link")
SECOND = 1_000_000_000
LOCAL_BUDGET = 32 * 1024 * 1024  # bytes of finished pages each process keeps in memory


def public_stamp() -> int:
    """Nanoseconds since the epoch at the last change to what the public sees."""
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        cache.add(STAMP_KEY, time.time_ns(), None)
        stamp = cache.get(STAMP_KEY) or time.time_ns()
    return stamp


def public_changed() -> None:
    """Invalidate every public page and feed once the current transaction commits.

    Once per transaction, however many changes it holds: each new stamp is at least a second
    after the last (see ``_new_stamp``), so fifty rows saved in one request would otherwise
    date the pages fifty seconds ahead. Every call of a transaction queues the same
    ``_StampOnce``; a savepoint rolled back takes its calls' with it.
    """
    connection = transaction.get_connection()
    queued = connection.in_atomic_block and next(
        (c for _, c, _ in connection.run_on_commit if isinstance(c, _StampOnce) and not c.done),
        None,
    )
    transaction.on_commit(queued or _StampOnce())


class _StampOnce:
    """The commit's one new stamp: the first call sets it, the others find it done."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            _new_stamp()


def _new_stamp() -> None:
    # At least the next whole second: Last-Modified has one-second resolution, and a reader
    # sending only If-Modified-Since must see two changes in one second as a change.
    old = cache.get(STAMP_KEY) or 0
    cache.set(STAMP_KEY, max(time.time_ns(), (old // SECOND + 1) * SECOND), None)


def _page_key(stamp: int, request: HttpRequest, params: tuple[str, ...]) -> str:
    """The host (pages carry absolute links), the path and only the query the view reads.

    Made-up query strings (``?x=1``, ``?x=2`` …) then share one rendering instead of each
    pushing real pages out of the cache.
    """
    query = urlencode([(name, request.GET.get(name, "")) for name in params])
    url = request.build_absolute_uri(request.path) + "?" + query
    digest = hashlib.blake2b(url.encode(), digest_size=12).hexdigest()
    # The release too: a deployment with new templates never serves the old renderings.
    return f"public:page:{settings.DIGESTCMS_RELEASE}:{stamp}:{digest}"


def public_page(view=None, *, store: bool = True, params: tuple[str, ...] = ()):
    """Serve ``view`` with ETag/Last-Modified, 304s and a cached rendering (GET and HEAD only).

    ``params`` names the query parameters the view reads (others are ignored). ``store=False``
    keeps the conditional GET but never stores a rendering: for pages whose URLs readers make
    up (search), which would otherwise fill the cache.
    """
    if view is None:
        return lambda view: public_page(view, store=store, params=params)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        stamp = public_stamp()
        key = _page_key(stamp, request, params)
        etag = quote_etag(f"{stamp:x}-{key[-24:]}{settings.DIGESTCMS_RELEASE}")
        last_modified = stamp // SECOND
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        caching = store and settings.DIGESTCMS_PAGE_CACHE
        if response is None:
            response = _cached(key) if caching else None
            if response is None:
                response = _render(view, request, args, kwargs)
                if caching and response.status_code == 200:
                    _store(key, response)
            if caching and response.status_code == 200:
                response.public_stamp = stamp  # PublicPageMiddleware may keep it
        if response.status_code in (200, 304):
            response.headers["ETag"] = etag
            response.headers["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, public=True, max_age=settings.DIGESTCMS_PAGE_MAX_AGE)
        patch_vary_headers(response, ["Accept-Encoding"])
        return response

    return wrapper


def _render(view, request, args, kwargs) -> HttpResponse:
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


def _cached(key: str) -> HttpResponse | None:
    stored = cache.get(key)
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return response


def _store(key: str, response: HttpResponse) -> None:
    if response.streaming:
        return
    headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
    cache.set(key, (response.content, headers), PAGE_TIMEOUT)


# --- The finished page, kept in each process ------------------------------------------------


class LocalPages:
    """A least-recently-used store of finished responses, bounded by their size in bytes.

    Every key holds the stamp, so a kept page never changes: it is only superseded.
    """

    def __init__(self, budget: int) -> None:
        self.budget, self.size = budget, 0
        self.pages: OrderedDict[str, tuple[bytes, list[tuple[str, str]]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, content: bytes, headers: list[tuple[str, str]]) -> None:
        if len(content) > self.budget // 8:
            return
        with self.lock:
            if key in self.pages:
                return
            self.pages[key] = (content, headers)
            self.size += len(content)
            while self.size > self.budget:
                _, (old, _) = self.pages.popitem(last=False)
                self.size -= len(old)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


LOCAL = LocalPages(LOCAL_BUDGET)
REPLAYED = ("ETag", "Last-Modified", "Cache-Control", "Vary")  # what a 304 repeats


class PublicPageMiddleware:
    """Answer a public page this process has already served, before sessions, auth and CSRF.

    It sits right after WhiteNoise. A page is kept only when ``public_page`` stored it under
    the current stamp and it sets no cookie; it is kept with the headers the inner
    middleware added (CSP, frame options), so the copy is the same answer. The stamp is read
    on every request, so publishing still takes effect at once in every process.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not settings.DIGESTCMS_PAGE_CACHE:
            return self.get_response(request)
        stamp = public_stamp()
        key = f"{settings.DIGESTCMS_RELEASE}:{stamp}:{request.build_absolute_uri()}"
        kept = LOCAL.get(key)
        if kept is not None:
            return _replay(request, *kept)
        response = self.get_response(request)
        if getattr(response, "public_stamp", None) == stamp and not response.cookies:
            LOCAL.put(key, response.content, list(response.items()))
        return response


def _replay(request: HttpRequest, content: bytes, headers: list[tuple[str, str]]) -> HttpResponse:
    found = dict(headers)
    not_modified = get_conditional_response(
        request,
        etag=found.get("ETag"),
        last_modified=_seconds(found.get("Last-Modified")),
    )
    if not_modified is not None:
        for name in REPLAYED:
            if name in found:
                not_modified.headers[name] = found[name]
        return not_modified
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return response


def _seconds(value: str | None) -> int | None:
    return parse_http_date_safe(value) if value else None
