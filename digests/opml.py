"""The whole setup as one OPML file: topics, their perspectives and feeds (config as code).

Topics are outlines carrying our own namespaced attributes; their perspectives and feeds are
nested inside. Plain feed readers still see every feed; feeds in no topic sit at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from lxml import etree

from sources import services as source_services
from sources.models import Feed
from sources.opml import NAMESPACE, OpmlError, OpmlFeed, feed_outline, opml_document, parse_opml

from .models import Perspective, Topic, TopicFeed
from .services import topic_schedule_sync


def ns(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@dataclass
class OpmlPerspective:
    slug: str
    name: str
    countries: str
    order: int


@dataclass
class OpmlTopic:
    slug: str
    name: str
    attrs: dict
    perspectives: list[OpmlPerspective] = field(default_factory=list)
    feeds: list[tuple[OpmlFeed, str]] = field(default_factory=list)  # (feed, default slug)


TOPIC_ATTRS = {  # OPML attribute → Topic field
    "description": "description",
    "keywords": "keywords",
    "editionTime": "edition_time",
    "timeZone": "time_zone",
    "articlesPerPerspective": "articles_per_perspective",
}


def write_config() -> bytes:
    root, body = opml_document("digestcms configuration")
    in_topics = set()
    for topic in Topic.objects.prefetch_related(
        "perspectives", "topicfeed_set__feed", "topicfeed_set__default_perspective"
    ):
        outline = etree.SubElement(body, "outline", text=topic.name)
        outline.set(ns("topic"), topic.slug)
        outline.set(ns("active"), "true" if topic.active else "false")
        for attr, name in TOPIC_ATTRS.items():
            value = getattr(topic, name)
            outline.set(ns(attr), value.strftime("%H:%M") if attr == "editionTime" else str(value))
        for perspective in topic.perspectives.all():
            p = etree.SubElement(outline, "outline", text=perspective.name)
            p.set(ns("perspective"), perspective.slug)
            p.set(ns("countries"), perspective.countries)
            p.set(ns("order"), str(perspective.order))
        for link in topic.topicfeed_set.all():
            f = feed_outline(outline, link.feed)
            if link.default_perspective_id:
                f.set(ns("defaultPerspective"), link.default_perspective.slug)
            in_topics.add(link.feed_id)
    for feed in Feed.objects.exclude(pk__in=in_topics).order_by("url"):
        feed_outline(body, feed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_config(content: bytes) -> tuple[list[OpmlTopic], list[OpmlFeed]]:
    """Topics (with their perspectives and feeds) and every feed in the file."""
    root, feeds = parse_opml(content)
    topics = []
    for outline in root.iter("outline"):
        slug = outline.get(ns("topic"))
        if slug is None:
            continue
        topics.append(_topic(outline, slug.strip(), feeds))
    return topics, list(feeds.values())


def _topic(outline, slug: str, feeds: dict) -> OpmlTopic:
    if not slug:
        raise OpmlError(f"Line {outline.sourceline}: a topic outline needs a digestcms:topic slug.")
    attrs = {
        name: outline.get(ns(attr))
        for attr, name in TOPIC_ATTRS.items()
        if outline.get(ns(attr)) is not None
    }
    attrs["active"] = outline.get(ns("active"), "true") != "false"
    topic = OpmlTopic(slug=slug, name=(outline.get("text") or slug).strip(), attrs=attrs)
    for child in outline.iterchildren("outline"):
        if child.get(ns("perspective")):
            topic.perspectives.append(_perspective(child))
        elif child.get("xmlUrl"):
            topic.feeds.append(
                (feeds[child.get("xmlUrl").strip()], child.get(ns("defaultPerspective"), ""))
            )
    return topic


def _perspective(outline) -> OpmlPerspective:
    try:
        order = int(outline.get(ns("order"), "0"))
    except ValueError:
        raise OpmlError(f"Line {outline.sourceline}: digestcms:order must be a number.") from None
    return OpmlPerspective(
        slug=outline.get(ns("perspective")).strip(),
        name=(outline.get("text") or outline.get(ns("perspective"))).strip(),
        countries=(outline.get(ns("countries")) or "").replace(" ", "").upper(),
        order=order,
    )


@transaction.atomic
def config_import(*, topics: list[OpmlTopic], feeds: list[OpmlFeed]) -> dict[str, int]:
    """Create or update feeds, topics, perspectives and topic feeds; never duplicates.

    All or nothing: any invalid value rolls the whole import back.
    """
    try:
        return _import(topics, feeds)
    except ValidationError as exc:
        raise OpmlError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from None


def _import(topics: list[OpmlTopic], feeds: list[OpmlFeed]) -> dict[str, int]:
    created, updated = source_services.feeds_import(feeds=feeds)
    for item in topics:
        topic, _ = Topic.objects.update_or_create(
            slug=item.slug, defaults={"name": item.name, **item.attrs}
        )
        topic.full_clean()
        topic_schedule_sync(topic=topic)
        slugs = {}
        for p in item.perspectives:
            slugs[p.slug], _ = Perspective.objects.update_or_create(
                topic=topic,
                slug=p.slug,
                defaults={"name": p.name, "countries": p.countries, "order": p.order},
            )
            slugs[p.slug].full_clean()
        for feed_item, default in item.feeds:
            if default and default not in slugs:
                raise OpmlError(
                    f"Topic {item.slug}: feed {feed_item.url} defaults to unknown perspective {default!r}."
                )
            TopicFeed.objects.update_or_create(
                topic=topic,
                feed=Feed.objects.get(url=feed_item.url),
                defaults={"default_perspective": slugs.get(default)},
            )
    return {"feeds_created": created, "feeds_updated": updated, "topics": len(topics)}
