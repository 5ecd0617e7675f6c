"""A digest as readers see it, shared by the public page, the staff preview and the feeds.

``digest_parts`` works on rows already fetched, so a feed of twenty digests renders from two
prefetch queries; ``digest_page_context`` fetches them for one digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet

from .models import Digest, DigestArticle, DigestSection, Perspective
from .rendering import CitedSource, render_markdown


@dataclass(frozen=True)
class Share:
    """One perspective's part of the coverage: drawn as a bar, also said in words."""

    perspective: Perspective
    count: int
    percent: float
    offset: float  # where its bar starts, in percent
    index: int  # its colour


def cited_entries() -> QuerySet[DigestArticle]:
    """The numbered source list of a digest, in order, with each outlet's domain."""
    return (
        DigestArticle.objects.filter(included=True, position__isnull=False)
        .select_related("perspective")
        .annotate(outlet_domain=F("article__source__domain"))
        .order_by("position")
    )


def with_page_parts(digests: QuerySet[Digest]) -> QuerySet[Digest]:
    """Prefetch what ``digest_parts`` reads: sections with perspectives, the cited entries."""
    return digests.prefetch_related(
        Prefetch(
            "sections",
            queryset=DigestSection.objects.select_related("perspective").order_by(
                "perspective__order", "perspective__name"
            ),
        ),
        Prefetch("entries", queryset=cited_entries(), to_attr="cited"),
    )


def coverage_shares(sections: list[dict]) -> list[Share]:
    total = sum(len(section["sources"]) for section in sections)
    shares, offset = [], 0.0
    for index, section in enumerate(sections):
        count = len(section["sources"])
        percent = round(100 * count / total, 1) if total else 0.0
        shares.append(Share(section["perspective"], count, percent, offset, index % 6))
        offset += percent
    return shares


def digest_parts(
    digest: Digest,
    entries: list[DigestArticle],
    sections: list[DigestSection],
    *,
    citation_base: str = "#source-",
) -> dict:
    """Highlights, the sections side by side with their sources, the coverage shares.

    Citations link to ``citation_base`` + number: the page's own anchors, or absolute links
    in a feed, where a reader shows the entry away from the page.
    """
    cited = [CitedSource.of(entry) for entry in entries]
    by_perspective: dict[int, list[CitedSource]] = {}
    for entry, source in zip(entries, cited, strict=True):
        by_perspective.setdefault(entry.perspective_id, []).append(source)
    parts = [
        {
            "perspective": section.perspective,
            "html": render_markdown(section.body, citation_base=citation_base),
            "sources": by_perspective.get(section.perspective_id, []),
        }
        for section in sections
    ]
    return {
        "digest": digest,
        "highlights_html": render_markdown(digest.highlights, citation_base=citation_base),
        "correction_html": render_markdown(digest.correction_note, citation_base=citation_base),
        "sections": parts,
        "sources": cited,
        "shares": coverage_shares(parts),
    }


def digest_page_context(digest: Digest) -> dict:
    """The parts of one digest, fetched: two queries."""
    entries = list(cited_entries().filter(digest=digest))
    sections = list(
        digest.sections.select_related("perspective").order_by(
            "perspective__order", "perspective__name"
        )
    )
    return digest_parts(digest, entries, sections)
