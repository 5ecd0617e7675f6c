"""django-q2 task entry points for digests; thin wrappers over the services."""

from __future__ import annotations

from django.utils import timezone

from . import services
from .models import Topic


def draft_todays_edition(topic_id: int) -> str:
    """Scheduled per topic at its edition time: draft the edition that just closed."""
    topic = Topic.objects.filter(pk=topic_id, active=True).first()
    if topic is None:
        return "topic gone or inactive"
    day = timezone.localdate(timezone=topic.zone)
    try:
        result = services.digest_draft(topic=topic, edition_date=day, redraft=True)
    except services.DraftRefused as exc:
        return str(exc)
    return f"{result.digest}: {result.digest.entries.filter(included=True).count()} articles"


def publish_scheduled() -> str:
    """Every minute: publish the scheduled digests whose time has come."""
    from .workflow import publish_due

    return f"{publish_due()} scheduled digests published"
