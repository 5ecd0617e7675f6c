"""RSS 2.0 and Atom 1.0, site-wide and per topic: one base class, small subclasses.

Each entry carries the whole digest as HTML (the page's own rendering, nh3-cleaned), a GUID
that never changes, and an ``updated`` time that moves when the digest is corrected. Text
from feeds and editors may hold characters XML forbids; they are dropped before writing
(THREATS.md 6), so one bad title never breaks a feed.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from .models import Digest, Topic
from .pages import digest_parts, with_page_parts

ITEMS = 20
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` without characters XML 1.0 cannot carry (strings, and lists of them)."""
    if isinstance(value, str):
        return XML_ILLEGAL.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


class XmlSafeFeed:
    """Cleans every string given to the feed writer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(xml_safe, args), **{k: xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(xml_safe, args), **{k: xml_safe(v) for k, v in kwargs.items()})


class SafeRssFeed(XmlSafeFeed, Rss201rev2Feed):
    pass


class SafeAtomFeed(XmlSafeFeed, Atom1Feed):
    """Atom with the digest in ``<content type="html">`` rather than a summary."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("content", item["description"], {"type": "html"})


def digest_guid(digest: Digest) -> str:
    """The same id for an edition forever, whichever host or database serves it."""
    name = f"digestcms:{digest.topic.slug}/{digest.edition_date.isoformat()}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


class DigestFeed(Feed):
    """Site-wide RSS: the latest published digests of every topic."""

    feed_type = SafeRssFeed
    language = "en"

    @classmethod
    def view(cls):
        """A fresh feed per request: it keeps the request, for absolute citation links."""

        def serve(request, *args, **kwargs):
            return cls()(request, *args, **kwargs)

        return serve

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self, obj: Topic | None) -> str:
        site = settings.DIGESTCMS_SITE_NAME
        return f"{obj.name} — {site}" if obj else f"{site}: news digests"

    def description(self, obj: Topic | None) -> str:
        if obj:
            return obj.description or f"Daily digests on {obj.name}, each perspective side by side."
        return "Daily news digests, each perspective side by side, with numbered sources."

    def author_name(self, obj: Topic | None) -> str:
        """Atom needs an author (RFC 4287 4.1.1): the site, never an editor's name."""
        return settings.DIGESTCMS_SITE_NAME

    def link(self, obj: Topic | None) -> str:
        return obj.get_absolute_url() if obj else reverse("home")

    def items(self, obj: Topic | None):
        digests = Digest.objects.published().select_related("topic")
        if obj is not None:
            digests = digests.filter(topic=obj)
        return list(with_page_parts(digests.order_by("-published_at", "-pk"))[:ITEMS])

    def item_title(self, item: Digest) -> str:
        return item.title

    def item_link(self, item: Digest) -> str:
        return item.get_absolute_url()

    def item_description(self, item: Digest) -> str:
        base = self.request.build_absolute_uri(item.get_absolute_url())
        parts = digest_parts(
            item, item.cited, list(item.sections.all()), citation_base=f"{base}#source-"
        )
        return render_to_string("digests/feed_item.html", {**parts, "page_url": base})

    def item_guid(self, item: Digest) -> str:
        return digest_guid(item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Digest):
        return item.published_at

    def item_updateddate(self, item: Digest):
        return item.public_updated_at

    def item_categories(self, item: Digest) -> list[str]:
        return [section.perspective.name for section in item.sections.all()]


class TopicFeed(DigestFeed):
    """One topic's RSS."""

    def get_object(self, request, topic: str) -> Topic:
        return get_object_or_404(Topic, slug=topic)


class DigestAtomFeed(DigestFeed):
    feed_type = SafeAtomFeed

    def subtitle(self, obj: Topic | None) -> str:
        return self.description(obj)


class TopicAtomFeed(TopicFeed):
    feed_type = SafeAtomFeed

    def subtitle(self, obj: Topic | None) -> str:
        return self.description(obj)
