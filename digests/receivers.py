"""How `digests` follows what happens in `sources` (which must not import us)."""

from django.dispatch import receiver

from sources.models import Article
from sources.signals import articles_ingested, source_edited, source_merged

from . import services
from .caching import public_changed
from .models import Topic


@receiver(articles_ingested, dispatch_uid="digests.place_after_ingestion")
def place_after_ingestion(sender, feed, article_ids, **kwargs):
    """New articles may bring new outlets: place them in every topic reading the feed."""
    topics = Topic.objects.filter(feeds=feed)
    source_ids = set(Article.objects.filter(pk__in=article_ids).values_list("source_id", flat=True))
    if source_ids:
        services.placements_refresh(topics=topics, source_ids=source_ids)


@receiver(source_merged, dispatch_uid="digests.move_placements_on_merge")
def move_placements_on_merge(sender, keep, merged, **kwargs):
    services.placements_move_to_source(keep=keep, merged=merged)


@receiver(source_edited, dispatch_uid="digests.follow_an_edited_outlet")
def follow_an_edited_outlet(sender, source, changed, **kwargs):
    """An editor's fix to an outlet shows at once: outlet pages carry its name, domain and
    state flag, and a new country places it anew wherever automation placed it."""
    public_changed()
    if "country" in changed:
        services.placements_refresh(source_ids={source.pk})
