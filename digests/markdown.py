"""Digests as Markdown files in the published site's format: export, and import back.

``digest_to_markdown`` writes a digest; ``markdown_import`` reads such a file into the
database (creating or updating its topic, perspectives, outlets, articles and digest).
Importing a file and exporting the digest again gives the same bytes. The format, line by
line (examples: ``tests/digests/markdown/*.md``)::

    ---
    title: "US vs China News - 2026-02-06"   JSON string; its date is the edition date
    date: 2026-02-06T04:01:02.535Z           generated_at in UTC, milliseconds
    topic: us-china                          topic slug, bare
    topicName: "US vs China"
    sources: ["Firstpost", "新华网"]          distinct outlets, in order of first citation
    articleCount: 20
    perspectives:
      - id: "us"
        name: "United States"
        count: 10
    usSources: 10                            one per perspective (south-korea → southKorea…)
    draft: false                             false when published
    ---
    (blank) ## Overall Highlights (blank) [highlights (blank)] <!--more--> (blank)
    per perspective: ## {name} Perspective ({name} Sources) (blank) [bullets (blank)]
    ## Sources (blank) This summary is based on N articles from the following sources:
    (blank) then one line per source, numbered 1..N perspective by perspective:
    N. [lang] [title](url) - outlet (M/D/YYYY)           and a final newline

Titles escape ``\\ [ ]`` and URLs ``\\ ( )`` with a backslash. Highlights and sections
are written as stored, without leading blank lines or trailing whitespace; an empty one is
its heading and a blank line. Parsing is in :mod:`digests.markdown_parse`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from django.db import transaction
from django.utils.text import slugify

from sources import googlenews
from sources.links import ascii_host, domain_of, normalise_url
from sources.models import Article, Source

from .markdown_parse import (
    HIGHLIGHTS,
    MORE,
    SOURCES,
    SUMMARY,
    MarkdownImportError,
    ParsedDigest,
    ParsedEntry,
    ParsedPerspective,
    clean_text,
    parse_markdown,
    section_heading,
    sources_key,
)
from .models import Digest, DigestArticle, DigestSection, Perspective, Topic

__all__ = [
    "MarkdownExportError",
    "MarkdownImportError",
    "ParsedDigest",
    "digest_document",
    "digest_to_markdown",
    "markdown_import",
    "outlet_domain",
    "parse_markdown",
    "render_markdown",
]

_DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}")
_WRAPPER_HOSTS = {"news.google.com"}


class MarkdownExportError(ValueError):
    """A digest the file format cannot represent as it is (the message says why)."""


# --- writing ---------------------------------------------------------------------------


def digest_to_markdown(digest: Digest) -> str:
    """The digest as a Markdown file; :class:`MarkdownExportError` if it cannot be one."""
    document = digest_document(digest)
    text = render_markdown(document)
    _check_reads_back(digest, document, text)
    return text


def _check_reads_back(digest: Digest, document: ParsedDigest, text: str) -> None:
    """Importing the file must give this digest back, unchanged."""
    try:
        again = parse_markdown(text)
    except MarkdownImportError as exc:
        raise MarkdownExportError(f"{digest}: the file would not read back ({exc}).") from None
    fields = [f.name for f in dataclasses.fields(again)]
    if changed := [name for name in fields if getattr(again, name) != getattr(document, name)]:
        raise MarkdownExportError(
            f"{digest}: the file would not read back as written ({', '.join(changed)} change)."
        )
    if again.edition_date != digest.edition_date:
        raise MarkdownExportError(
            f"{digest}: the title's date (or without one, the UTC date of generation) must be "
            f"the edition date {digest.edition_date}, or the file would import as another edition."
        )


def render_markdown(document: ParsedDigest) -> str:
    lines = _front_matter(document) + ["", HIGHLIGHTS, ""] + _block(document.highlights)
    lines += [MORE, ""]
    for perspective in document.perspectives:
        lines += [section_heading(perspective.name), ""] + _block(perspective.body)
    lines += [SOURCES, "", SUMMARY.format(n=len(document.entries)), ""]
    lines += [_entry_line(entry) for entry in document.entries]
    return "\n".join(lines) + "\n"


def _front_matter(document: ParsedDigest) -> list[str]:
    lines = [
        "---",
        f"title: {_quote(document.title)}",
        f"date: {_timestamp(document.generated_at)}",
        f"topic: {document.topic_slug}",
        f"topicName: {_quote(document.topic_name)}",
        f"sources: {json.dumps(document.outlets, ensure_ascii=False)}",
        f"articleCount: {len(document.entries)}",
        "perspectives:",
    ]
    for p in document.perspectives:
        lines += [
            f"  - id: {_quote(p.slug)}",
            f"    name: {_quote(p.name)}",
            f"    count: {p.count}",
        ]
    lines += [f"{sources_key(p.slug)}: {p.count}" for p in document.perspectives]
    return lines + [f"draft: {'true' if document.draft else 'false'}", "---"]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _block(text: str) -> list[str]:
    text = clean_text(text)
    return [text, ""] if text else []


def escape_text(text: str) -> str:
    """A title (or language) in a source entry: ``\\``, ``[`` and ``]`` escaped, one line."""
    return re.sub(r"([\\\[\]])", r"\\\1", re.sub(r"[\r\n]+", " ", text))


def escape_url(url: str) -> str:
    """A URL in a source entry: ``\\``, ``(`` and ``)`` escaped."""
    return re.sub(r"([\\()])", r"\\\1", url)


def _entry_line(entry: ParsedEntry) -> str:
    when, outlet = entry.date, re.sub(r"[\r\n]+", " ", entry.outlet)
    return (
        f"{entry.position}. [{escape_text(entry.language)}] [{escape_text(entry.title)}]"
        f"({escape_url(entry.url)}) - {outlet} ({when.month}/{when.day}/{when.year})"
    )


# --- a digest as the file's data -------------------------------------------------------


def digest_document(digest: Digest) -> ParsedDigest:
    """What the file says about ``digest``: its included, numbered entries by position."""
    rows = list(
        digest.entries.filter(included=True, position__isnull=False)
        .select_related("perspective", "article")
        .order_by("position")
    )
    perspectives = _perspectives(digest, rows)
    entries = [_entry(digest, row) for row in rows]
    _check_numbering(digest, entries, perspectives)
    generated = digest.generated_at.astimezone(UTC)
    return ParsedDigest(
        title=digest.title,
        generated_at=generated.replace(microsecond=generated.microsecond // 1000 * 1000),
        topic_slug=digest.topic.slug,
        topic_name=digest.topic.name,
        draft=digest.status != Digest.Status.PUBLISHED,
        highlights=clean_text(digest.highlights),
        perspectives=perspectives,
        entries=entries,
    )


def _perspectives(digest: Digest, rows: Iterable[DigestArticle]) -> list[ParsedPerspective]:
    """The digest's sections' perspectives and its entries', in the topic's order."""
    bodies = {s.perspective: s.body for s in digest.sections.select_related("perspective")}
    rows = list(rows)
    chosen = set(bodies) | {row.perspective for row in rows if row.perspective}
    counts = Counter(row.perspective_id for row in rows)
    return [
        ParsedPerspective(p.slug, p.name, counts[p.pk], clean_text(bodies.get(p, "")))
        for p in sorted(chosen, key=lambda p: (p.order, p.name, p.pk))
    ]


def _entry(digest: Digest, row: DigestArticle) -> ParsedEntry:
    if not row.cited_outlet.strip():
        raise MarkdownExportError(f"{digest}: source {row.position} has no outlet.")
    return ParsedEntry(
        position=row.position,
        perspective=row.perspective.slug if row.perspective else "",
        language=row.cited_language,
        title=row.cited_title,
        url=row.cited_url,
        outlet=row.cited_outlet,
        date=row.cited_date or _day(row.article.published_at or digest.generated_at),
    )


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _check_numbering(
    digest: Digest, entries: list[ParsedEntry], perspectives: list[ParsedPerspective]
) -> None:
    """Sources are numbered 1..N, perspective by perspective (the file's perspectives
    are implied by the numbering)."""
    positions = [entry.position for entry in entries]
    if positions != list(range(1, len(entries) + 1)):
        raise MarkdownExportError(
            f"{digest}: sources must be numbered 1 to N (renumber the digest); they are {positions}."
        )
    if any(not entry.perspective for entry in entries):
        raise MarkdownExportError(f"{digest}: every numbered source needs a perspective.")
    expected = [p.slug for p in perspectives for _ in range(p.count)]
    if [entry.perspective for entry in entries] != expected:
        raise MarkdownExportError(
            f"{digest}: sources must be numbered perspective by perspective "
            f"({', '.join(p.slug for p in perspectives)}); renumber the digest."
        )


# --- reading into the database ---------------------------------------------------------


@transaction.atomic
def markdown_import(text: str, *, filename: str = "") -> Digest:
    """Create or update the digest a file describes (and what it needs); all or nothing."""
    try:
        document = parse_markdown(text)
    except MarkdownImportError as exc:
        exc.filename = filename
        raise
    topic = _import_topic(document)
    perspectives = _import_perspectives(topic, document)
    digest = _import_digest(topic, document)
    _import_sections(digest, perspectives, document)
    _import_entries(digest, perspectives, document)
    return digest


def _import_topic(document: ParsedDigest) -> Topic:
    topic, _ = Topic.objects.get_or_create(
        slug=document.topic_slug, defaults={"name": document.topic_name}
    )
    if topic.name != document.topic_name:
        topic.name = document.topic_name
        topic.save(update_fields=["name"])
    return topic


def _import_perspectives(topic: Topic, document: ParsedDigest) -> dict[str, Perspective]:
    return {
        p.slug: Perspective.objects.update_or_create(
            topic=topic, slug=p.slug, defaults={"name": p.name, "order": order}
        )[0]
        for order, p in enumerate(document.perspectives)
    }


def _import_digest(topic: Topic, document: ParsedDigest) -> Digest:
    edition = document.edition_date
    digest = Digest.objects.filter(topic=topic, edition_date=edition).first()
    digest = digest or Digest(topic=topic, edition_date=edition)
    if not document.draft:
        digest.status = Digest.Status.PUBLISHED
        digest.published_at = digest.published_at or document.generated_at
    elif digest.pk is None or digest.status == Digest.Status.PUBLISHED:
        digest.status = Digest.Status.DRAFT  # "draft: true" keeps any other unpublished status
    digest.title = document.title
    digest.slug = f"{topic.slug}-{edition.isoformat()}"
    digest.highlights = digest.machine_highlights = document.highlights
    digest.generated_at = document.generated_at
    digest.provenance = {}
    digest.save()
    return digest


def _import_sections(
    digest: Digest, perspectives: dict[str, Perspective], document: ParsedDigest
) -> None:
    for p in document.perspectives:
        DigestSection.objects.update_or_create(
            digest=digest,
            perspective=perspectives[p.slug],
            defaults={"body": p.body, "machine_body": p.body},
        )
    digest.sections.exclude(perspective__in=perspectives.values()).delete()


def _import_entries(
    digest: Digest, perspectives: dict[str, Perspective], document: ParsedDigest
) -> None:
    """The file's sources become the digest's numbered entries; any others are left out."""
    digest.entries.update(position=None)  # free the numbers (they are unique per digest)
    sources: dict[str, Source] = {}
    kept = []
    for entry in document.entries:
        row, _ = DigestArticle.objects.update_or_create(
            digest=digest,
            article=_import_article(entry, sources),
            defaults={
                "position": entry.position,
                "perspective": perspectives[entry.perspective],
                "included": True,
                "cited_title": entry.title,
                "cited_url": entry.url,
                "cited_outlet": entry.outlet,
                "cited_language": entry.language,
                "cited_date": entry.date,
            },
        )
        kept.append(row.pk)
    digest.entries.exclude(pk__in=kept).update(included=False)


def _import_article(entry: ParsedEntry, sources: dict[str, Source]) -> Article:
    """The article with this URL (left as it is), or a new one."""
    url = normalise_url(entry.url)
    if article := Article.objects.filter(url=url).first():
        return article
    if entry.outlet not in sources:
        sources[entry.outlet] = _import_source(entry.outlet, entry.url)
    return Article.objects.create(
        url=url,
        link=entry.url,
        title=entry.title,
        language=entry.language,
        published_at=datetime.combine(entry.date, time(0), tzinfo=UTC),
        source=sources[entry.outlet],
        # An archive's links are history: nothing to fetch for them now.
        extraction_status=Article.Extraction.SKIPPED,
        extraction_error="Imported from a Markdown archive; not fetched.",
    )


def _import_source(outlet: str, url: str) -> Source:
    """The outlet by name, else by domain (never renamed), else a new one."""
    if source := Source.objects.filter(name=outlet).order_by("pk").first():
        return source
    domain = domain_of(url)
    if not domain or domain in _WRAPPER_HOSTS or googlenews.is_wrapper(url):
        domain = outlet_domain(outlet)
    return Source.objects.get_or_create(domain=domain, defaults={"name": outlet})[0]


def outlet_domain(name: str) -> str:
    """A domain for an outlet known only by name: the name itself if it is a domain
    (``news.cgtn.com``), else a pseudo-domain such as ``firstpost.imported``."""
    host = name.strip().lower().removeprefix("www.")
    if _DOMAIN_RE.fullmatch(host):
        return host
    slug = slugify(name, allow_unicode=True)[:50].strip("-_")
    slug = slug or "outlet-" + hashlib.sha1(name.encode()).hexdigest()[:10]
    return ascii_host(f"{slug}.imported")
