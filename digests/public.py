"""The public site: published digests only, each page a constant number of queries.

Every view is wrapped in ``public_page`` (digests.caching): conditional GET, cache headers, and
a rendering kept until something public changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from digestcms.prepared import PreparedQuery, loaded
from sources.models import Source

from .caching import public_page
from .markdown import digest_to_markdown
from .models import Digest, DigestArticle, Placement, Topic
from .pages import digest_page_context
from .rendering import render_markdown, web_url
from .search import digests_search, snippet

RECENT = 12
CITATIONS_PER_PAGE = 50
RESULTS_PER_PAGE = 20
QUERY_CHARS = 200
# What a digest's page shows of it; the search text, provenance and the like stay behind.
PAGE_FIELDS = (
    "id",
    "edition_date",
    "title",
    "highlights",
    "correction_note",
    "corrected_at",
)


@dataclass(frozen=True)
class Neighbour:
    """The previous or next published edition, as the page links to it."""

    url: str
    edition_date: date


def _edition_date(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise Http404("No such edition.") from None


def _edition(topic: str, day: str) -> Digest:
    digests = Digest.objects.published().select_related("topic")
    return get_object_or_404(digests, topic__slug=topic, edition_date=_edition_date(day))


def with_neighbours(digests: QuerySet[Digest]) -> QuerySet[Digest]:
    """Annotate the dates of the topic's published editions just before and after each."""
    same_topic = Digest.objects.published().filter(topic=OuterRef("topic"))
    earlier = same_topic.filter(edition_date__lt=OuterRef("edition_date"))
    later = same_topic.filter(edition_date__gt=OuterRef("edition_date"))
    return digests.annotate(
        previous_date=Subquery(earlier.order_by("-edition_date").values("edition_date")[:1]),
        next_date=Subquery(later.order_by("edition_date").values("edition_date")[:1]),
    )


def _neighbour(topic: str, day: date | None) -> Neighbour | None:
    if day is None:
        return None
    return Neighbour(reverse("digest_detail", args=[topic, day.isoformat()]), day)


def highlights_of(digest: Digest):
    """A digest's highlights away from its page: citations link to the page's sources."""
    return render_markdown(digest.highlights, citation_base=f"{digest.get_absolute_url()}#source-")


@public_page
def home(request: HttpRequest) -> HttpResponse:
    latest = list(Digest.objects.latest_per_topic().select_related("topic").order_by("topic__name"))
    recent = (
        Digest.objects.published()
        .select_related("topic")
        .exclude(pk__in=[digest.pk for digest in latest])
        .order_by("-edition_date", "-published_at")[:RECENT]
    )
    return render(
        request,
        "digests/home.html",
        {
            "latest": [(d, highlights_of(d)) for d in latest],
            "recent": list(recent),
        },
    )


# Compiled once: compiling it, neighbours' subqueries and all, costs seven times running it.
PAGE_EDITION = PreparedQuery(
    lambda topic, day: (
        with_neighbours(Digest.objects.published())
        .filter(topic__slug=topic, edition_date=day)
        .values_list("topic_id", "topic__name", "previous_date", "next_date", *PAGE_FIELDS)
    ),
    topic=str,
    day=date,
)


def _page_edition(topic: str, day: str) -> Digest:
    """The published edition with what its page shows (the rest deferred), its topic, and
    its neighbours' dates (``previous_date``, ``next_date``)."""
    rows = PAGE_EDITION.rows(topic=topic, day=_edition_date(day))
    if not rows:
        raise Http404("No such edition.")
    row, db = rows[0], PAGE_EDITION.db
    digest = loaded(Digest, db, **{field: getattr(row, field) for field in PAGE_FIELDS})
    digest.topic = loaded(Topic, db, id=row.topic_id, slug=topic, name=row.topic__name)
    digest.previous_date, digest.next_date = row.previous_date, row.next_date
    return digest


@public_page
def digest_detail(request: HttpRequest, topic: str, day: str) -> HttpResponse:
    """One edition: three queries (it with its neighbours' dates, its sources, its sections)."""
    digest = _page_edition(topic, day)
    context = digest_page_context(digest, outlet_links=True)
    context.update(
        topic=digest.topic,
        preview=False,
        previous=_neighbour(topic, digest.previous_date),
        next=_neighbour(topic, digest.next_date),
        archive_url=reverse("topic_archive", args=[topic]),
        markdown_url=reverse("digest_markdown", args=[topic, day]),
    )
    return render(request, "digests/digest_detail.html", context)


@public_page
def digest_markdown(request: HttpRequest, topic: str, day: str) -> HttpResponse:
    """The digest in the seed's Markdown format: what `export_markdown` writes."""
    digest = _edition(topic, day)
    response = HttpResponse(digest_to_markdown(digest), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{digest.topic.slug}-{day}.md"'
    return response


@public_page
def topic_archive(
    request: HttpRequest, topic: str, year: int | None = None, month: int | None = None
) -> HttpResponse:
    """A topic's editions, one month a page, newest month first."""
    topic = get_object_or_404(Topic, slug=topic)
    published = Digest.objects.published().filter(topic=topic)
    months = list(published.dates("edition_date", "month", order="DESC"))
    if year is None:
        if not months and not topic.active:
            raise Http404("No such topic.")
        shown = months[0] if months else None
    else:
        try:
            shown = date(year, month, 1)
        except ValueError:
            raise Http404("No such month.") from None
        if shown not in months:
            raise Http404("No editions that month.")
    digests = []
    if shown is not None:
        digests = list(
            published.filter(edition_date__year=shown.year, edition_date__month=shown.month)
            .select_related("topic")
            .order_by("-edition_date")
        )
    at = months.index(shown) if shown in months else 0
    return render(
        request,
        "digests/topic_archive.html",
        {
            "topic": topic,
            "month": shown,
            "months": months,
            "digests": [(d, highlights_of(d)) for d in digests],
            "newer": months[at - 1] if shown and at > 0 else None,
            "older": months[at + 1] if shown and at + 1 < len(months) else None,
        },
    )


@public_page(params=("page",))
def outlet_detail(request: HttpRequest, domain: str) -> HttpResponse:
    """An outlet: where each topic places it, and the articles published digests cited."""
    source = get_object_or_404(Source, domain=domain.lower())
    citations = (
        DigestArticle.objects.filter(
            article__source=source,
            included=True,
            position__isnull=False,
            digest__status=Digest.Status.PUBLISHED,
        )
        .select_related("digest__topic", "perspective")
        .only(
            "position",
            "cited_title",
            "cited_url",
            "cited_language",
            "cited_date",
            "perspective__name",
            "digest__edition_date",
            "digest__title",
            "digest__topic__slug",
            "digest__topic__name",
        )
        .order_by("-digest__edition_date", "position")
    )
    page = Paginator(citations, CITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("No published digest cites this outlet.")
    placements = (
        Placement.objects.filter(source=source, topic__active=True, excluded=False)
        .exclude(perspective=None)
        .select_related("topic", "perspective")
        .order_by("topic__name")
    )
    return render(
        request,
        "digests/outlet_detail.html",
        {
            "source": source,
            "page": page,
            "citations": [(entry, web_url(entry.cited_url)) for entry in page.object_list],
            "placements": list(placements),
        },
    )


@public_page(store=False, params=("q", "page"))
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:QUERY_CHARS]
    page = Paginator(digests_search(query), RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    results = [(digest, snippet(digest, query)) for digest in page.object_list]
    return render(
        request, "digests/search.html", {"query": query, "page": page, "results": results}
    )


@public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")
