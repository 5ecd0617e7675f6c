"""Automatic placement: which perspective of a topic an outlet speaks for.

Precedence: editor > registry > country > feed > unplaced ("needs review"). This module only
decides; `digests.services` writes, and never touches a placement an editor made.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources.models import Source
from sources.registry import Registry

from .models import Perspective, Placement


@dataclass(frozen=True)
class Decision:
    perspective_id: int | None
    origin: str


UNPLACED = Decision(None, Placement.Origin.NONE)


class Placer:
    """Decides automatic placements for one topic, given its perspectives and feeds."""

    def __init__(
        self,
        perspectives: list[Perspective],
        registry: Registry,
        feed_defaults: dict[int, int | None],
    ):
        self.registry = registry
        self.feed_defaults = feed_defaults
        self.by_country: dict[str, int] = {}
        for perspective in sorted(perspectives, key=lambda p: (p.order, p.pk)):
            for code in perspective.country_codes:
                self.by_country.setdefault(code, perspective.pk)

    def decide(self, source: Source, feed_ids: set[int]) -> Decision:
        entry = self.registry.match(source.domain)
        if entry is not None and entry.country in self.by_country:
            return Decision(self.by_country[entry.country], Placement.Origin.REGISTRY)
        if source.country in self.by_country:
            return Decision(self.by_country[source.country], Placement.Origin.COUNTRY)
        defaults = {self.feed_defaults.get(feed_id) for feed_id in feed_ids} - {None}
        if len(defaults) == 1:
            return Decision(defaults.pop(), Placement.Origin.FEED)
        return UNPLACED
