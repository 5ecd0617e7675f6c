"""Placements: automatic filling and editors' decisions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sources.models import ArticleFeed, Source
from sources.services import registry_load

from ..caching import public_changed
from ..models import Digest, Perspective, Placement, PlacementChange, Topic, TopicFeed
from ..placement import Placer
from .digests import digests_follow_placement


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    kept_editor: int = 0

    def __iadd__(self, other: RefreshResult) -> RefreshResult:
        self.created += other.created
        self.updated += other.updated
        self.kept_editor += other.kept_editor
        return self


def _label(perspective_id: int | None, excluded: bool, names: dict[int, str]) -> str:
    if excluded:
        return "excluded"
    return names.get(perspective_id, "needs review") if perspective_id else "needs review"


# --- Automatic placement ----------------------------------------------------------


def placements_refresh(*, topics=None, source_ids=None) -> RefreshResult:
    """Fill and update automatic placements; an editor's placement is never touched.

    Covers every outlet that has articles in the topic's feeds (or only ``source_ids``).
    """
    registry = registry_load()
    result = RefreshResult()
    for topic in topics if topics is not None else Topic.objects.all():
        result += _refresh_topic(topic, registry, source_ids)
    if result.created or result.updated:
        public_changed()  # outlet pages show placements
    return result


def _sources_by_feed(topic: Topic, feed_ids: list[int], source_ids) -> dict[int, set[int]]:
    rows = ArticleFeed.objects.filter(feed_id__in=feed_ids)
    if source_ids is not None:
        rows = rows.filter(article__source_id__in=source_ids)
    feeds_of: dict[int, set[int]] = defaultdict(set)
    for source_id, feed_id in rows.values_list("article__source_id", "feed_id").distinct():
        feeds_of[source_id].add(feed_id)
    return feeds_of


@transaction.atomic
def _refresh_topic(topic: Topic, registry, source_ids) -> RefreshResult:
    # One refresh of a topic at a time: two workers placing the same new outlet would both
    # find no placement and both insert one (IntegrityError on unique_placement, the whole
    # topic's refresh rolled back). The second waits here, then sees the first's rows.
    Topic.objects.select_for_update().filter(pk=topic.pk).first()
    perspectives = list(topic.perspectives.all())
    feed_defaults = dict(
        TopicFeed.objects.filter(topic=topic).values_list("feed_id", "default_perspective_id")
    )
    placer = Placer(perspectives, registry, feed_defaults)
    names = {p.pk: p.name for p in perspectives}
    feeds_of = _sources_by_feed(topic, list(feed_defaults), source_ids)
    # Locked: an editor's change committed between this read and the write below would
    # otherwise be overwritten by the automatic decision. Only the placements, in id order:
    # the default ordering joins the outlets, and FOR UPDATE would lock their rows too,
    # which another worker's new articles check (KEY SHARE) as they commit: a deadlock.
    locked = (
        Placement.objects.select_for_update(of=("self",))
        .filter(topic=topic, source_id__in=feeds_of)
        .order_by("pk")
    )
    existing = {p.source_id: p for p in locked}
    sources = Source.objects.filter(pk__in=feeds_of).only("id", "domain", "country")
    new, changed, history = [], [], []
    result = RefreshResult()
    now = timezone.now()
    for source in sources.iterator(chunk_size=2000):
        decision = placer.decide(source, feeds_of[source.pk])
        placement = existing.get(source.pk)
        if placement is None:
            placement = Placement(topic=topic, source=source, decided_at=now)
            new.append(placement)
            old = ("needs review", Placement.Origin.NONE)
        elif placement.origin == Placement.Origin.EDITOR:
            result.kept_editor += 1
            continue
        elif (placement.perspective_id, placement.origin, placement.excluded) == (
            decision.perspective_id,
            decision.origin,
            False,
        ):
            continue
        else:
            old = (_label(placement.perspective_id, placement.excluded, names), placement.origin)
            changed.append(placement)
        placement.perspective_id, placement.origin = decision.perspective_id, decision.origin
        placement.excluded, placement.decided_by, placement.decided_at = False, None, now
        history.append((placement, old, _label(decision.perspective_id, False, names)))
    Placement.objects.bulk_create(new, batch_size=1000)
    Placement.objects.bulk_update(
        changed,
        ["perspective", "origin", "excluded", "decided_by", "decided_at"],
        batch_size=1000,
    )
    PlacementChange.objects.bulk_create(
        [
            PlacementChange(
                placement=p,
                old_label=old[0],
                old_origin=old[1],
                new_label=new_label,
                new_origin=p.origin,
                changed_at=now,
                reason="automatic placement",
            )
            for p, old, new_label in history
            if old[0] != new_label or old[1] != p.origin
        ],
        batch_size=1000,
    )
    if changed and Digest.objects.filter(topic=topic).exists():
        for placement in changed:
            digests_follow_placement(placement=placement)
    result.created, result.updated = len(new), len(changed)
    return result


# --- Editors' placements -------------------------------------------------------------


@transaction.atomic
def placement_set(
    *,
    placement: Placement,
    perspective: Perspective | None = None,
    excluded: bool = False,
    user=None,
    reason: str = "",
) -> Placement:
    """An editor places an outlet under a perspective (or excludes it); automation keeps off."""
    if perspective is not None and perspective.topic_id != placement.topic_id:
        raise ValidationError(
            f"“{perspective.name}” is a perspective of {perspective.topic}, "
            f"not of {placement.topic}; choose one of {placement.topic}'s perspectives."
        )
    if excluded and perspective is not None:
        raise ValidationError("An excluded outlet has no perspective.")
    locked = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("perspective")
        .get(pk=placement.pk)
    )
    old_label, old_origin = locked.label, locked.origin
    locked.perspective, locked.excluded = perspective, excluded
    locked.origin = Placement.Origin.EDITOR
    locked.decided_by = user if getattr(user, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save()
    PlacementChange.objects.create(
        placement=locked,
        old_label=old_label,
        old_origin=old_origin,
        new_label=locked.label,
        new_origin=locked.origin,
        changed_by=locked.decided_by,
        changed_at=locked.decided_at,
        reason=reason,
    )
    digests_follow_placement(placement=locked)
    public_changed()
    return locked


def placement_for(*, topic: Topic, source: Source) -> Placement:
    """The outlet's placement in the topic, created unplaced when there is none yet."""
    placement, _ = Placement.objects.get_or_create(topic=topic, source=source)
    return placement


@transaction.atomic
def placements_move_to_source(*, keep: Source, merged: Source) -> None:
    """Outlets merged: the kept outlet inherits placements, an editor's decision winning."""
    for placement in Placement.objects.filter(source=merged):
        current = Placement.objects.filter(topic=placement.topic_id, source=keep).first()
        wins = current is None or (
            placement.origin == Placement.Origin.EDITOR
            and current.origin != Placement.Origin.EDITOR
        )
        if wins:
            if current is not None:
                PlacementChange.objects.filter(placement=current).update(placement=placement)
                current.delete()
            placement.source = keep
            placement.save(update_fields=["source"])
            current = placement
        else:
            PlacementChange.objects.filter(placement=placement).update(placement=current)
            placement.delete()
        # The merged outlet's articles now follow the surviving placement in digests too.
        digests_follow_placement(placement=current)
    public_changed()
