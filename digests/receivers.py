"""How `digests` follows what happens in `sources` (which must not import us)."""

from django.dispatch import receiver

from sources.models import Article, ArticleFeed
from sources.signals import articles_ingested, outlets_edited, source_merged

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


@receiver(outlets_edited, dispatch_uid="digests.follow_edited_outlets")
def follow_edited_outlets(sender, source_ids, placing, **kwargs):
    """An editor's fix to outlets shows at once: outlet pages carry their names, domains and
    state flags, and what placement reads places them anew wherever automation placed them
    (an editor's placement stays), in the topics whose feeds carry them."""
    public_changed()
    if placing:
        carrying = ArticleFeed.objects.filter(article__source_id__in=source_ids)
        topics = Topic.objects.filter(feeds__in=carrying.values("feed_id")).distinct()
        services.placements_refresh(topics=topics, source_ids=source_ids)
