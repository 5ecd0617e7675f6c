"""Digests: drafting an edition, renumbering its sources, following placement changes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sources.googlenews import is_wrapper

from ..drafting import get_drafter
from ..drafting.base import Bullet, Draft, PerspectiveInfo, SourceArticle
from ..models import Digest, DigestArticle, DigestSection, Placement, Topic
from ..selection import Candidate, select

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


class DraftRefused(Exception):
    """The edition could not be drafted now; the message says why and what to do."""


class DigestFrozen(DraftRefused):
    """A published or withdrawn digest changes only through an explicit correction."""


class DraftConflict(DraftRefused):
    """Someone changed the digest while it was being drafted; nothing was written."""


@dataclass
class DraftResult:
    digest: Digest
    created: bool
    skipped: list[str] = field(default_factory=list)  # sections kept because an editor edited them
    kept_numbering: bool = False


def digest_title(topic: Topic, day: date) -> str:
    return f"{topic.name} News - {day.isoformat()}"


def digest_draft(
    *, topic: Topic, edition_date: date, drafter: str = "extractive", redraft: bool = False
) -> DraftResult:
    """Draft (or refresh) the topic's edition; an editor's edited section is never overwritten.

    Selecting and drafting (which may call an LLM) happen outside any transaction; the
    writes then happen in one short transaction on the locked digest, and only if nobody
    saved, published or drafted it in the meantime.
    """
    digest = Digest.objects.filter(topic=topic, edition_date=edition_date).first()
    if digest is not None and digest.is_frozen:
        raise _frozen(digest)
    edited = _edited_parts(digest) if digest else []
    if digest is not None and edited and not redraft:
        return DraftResult(digest, created=False, skipped=edited)
    keep_numbering = bool(edited) and digest.entries.exists()
    selection = select(topic, edition_date)
    draft = get_drafter(drafter).draft(
        topic_name=topic.name,
        perspectives=[PerspectiveInfo(p.slug, p.name) for p in topic.perspectives.all()],
        articles=_source_articles(digest)
        if keep_numbering
        else _candidate_articles(topic, selection),
    )
    with transaction.atomic():
        digest, created = _lock_edition(topic, edition_date, digest.version if digest else None)
        if keep_numbering:
            _add_new_candidates(digest, selection.candidates)
        else:
            _replace_entries(digest, topic, selection.candidates)
        _write_draft(digest, draft, edited, created=created)
    return DraftResult(digest, created=created, skipped=edited, kept_numbering=keep_numbering)


def _frozen(digest: Digest) -> DigestFrozen:
    return DigestFrozen(
        f"{digest} is {digest.get_status_display().lower()}; correct it instead of redrafting."
    )


def _lock_edition(topic: Topic, day: date, seen_version: int | None) -> tuple[Digest, bool]:
    """The edition's digest, locked and unchanged since drafting began (or new)."""
    digest = (
        Digest.objects.select_for_update(of=("self",)).filter(topic=topic, edition_date=day).first()
    )
    if digest is None and seen_version is None:
        try:
            with transaction.atomic():
                return _new_digest(topic, day), True
        except IntegrityError:
            digest = None  # another worker created it meanwhile
    if digest is not None and digest.is_frozen:
        raise _frozen(digest)
    if digest is None or digest.version != seen_version:
        raise DraftConflict(
            f"The {topic} edition of {day} changed while it was being drafted (saved, drafted "
            "or deleted by someone else); nothing was written. Draft it again."
        )
    return digest, False


def _new_digest(topic: Topic, day: date) -> Digest:
    return Digest.objects.create(
        topic=topic,
        edition_date=day,
        title=digest_title(topic, day),
        slug=f"{topic.slug}-{day.isoformat()}",
    )


def _edited_parts(digest: Digest) -> list[str]:
    parts = ["highlights"] if digest.highlights != digest.machine_highlights else []
    return parts + [
        s.perspective.slug for s in digest.sections.select_related("perspective") if s.edited
    ]


def _entry(digest: Digest, candidate: Candidate, tz: ZoneInfo) -> DigestArticle:
    article = candidate.article
    cited = article.published_at or article.created_at
    return DigestArticle(
        digest=digest,
        article=article,
        position=candidate.position,
        perspective_id=candidate.perspective_id,
        included=candidate.included,
        off_topic=candidate.off_topic,
        relevance=candidate.relevance,
        story=candidate.story,
        cited_title=article.title or article.url,
        cited_url=article.link if is_wrapper(article.url) else article.url,
        cited_outlet=article.source.name,
        cited_language=article.language,
        cited_date=cited.astimezone(tz).date(),
    )


def _replace_entries(digest: Digest, topic: Topic, candidates: list[Candidate]) -> None:
    tz = ZoneInfo(topic.time_zone)
    digest.entries.all().delete()
    DigestArticle.objects.bulk_create([_entry(digest, c, tz) for c in candidates], batch_size=500)


def _add_new_candidates(digest: Digest, candidates: list[Candidate]) -> None:
    """Sections were edited, so numbers stay; new articles join the list, not included."""
    tz = ZoneInfo(digest.topic.time_zone)
    known = set(digest.entries.values_list("article_id", flat=True))
    fresh = [c for c in candidates if c.article.pk not in known]
    for candidate in fresh:
        candidate.included, candidate.position = False, None
    DigestArticle.objects.bulk_create([_entry(digest, c, tz) for c in fresh], batch_size=500)


def _source_article(article, *, number, perspective, outlet, title, language, story, relevance):
    return SourceArticle(
        number=number,
        perspective=perspective,
        outlet=outlet,
        title=title,
        summary=article.summary,
        text=article.text,
        language=language,
        published=article.published_at,
        story=story,
        relevance=relevance,
    )


def _candidate_articles(topic: Topic, selection) -> list[SourceArticle]:
    """The selection's numbered articles, as the drafter sees them (nothing stored yet)."""
    slugs = {p.pk: p.slug for p in topic.perspectives.all()}
    return [
        _source_article(
            c.article,
            number=c.position,
            perspective=slugs[c.perspective_id],
            outlet=c.article.source.name,
            title=c.article.title or c.article.url,
            language=c.article.language,
            story=c.story,
            relevance=c.relevance,
        )
        for c in selection.included
    ]


def _source_articles(digest: Digest) -> list[SourceArticle]:
    """The digest's numbered entries, as cited, for a redraft that keeps the numbering."""
    entries = digest.entries.filter(included=True, position__isnull=False).select_related(
        "article", "perspective"
    )
    return [
        _source_article(
            e.article,
            number=e.position,
            perspective=e.perspective.slug if e.perspective else "",
            outlet=e.cited_outlet,
            title=e.cited_title,
            language=e.cited_language or e.article.language,
            story=e.story,
            relevance=e.relevance,
        )
        for e in entries
    ]


def bullets_markdown(bullets: list[Bullet], note: str = "") -> str:
    if not bullets:
        return f"_{note}_" if note else ""
    return "\n".join(b.markdown() for b in bullets)


def _provenance(bullets: list[Bullet]) -> list[dict]:
    return [
        {
            "text": b.text,
            "citations": list(b.citations),
            "evidence": [{"number": e.number, "sentence": e.sentence} for e in b.evidence],
        }
        for b in bullets
    ]


def _write_draft(digest: Digest, draft: Draft, edited: list[str], *, created: bool) -> None:
    """Store the draft; an edited part keeps its text, machine original and provenance."""
    old = digest.provenance or {}
    provenance = {"highlights": old.get("highlights", []), "sections": {}}
    if "highlights" not in edited:
        digest.highlights = digest.machine_highlights = bullets_markdown(draft.highlights)
        provenance["highlights"] = _provenance(draft.highlights)
    for perspective in digest.topic.perspectives.all():
        slug = perspective.slug
        section, new = DigestSection.objects.get_or_create(digest=digest, perspective=perspective)
        provenance["sections"][slug] = old.get("sections", {}).get(slug, [])
        if new or slug not in edited:
            bullets = draft.sections.get(slug, [])
            section.body = section.machine_body = bullets_markdown(
                bullets, draft.notes.get(slug, "")
            )
            section.save()
            provenance["sections"][slug] = _provenance(bullets)
    digest.provenance = provenance
    digest.drafter, digest.drafter_version = draft.drafter, draft.version
    digest.drafter_note = draft.fallback_reason
    digest.generated_at = timezone.now()
    if not created:  # the text changed under any open editor: a stale save must conflict
        digest.version = F("version") + 1
    digest.save()
    digest.refresh_from_db(fields=["version"])


# --- Scheduling -------------------------------------------------------------------------


def topic_schedule_sync(*, topic: Topic) -> None:
    """One django-q2 schedule per active topic, daily at its edition time in its time zone."""
    from django_q.models import Schedule

    name = f"Draft digest: {topic.slug}"
    if not topic.active:
        Schedule.objects.filter(name=name).delete()
        return
    now = timezone.now().astimezone(topic.zone)
    next_run = datetime.combine(now.date(), topic.edition_time, tzinfo=topic.zone)
    if next_run <= now:
        next_run += timedelta(days=1)
    Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": "digests.tasks.draft_todays_edition",
            "args": repr(topic.pk),
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            "next_run": next_run,
        },
    )


# --- Renumbering ----------------------------------------------------------------------


def renumber_citations(text: str, mapping: dict[int, int | None]) -> str:
    """Rewrite ``[3, 7]`` markers by ``mapping``; numbers mapped to None are dropped."""

    def replace(match: re.Match) -> str:
        numbers = [int(n) for n in match.group(1).split(",")]
        new = sorted({mapping.get(n, n) for n in numbers} - {None})
        return f"[{', '.join(map(str, new))}]" if new else ""

    return CITATION.sub(replace, text)


@transaction.atomic
def digest_renumber(*, digest: Digest) -> dict[int, int | None]:
    """Number included articles perspective by perspective again, and rewrite every citation."""
    entries = list(digest.entries.select_related("perspective").select_for_update(of=("self",)))
    order = {p.pk: i for i, p in enumerate(digest.topic.perspectives.all())}
    included = sorted(
        (e for e in entries if e.included and e.perspective_id in order),
        key=lambda e: (order[e.perspective_id], e.position or 10**9, e.pk),
    )
    unplaced = [e for e in entries if e.included and e.perspective_id not in order]
    for entry in unplaced:
        entry.included = False  # an outlet no longer placed leaves the source list
    mapping: dict[int, int | None] = {e.position: None for e in entries if e.position}
    DigestArticle.objects.filter(digest=digest).update(position=None)
    for number, entry in enumerate(included, 1):
        if entry.position:
            mapping[entry.position] = number
        entry.position = number
    DigestArticle.objects.bulk_update(included + unplaced, ["position", "included"])
    # The machine copies are renumbered too, so "edited" still means an editor edited it.
    digest.highlights = renumber_citations(digest.highlights, mapping)
    digest.machine_highlights = renumber_citations(digest.machine_highlights, mapping)
    # The text changed under any open editor: their stale save must meet a conflict.
    digest.version = F("version") + 1
    digest.save(update_fields=["highlights", "machine_highlights", "version", "updated_at"])
    digest.refresh_from_db(fields=["version"])
    for section in digest.sections.all():
        section.body = renumber_citations(section.body, mapping)
        section.machine_body = renumber_citations(section.machine_body, mapping)
        section.save(update_fields=["body", "machine_body"])
    return mapping


# --- Following placements ---------------------------------------------------------------


def digests_follow_placement(*, placement: Placement) -> int:
    """A placement changed: unpublished digests move the outlet's articles; published are flagged."""
    affected = Digest.objects.filter(
        topic=placement.topic_id, entries__article__source=placement.source_id
    )
    published = affected.filter(status__in=[Digest.Status.PUBLISHED, Digest.Status.WITHDRAWN])
    published.update(placement_changed_since_publishing=True)
    count = 0
    for digest in affected.unpublished().distinct():
        entries = digest.entries.filter(article__source=placement.source_id)
        if placement.perspective_id and not placement.excluded:
            entries.update(perspective=placement.perspective_id)
        else:
            entries.update(included=False)
        digest_renumber(digest=digest)
        count += 1
    return count
