"""A digest as readers see it, shared by the public page, the staff preview and the feeds.

``digest_parts`` works on rows already fetched, so a feed of twenty digests renders from two
prefetch queries; ``digest_page_context`` fetches them for one digest.

What a page repeats per source is worked out here, once: the outlet page's address, the date
in two formats, and on the page the list item itself. A template tag or filter in a loop over
twenty sources costs more than the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper

from django.db.models import F, Prefetch, QuerySet
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, reverse
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from digestcms.prepared import PreparedQuery, loaded

from .models import Digest, DigestArticle, DigestSection, Perspective
from .rendering import render_markdown, web_url

CITED = ("cited_title", "cited_url", "cited_outlet", "cited_language", "cited_date")
ENTRY_FIELDS = ("digest", "position", "perspective", *CITED)  # "digest": what prefetching matches
ENTRY_VALUES = ("position", "perspective_id", *CITED, "outlet_domain")  # a page's rows
SECTION_FIELDS = ("digest", "body", "perspective__slug", "perspective__name")


@dataclass(frozen=True)
class ListedSource:
    """A numbered source as a page lists it, every value ready to print."""

    number: str
    title: str
    url: str  # "" unless http(s)
    outlet: str
    outlet_url: str  # the outlet's public page; "" for none (the preview, feeds)
    language: str
    day: str  # the date as ``<time datetime>`` takes it; "" when not known
    day_label: str  # "20 Nov 2026"


@dataclass
class PageSection:
    """One perspective's section: its bullets, rendered, and the sources it draws on."""

    perspective: Perspective
    html: SafeString
    sources: list[ListedSource]

    @cached_property
    def source_items(self) -> SafeString:
        """The sources' ``<li>`` items for the page's numbered list (_digest_body.html)."""
        name = self.perspective.name
        return mark_safe("\n        ".join(source_item(source, name) for source in self.sources))


@dataclass(frozen=True)
class Share:
    """One perspective's part of the coverage: drawn as a bar, also said in words."""

    perspective: Perspective
    count: int
    percent: float
    offset: float  # where its bar starts, in percent
    index: int  # its colour

    @property
    def bar_x(self) -> str:
        return f"{self.offset:.1f}"

    @property
    def bar_width(self) -> str:
        return f"{self.percent:.1f}"

    @property
    def label(self) -> str:
        """The share in words: "United States: 3 articles (50%)"."""
        plural = "" if self.count == 1 else "s"
        percent = floatformat(self.percent, 0)
        return f"{self.perspective.name}: {self.count} article{plural} ({percent}%)"


def source_item(source: ListedSource, perspective: str) -> SafeString:
    """One numbered source: its link, then its outlet, perspective, language and date.

    Every value goes through ``escape``, exactly as the template's autoescaping would; built
    with f-strings because ``format_html`` costs ten times as much, twenty times a page.
    """
    title = escape(source.title)
    if source.url:
        title = f'<a href="{escape(source.url)}" rel="noopener noreferrer nofollow">{title}</a>'
    outlet = escape(source.outlet)
    if source.outlet_url:
        outlet = f'<a href="{escape(source.outlet_url)}">{outlet}</a>'
    language = day = ""
    if source.language:
        code = escape(source.language)
        language = f' · <span lang="{code}">{code}</span>'
    if source.day:
        day = f' · <time datetime="{escape(source.day)}">{escape(source.day_label)}</time>'
    number = escape(source.number)
    return mark_safe(
        f'<li id="source-{number}" value="{number}">\n          {title}\n'
        f'          <span class="source-meta">— {outlet} · {escape(perspective)}{language}{day}'
        "</span>\n        </li>"
    )


def cited_entries() -> QuerySet[DigestArticle]:
    """The numbered source list of a digest, in order, with each outlet's domain."""
    return (
        DigestArticle.objects.filter(included=True, position__isnull=False)
        .only(*ENTRY_FIELDS)
        .annotate(outlet_domain=F("article__source__domain"))
        .order_by("position")
    )


def page_sections() -> QuerySet[DigestSection]:
    """Sections in the perspectives' order, with what a page shows of each perspective."""
    return (
        DigestSection.objects.select_related("perspective")
        .only(*SECTION_FIELDS)
        .order_by("perspective__order", "perspective__name")
    )


def with_page_parts(digests: QuerySet[Digest]) -> QuerySet[Digest]:
    """Prefetch what ``digest_parts`` reads: sections with perspectives, the cited entries."""
    return digests.prefetch_related(
        Prefetch("sections", queryset=page_sections()),
        Prefetch("entries", queryset=cited_entries(), to_attr="cited"),
    )


def coverage_shares(sections: list[PageSection]) -> list[Share]:
    total = sum(len(section.sources) for section in sections)
    shares, offset = [], 0.0
    for index, section in enumerate(sections):
        count = len(section.sources)
        percent = round(100 * count / total, 1) if total else 0.0
        shares.append(Share(section.perspective, count, percent, offset, index % 6))
        offset += percent
    return shares


@lru_cache(maxsize=10_000)
def outlet_url(script_prefix: str, domain: str) -> str:
    """An outlet page's address, kept: ``reverse`` costs more than the rest of a source's
    line, twenty times a page. The URLconf is fixed while the process runs; the script
    prefix (``reverse`` puts it in front) is part of the key."""
    return reverse("outlet_detail", args=[domain])


def listed_sources(entries: list[DigestArticle], *, outlet_links: bool) -> list[ListedSource]:
    """``entries`` (instances or rows) ready to print; each day is formatted once."""
    prefix = get_script_prefix()
    days: dict[date, tuple[str, str]] = {}
    listed = []
    for entry in entries:
        domain, day = getattr(entry, "outlet_domain", ""), entry.cited_date
        if day and day not in days:
            days[day] = (day.isoformat(), date_format(day, "j M Y"))
        listed.append(
            ListedSource(
                str(entry.position),
                entry.cited_title,
                web_url(entry.cited_url),
                entry.cited_outlet,
                outlet_url(prefix, domain) if outlet_links and domain else "",
                entry.cited_language,
                *days.get(day, ("", "")),
            )
        )
    return listed


def digest_parts(
    digest: Digest,
    entries: list[DigestArticle],
    sections: list[DigestSection],
    *,
    citation_base: str = "#source-",
    outlet_links: bool = False,
) -> dict:
    """Highlights, the sections side by side with their sources, the coverage shares.

    Citations link to ``citation_base`` + number: the page's own anchors, or absolute links
    in a feed, where a reader shows the entry away from the page. ``outlet_links``: each
    source links to its outlet's public page.
    """
    listed = listed_sources(entries, outlet_links=outlet_links)
    by_perspective: dict[int, list[ListedSource]] = {}
    for entry, source in zip(entries, listed, strict=True):
        by_perspective.setdefault(entry.perspective_id, []).append(source)
    shown = [
        PageSection(
            section.perspective,
            render_markdown(section.body, citation_base=citation_base),
            by_perspective.get(section.perspective_id, []),
        )
        for section in sections
    ]
    return {
        "digest": digest,
        "highlights_html": render_markdown(digest.highlights, citation_base=citation_base),
        "correction_html": render_markdown(digest.correction_note, citation_base=citation_base),
        "sections": shown,
        "source_count": len(listed),
        "shares": coverage_shares(shown),
    }


# Compiled once (compiling cost more than running them). Rows, not model instances, for the
# entries: making twenty instances costs more than the query.
PAGE_ENTRIES = PreparedQuery(
    lambda digest: cited_entries().filter(digest=digest).values_list(*ENTRY_VALUES), digest=int
)
PAGE_SECTIONS = PreparedQuery(
    lambda digest: (
        page_sections()
        .filter(digest=digest)
        .values_list("id", "body", "perspective_id", "perspective__slug", "perspective__name")
    ),
    digest=int,
)


def digest_page_context(digest: Digest, *, outlet_links: bool = False) -> dict:
    """The parts of one digest, fetched: two queries."""
    entries = PAGE_ENTRIES.rows(digest=digest.pk)
    db = PAGE_SECTIONS.db
    sections = []
    for row in PAGE_SECTIONS.rows(digest=digest.pk):
        section = loaded(DigestSection, db, id=row.id, body=row.body)
        section.perspective = loaded(
            Perspective,
            db,
            id=row.perspective_id,
            slug=row.perspective__slug,
            name=row.perspective__name,
        )
        sections.append(section)
    return digest_parts(digest, entries, sections, outlet_links=outlet_links)
