"""OPML in and out for feeds: the list of feeds travels as one file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .models import Feed

NAMESPACE = "https://digestcms.org/ns/opml/1"
NSMAP = {"digestcms": NAMESPACE}
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


class OpmlError(Exception):
    """The file is not OPML we can import; the message says where and why."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str
    site_url: str
    active: bool


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network: an OPML file is data, not a program.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


def parse_opml(content: bytes) -> tuple[etree._Element, dict[str, OpmlFeed]]:
    """The parsed document and every feed outline (one with an xmlUrl), however nested."""
    if ENTITY_DECLARATION.search(content[:65536]):
        raise OpmlError("The file declares XML entities (<!ENTITY>), which we refuse for safety.")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"Not a valid OPML file: {exc.msg} (line {exc.lineno}).") from None
    if etree.QName(root).localname != "opml":
        raise OpmlError(f"Not an OPML file: the root element is <{etree.QName(root).localname}>.")
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            feeds.setdefault(url, _feed(outline, url))
    return root, feeds


def _feed(outline: etree._Element, url: str) -> OpmlFeed:
    if not url.startswith(("http://", "https://")):
        raise OpmlError(f"Feed outline on line {outline.sourceline} has a non-http URL: {url!r}.")
    return OpmlFeed(
        url=url,
        title=(outline.get("title") or outline.get("text") or "").strip()[:300],
        site_url=(outline.get("htmlUrl") or "").strip()[:2000],
        active=outline.get(f"{{{NAMESPACE}}}active", "true") != "false",
    )


def read_opml(content: bytes) -> list[OpmlFeed]:
    return list(parse_opml(content)[1].values())


def feed_outline(parent: etree._Element, feed: Feed) -> etree._Element:
    outline = etree.SubElement(parent, "outline", type="rss", text=feed.title or feed.url)
    outline.set("title", feed.title or feed.url)
    outline.set("xmlUrl", feed.url)
    if feed.site_url:
        outline.set("htmlUrl", feed.site_url)
    if not feed.active:
        outline.set(f"{{{NAMESPACE}}}active", "false")
    return outline


def opml_document(title: str) -> tuple[etree._Element, etree._Element]:
    """An empty OPML 2.0 document: (root, body)."""
    root = etree.Element("opml", version="2.0", nsmap=NSMAP)
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    return root, etree.SubElement(root, "body")


def write_opml(feeds) -> bytes:
    root, body = opml_document("digestcms feeds")
    for feed in feeds:
        feed_outline(body, feed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
