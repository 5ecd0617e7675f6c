"""Every write to topics, placements and digests goes through these functions."""

from .digests import (
    DigestFrozen,
    DraftConflict,
    DraftRefused,
    DraftResult,
    digest_draft,
    digest_renumber,
    digest_title,
    digests_follow_placement,
    renumber_citations,
    topic_schedule_sync,
)
from .placements import (
    RefreshResult,
    placement_for,
    placement_set,
    placements_move_to_source,
    placements_refresh,
)

__all__ = [
    "DigestFrozen",
    "DraftConflict",
    "DraftRefused",
    "DraftResult",
    "RefreshResult",
    "digest_draft",
    "digest_renumber",
    "digest_title",
    "digests_follow_placement",
    "placement_for",
    "placement_set",
    "placements_move_to_source",
    "placements_refresh",
    "renumber_citations",
    "topic_schedule_sync",
]
