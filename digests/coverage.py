"""The coverage check shown before publishing: what a publisher should look at, never a block."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from sources.models import Article

from .models import Digest, DigestArticle, Perspective, Placement
from .selection import edition_window
from .services.digests import CITATION

HISTORY_DAYS = 28
QUIET_SHARE = 0.5  # today below half the daily average is "far fewer"
QUIET_MIN_AVERAGE = 3  # feeds this thin vary too much to judge


@dataclass(frozen=True)
class CoverageWarning:
    code: str
    message: str
    level: str = "warning"  # "warning" or "info"


@dataclass
class Edition:
    """What the checks read, loaded once: a constant number of queries per digest."""

    digest: Digest
    perspectives: list[Perspective]
    entries: list[DigestArticle]  # the numbered source list
    parts: list[tuple[str, str]]  # (name, markdown): highlights, then each section

    @property
    def names(self) -> dict[int, str]:
        return {p.pk: p.name for p in self.perspectives}

    @property
    def numbers(self) -> set[int]:
        return {e.position for e in self.entries}


def bullets(text: str) -> list[str]:
    """The Markdown bullet lines ("- …") of ``text``."""
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("- ")]


def cited_numbers(text: str) -> set[int]:
    return {int(n) for match in CITATION.finditer(text) for n in match.group(1).split(",")}


def coverage_check(digest: Digest) -> list[CoverageWarning]:
    edition = load_edition(digest)
    return [
        *per_perspective_counts(edition),
        *one_sided_stories(edition),
        *quiet_perspectives(edition),
        *uncited_bullets(edition),
        *missing_citations(edition),
        *off_topic_included(edition),
        *unplaced_outlets(edition),
        *placement_changed(edition),
    ]


def load_edition(digest: Digest) -> Edition:
    perspectives = list(Perspective.objects.filter(topic=digest.topic_id))
    entries = list(digest.entries.filter(included=True, position__isnull=False))
    order = {p.pk: i for i, p in enumerate(perspectives)}
    names = {p.pk: p.name for p in perspectives}
    sections = sorted(digest.sections.all(), key=lambda s: order.get(s.perspective_id, len(order)))
    parts = [("Highlights", digest.highlights)] + [
        (names.get(s.perspective_id, "A section"), s.body) for s in sections
    ]
    return Edition(digest, perspectives, entries, parts)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


# --- The checks -------------------------------------------------------------------------


def per_perspective_counts(edition: Edition) -> list[CoverageWarning]:
    counts = Counter(e.perspective_id for e in edition.entries)
    return [
        CoverageWarning(
            "perspective_count", f"{p.name}: {_plural(counts[p.pk], 'article')}.", "info"
        )
        if counts[p.pk]
        else CoverageWarning("perspective_empty", f"{p.name}: no articles in the source list.")
        for p in edition.perspectives
    ]


def one_sided_stories(edition: Edition) -> list[CoverageWarning]:
    """Stories (near-duplicates share a story id) that only one perspective reports."""
    if len(edition.perspectives) < 2:
        return []
    stories: dict[int, list[DigestArticle]] = defaultdict(list)
    for entry in edition.entries:
        stories[entry.story or -entry.pk].append(entry)
    one_sided = [
        min(group, key=lambda e: e.position)
        for group in stories.values()
        if len({e.perspective_id for e in group}) == 1
    ]
    if not one_sided:
        return []
    names = edition.names
    titles = "; ".join(
        f"“{_shorten(e.cited_title)}” ({names.get(e.perspective_id, 'unplaced')})"
        for e in sorted(one_sided, key=lambda e: e.position)
    )
    count = _plural(len(one_sided), "story", "stories")
    return [
        CoverageWarning("one_sided_stories", f"{count} covered by one perspective only: {titles}.")
    ]


def quiet_perspectives(edition: Edition) -> list[CoverageWarning]:
    """Perspectives whose outlets' feeds delivered far fewer articles than on an average day."""
    topic = edition.digest.topic
    start, end = edition_window(topic, edition.digest.edition_date)
    rows = (
        Article.objects.filter(
            feeds__topics=topic,
            source__placements__topic=topic,
            source__placements__perspective__isnull=False,
            source__placements__excluded=False,
        )
        .annotate(seen=Coalesce(F("published_at"), F("created_at")))
        .filter(seen__gte=start - timedelta(days=HISTORY_DAYS), seen__lt=end)
        .values("source__placements__perspective")
        .annotate(
            today=Count("pk", filter=Q(seen__gte=start), distinct=True),
            before=Count("pk", filter=Q(seen__lt=start), distinct=True),
        )
        .order_by()
    )
    names, warnings = edition.names, []
    for row in rows:
        average = row["before"] / HISTORY_DAYS
        if average >= QUIET_MIN_AVERAGE and row["today"] < QUIET_SHARE * average:
            name = names.get(row["source__placements__perspective"], "A perspective")
            warnings.append(
                CoverageWarning(
                    "quiet_feeds",
                    f"{name}: its outlets' feeds delivered {_plural(row['today'], 'article')} "
                    f"for this edition, against {average:.0f} a day over the previous "
                    f"{HISTORY_DAYS} days. A feed may be failing.",
                )
            )
    return warnings


def uncited_bullets(edition: Edition) -> list[CoverageWarning]:
    warnings = []
    for name, text in edition.parts:
        uncited = [line for line in bullets(text) if not CITATION.search(line)]
        if uncited:
            lines = "; ".join(f"“{_shorten(line[2:])}”" for line in uncited)
            count = _plural(len(uncited), "bullet")
            warnings.append(
                CoverageWarning("uncited_bullets", f"{name}: {count} cite no source: {lines}.")
            )
    return warnings


def missing_citations(edition: Edition) -> list[CoverageWarning]:
    """Citation numbers that point to no article in the source list."""
    numbers, warnings = edition.numbers, []
    for name, text in edition.parts:
        missing = sorted(cited_numbers(text) - numbers)
        if missing:
            cited = ", ".join(f"[{n}]" for n in missing)
            warnings.append(
                CoverageWarning(
                    "missing_citations",
                    f"{name} cites {cited}, which the source list does not have.",
                )
            )
    return warnings


def off_topic_included(edition: Edition) -> list[CoverageWarning]:
    off_topic = [e for e in edition.entries if e.off_topic]
    if not off_topic:
        return []
    listed = "; ".join(f"[{e.position}] “{_shorten(e.cited_title)}”" for e in off_topic)
    count = _plural(len(off_topic), "off-topic article")
    return [CoverageWarning("off_topic_included", f"{count} included: {listed}.")]


def unplaced_outlets(edition: Edition) -> list[CoverageWarning]:
    count = Placement.objects.needs_review().filter(topic=edition.digest.topic_id).count()
    if not count:
        return []
    if count == 1:
        message = "1 outlet of this topic still needs a perspective; its articles are left out."
    else:
        message = (
            f"{count} outlets of this topic still need a perspective; their articles are left out."
        )
    return [CoverageWarning("unplaced_outlets", message)]


def placement_changed(edition: Edition) -> list[CoverageWarning]:
    digest = edition.digest
    if digest.status != Digest.Status.PUBLISHED or not digest.placement_changed_since_publishing:
        return []
    return [
        CoverageWarning(
            "placement_changed",
            "An outlet's placement changed since this digest was published; "
            "the digest keeps the placements in force when it was published.",
        )
    ]
