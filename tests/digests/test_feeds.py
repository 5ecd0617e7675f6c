"""The feeds (issue 6): RSS 2.0 and Atom 1.0, site-wide and per topic.

Each feed is tested twice: ``items()`` directly, and its URL fetched, then read as XML (lxml,
and the RELAX NG schema of RFC 4287 for Atom) and by feedparser, a real client that must not
flag the document (``bozo`` 0). Text from feeds and editors may hold characters XML forbids;
they never break a feed. Every feed costs a constant number of queries, and none when cached.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path

import feedparser
import lxml.html
import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.xmlutils import UnserializableContentError
from lxml import etree

from digests import workflow
from digests.feeds import (
    ITEMS,
    DigestAtomFeed,
    DigestFeed,
    SafeAtomFeed,
    SafeRssFeed,
    TopicAtomFeed,
    TopicFeed,
    digest_guid,
    xml_safe,
)
from digests.models import Digest, Perspective
from tests.factories import make_published_digest, make_topic

pytestmark = pytest.mark.django_db

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM}
SCHEMATRON = "http://www.ascc.net/xml/schematron"
ATOM_RNG = Path(__file__).resolve().parents[1] / "data" / "schemas" / "atom.rng"
BASE = "http://testserver/"
DAY = "2026-11-20"

SITE_FEEDS = ["feed_rss", "feed_atom"]
TOPIC_FEEDS = ["topic_feed_rss", "topic_feed_atom"]
ALL_FEEDS = SITE_FEEDS + TOPIC_FEEDS
ATOM_FEEDS = ["feed_atom", "topic_feed_atom"]
FEED_CLASSES = {
    "feed_rss": DigestFeed,
    "feed_atom": DigestAtomFeed,
    "topic_feed_rss": TopicFeed,
    "topic_feed_atom": TopicAtomFeed,
}
# The digests with their sections and cited entries (3); a topic feed looks the topic up first.
QUERIES = {"feed_rss": 3, "feed_atom": 3, "topic_feed_rss": 4, "topic_feed_atom": 4}

# Stored text may carry these; XML 1.0 cannot. (PostgreSQL refuses NUL in text, and neither
# database stores a lone surrogate: those two are tested through xml_safe and the writers.)
STORABLE_ILLEGAL = "\x0b\x1f\x0c"
XSS = (
    "- <script>alert(1)</script> Talks resumed [1]\n"
    "- [x](javascript:alert(1)) [1]\n"
    '- <img src=x onerror="alert(1)"> [1]\n'
    '- <a href="javascript:alert(2)">y</a> [2]'
)


# --- Helpers --------------------------------------------------------------------------------------


def day(n: int) -> str:
    return (date.fromisoformat(DAY) + timedelta(days=n)).isoformat()


def feed_url(name: str, topic: str = "us-china") -> str:
    return reverse(name, args=[topic]) if name.startswith("topic_") else reverse(name)


def is_atom(name: str) -> bool:
    return name.endswith("atom")


def fetch(client, name: str, topic: str = "us-china", **headers):
    response = client.get(feed_url(name, topic), **headers)
    assert response.status_code == 200, response.status_code
    return response


def xml(content: bytes) -> etree._Element:
    """The document as a strict XML parser reads it: any ill-formed byte raises."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    return etree.fromstring(content, parser)


def read(content: bytes) -> feedparser.FeedParserDict:
    """The document as feedparser, a real client, reads it; it must not flag it (bozo 0)."""
    parsed = feedparser.parse(content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(ATOM_RNG)))


def assert_valid_atom(doc: etree._Element) -> None:
    schema = atom_schema()
    assert schema.validate(doc), schema.error_log


def schematron_failures(doc: etree._Element) -> list[str]:
    """RFC 4287's Schematron rules (annotations in atom.rng) that ``doc`` breaks."""
    rules = etree.parse(str(ATOM_RNG)).iterfind(f".//{{{SCHEMATRON}}}rule")
    failures = []
    for rule in rules:
        for node in doc.getroottree().xpath(f"//{rule.get('context')}", namespaces=NS):
            for check in rule.iterfind(f"{{{SCHEMATRON}}}assert"):
                if not node.xpath(f"boolean({check.get('test')})", namespaces=NS):
                    failures.append(" ".join(check.text.split()))
    return failures


def entries(doc: etree._Element) -> list[etree._Element]:
    return (
        doc.findall(f"{{{ATOM}}}entry")
        if doc.tag == f"{{{ATOM}}}feed"
        else doc.findall("channel/item")
    )


def entry_ids(doc: etree._Element) -> list[str]:
    tag = f"{{{ATOM}}}id" if doc.tag == f"{{{ATOM}}}feed" else "guid"
    return [entry.findtext(tag) for entry in entries(doc)]


def entry_html(entry: etree._Element) -> str:
    """The digest as HTML, as a reader gets it: the XML text, unescaped once."""
    content = entry.find(f"{{{ATOM}}}content")
    return content.text if content is not None else entry.findtext("description")


def parsed_html(entry) -> str:
    """feedparser's HTML of an entry: Atom content, or the RSS description."""
    return entry.content[0].value if "content" in entry else entry.summary


def hrefs(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath("//a/@href")


def publish(topic, count: int, publisher, **kwargs) -> list[Digest]:
    """``count`` published editions of ``topic``, one a day from DAY, oldest first."""
    return [
        make_published_digest(topic, day(n), publisher=publisher, **kwargs) for n in range(count)
    ]


def dirty_digest(topic, publisher, when: str = DAY) -> Digest:
    """A digest whose title, Markdown, outlet names and cited titles carry XML-illegal text."""
    c = STORABLE_ILLEGAL
    digest = make_published_digest(
        topic,
        when,
        publisher=publisher,
        title=f"Ports{c} reopen",
        highlights=f"- Ports reopened{c} after talks [1]",
        us_body=f"- Washington{c} welcomed it [1]",
        china_body=f"- Beijing{c} agreed [3]",
        article_title=f"Cited{c} story {{n}}",
    )
    digest.entries.update(cited_outlet=f"Outlet{c} One")
    return digest


def corrected_digest(topic, publisher, capture, when: str = DAY, note: str = "") -> Digest:
    digest = make_published_digest(topic, when, publisher=publisher)
    with capture(execute=True):
        workflow.digest_correct(
            digest=digest,
            user=publisher,
            note=note or "The second bullet named the wrong ministry.",
            highlights="- Both sides met and talked about trade and chips [1, 3]",
        )
    digest.refresh_from_db()
    return digest


# --- items(): published only, newest first, capped ------------------------------------------------


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_items_are_the_published_digests_newest_first(name, topic, publisher):
    older, newer = publish(topic, 2, publisher)
    unpublished = [
        Digest.objects.create(
            topic=topic, edition_date=date(2026, 12, n), title=status, slug=status, status=status
        )
        for n, status in enumerate(
            (Digest.Status.DRAFT, Digest.Status.IN_REVIEW, Digest.Status.SCHEDULED), start=1
        )
    ]
    obj = topic if name in TOPIC_FEEDS else None

    items = FEED_CLASSES[name]().items(obj)

    assert items == [newer, older]
    assert not set(items) & set(unpublished)


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_items_are_capped_at_twenty_and_so_is_the_feed(client, name, topic, publisher):
    digests = publish(topic, ITEMS + 1, publisher, articles=2)
    obj = topic if name in TOPIC_FEEDS else None

    items = FEED_CLASSES[name]().items(obj)
    doc = xml(fetch(client, name).content)

    assert ITEMS == 20
    assert items == digests[:0:-1]  # the newest twenty; the oldest edition is left out
    assert entry_ids(doc) == [digest_guid(digest) for digest in digests[:0:-1]]
    assert len(read(fetch(client, name).content).entries) == ITEMS


def test_a_topic_feed_has_only_its_topics_digests(client, topic, publisher):
    other = make_topic("eu-china", "EU vs China")
    ours = make_published_digest(topic, DAY, publisher=publisher)
    theirs = make_published_digest(other, DAY, publisher=publisher)

    assert TopicFeed().items(topic) == [ours]
    assert TopicAtomFeed().items(other) == [theirs]
    for name in TOPIC_FEEDS:
        assert entry_ids(xml(fetch(client, name).content)) == [digest_guid(ours)]
        assert entry_ids(xml(fetch(client, name, "eu-china").content)) == [digest_guid(theirs)]
    for name in SITE_FEEDS:
        assert set(entry_ids(xml(fetch(client, name).content))) == {
            digest_guid(ours),
            digest_guid(theirs),
        }


@pytest.mark.parametrize("name", TOPIC_FEEDS)
def test_an_unknown_topic_has_no_feed(client, name, topic):
    assert client.get(feed_url(name, "no-such-topic")).status_code == 404


def test_item_methods_read_only_what_items_prefetched(topic, publisher, django_assert_num_queries):
    publish(topic, 3, publisher)
    feed = DigestFeed()
    feed.request = RequestFactory().get("/feeds/rss/")

    with django_assert_num_queries(3):
        items = feed.items(None)
        described = [feed.item_description(item) for item in items]
        categories = [feed.item_categories(item) for item in items]
        links = [feed.item_link(item) for item in items]

    assert categories == [["United States", "China"]] * 3
    assert links == [f"/us-china/{day(n)}/" for n in (2, 1, 0)]
    assert all("#source-1" in html for html in described)


def test_guids_are_urn_uuids_of_the_edition_alone(topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"digestcms:us-china/{DAY}")

    assert digest_guid(digest) == f"urn:uuid:{expected}"
    assert DigestFeed().item_guid(digest) == digest_guid(digest)


# --- Atom: RFC 4287 -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ATOM_FEEDS)
def test_atom_feeds_validate_against_the_rfc_4287_schema(
    client, name, topic, publisher, django_capture_on_commit_callbacks
):
    make_published_digest(topic, day(0), publisher=publisher)
    corrected_digest(topic, publisher, django_capture_on_commit_callbacks, day(1))
    dirty_digest(topic, publisher, day(2))

    doc = xml(fetch(client, name).content)

    assert_valid_atom(doc)
    assert len(entries(doc)) == 3


def test_an_atom_feed_of_a_topic_without_digests_is_valid(client, topic):
    doc = xml(fetch(client, "topic_feed_atom").content)

    assert_valid_atom(doc)
    assert entries(doc) == []


def test_the_atom_schema_rejects_a_feed_without_an_id(client, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    doc = xml(fetch(client, "feed_atom").content)
    assert_valid_atom(doc)  # the control: the same document with its id is valid

    doc.remove(doc.find(f"{{{ATOM}}}id"))

    assert not atom_schema().validate(doc)
    assert "id" in str(atom_schema().error_log)


@pytest.mark.parametrize(
    ("broken", "remove"),
    [
        ("entry without an id", "atom:entry/atom:id"),
        ("entry without updated", "atom:entry/atom:updated"),
    ],
)
def test_the_atom_schema_rejects_an_entry_missing_a_required_element(
    client, topic, publisher, broken, remove
):
    make_published_digest(topic, DAY, publisher=publisher)
    doc = xml(fetch(client, "feed_atom").content)

    for node in doc.xpath(remove, namespaces=NS):
        node.getparent().remove(node)

    assert not atom_schema().validate(doc), broken


@pytest.mark.parametrize("name", ATOM_FEEDS)
def test_atom_entries_have_an_alternate_link_and_html_content(client, name, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    doc = xml(fetch(client, name).content)
    (entry,) = entries(doc)

    rule = "An atom:entry must have at least one atom:link element"
    assert not [failure for failure in schematron_failures(doc) if failure.startswith(rule)]
    assert entry.find(f"{{{ATOM}}}link[@rel='alternate']").get("href") == f"{BASE}us-china/{DAY}/"
    assert entry.find(f"{{{ATOM}}}content").get("type") == "html"
    assert entry.find(f"{{{ATOM}}}summary") is None  # the whole digest, not a summary
    assert doc.find(f"{{{ATOM}}}link[@rel='self']").get("href") == BASE + feed_url(name)[1:]
    assert doc.find(f"{{{ATOM}}}link[@rel='alternate']").get("href").startswith(BASE)
    assert [c.get("term") for c in entry.findall(f"{{{ATOM}}}category")] == [
        "United States",
        "China",
    ]


@pytest.mark.parametrize("name", ATOM_FEEDS)
def test_atom_feeds_meet_the_rfc_4287_schematron_rules(client, name, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    doc = xml(fetch(client, name).content)

    assert schematron_failures(doc) == []


@pytest.mark.parametrize("name", ATOM_FEEDS)
def test_atom_ids_are_absolute_and_dates_carry_a_time_zone(client, name, topic, publisher):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    doc = xml(fetch(client, name).content)
    (entry,) = entries(doc)

    assert doc.findtext(f"{{{ATOM}}}id").startswith(BASE)
    assert entry.findtext(f"{{{ATOM}}}id") == digest_guid(digest)
    for text in (
        doc.findtext(f"{{{ATOM}}}updated"),
        entry.findtext(f"{{{ATOM}}}published"),
        entry.findtext(f"{{{ATOM}}}updated"),
    ):
        assert datetime.fromisoformat(text).tzinfo is not None
        assert datetime.fromisoformat(text) == digest.published_at


# --- RSS 2.0 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["feed_rss", "topic_feed_rss"])
def test_rss_feeds_have_the_rss_2_structure(client, name, topic, publisher):
    digests = publish(topic, 2, publisher)
    doc = xml(fetch(client, name).content)

    assert doc.tag == "rss"
    assert doc.get("version") == "2.0"
    (channel,) = doc.findall("channel")
    for tag in ("title", "link", "description"):
        assert len(channel.findall(tag)) == 1 and channel.findtext(tag).strip(), tag
    assert channel.findtext("link").startswith(BASE)
    items = channel.findall("item")
    assert len(items) == 2
    for item, digest in zip(items, reversed(digests), strict=True):
        assert item.findtext("title") == digest.title
        assert item.findtext("link") == f"{BASE}us-china/{digest.edition_date}/"
        assert "Both sides met and talked about trade" in item.findtext("description")
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert guid.text == digest_guid(digest)
        published = parsedate_to_datetime(item.findtext("pubDate"))
        assert published.tzinfo is not None
        assert published == digest.published_at.replace(microsecond=0)
        assert [c.text for c in item.findall("category")] == ["United States", "China"]


# --- feedparser -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_every_feed_parses_cleanly_in_feedparser(
    client, name, topic, publisher, django_capture_on_commit_callbacks
):
    plain = make_published_digest(topic, day(0), publisher=publisher)
    corrected = corrected_digest(topic, publisher, django_capture_on_commit_callbacks, day(1))
    dirty = dirty_digest(topic, publisher, day(2))

    parsed = read(fetch(client, name).content)

    assert parsed.version == ("atom10" if is_atom(name) else "rss20")
    assert parsed.feed.link.startswith(BASE)
    assert [entry.id for entry in parsed.entries] == [
        digest_guid(d) for d in (dirty, corrected, plain)
    ]
    assert [entry.title for entry in parsed.entries] == [
        "Ports reopen",
        corrected.title,
        plain.title,
    ]
    for entry in parsed.entries:
        assert entry.link.startswith(BASE)
        assert [tag.term for tag in entry.tags] == ["United States", "China"]
        assert all(href.startswith(("http://", "https://")) for href in hrefs(parsed_html(entry)))


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_feed_content_is_the_digest_with_absolute_citation_links(client, name, topic, publisher):
    make_published_digest(topic, DAY, publisher=publisher)
    page = f"{BASE}us-china/{DAY}/"

    (entry,) = read(fetch(client, name).content).entries
    html = parsed_html(entry)

    assert "Both sides met and talked about trade" in html
    assert "Washington announced new rules" in html and "Beijing answered the rules" in html
    links = hrefs(html)
    assert f"{page}#source-1" in links and f"{page}#source-3" in links
    assert f"https://outlet1.example/{DAY}/story-1" in links
    assert page in links  # "Read on the site"
    assert not [href for href in links if href.startswith("#")]


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_ids_stay_the_same_across_fetches_and_corrections(
    client, name, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    first = read(fetch(client, name).content).entries[0]
    again = read(fetch(client, name).content).entries[0]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(
            digest=digest, user=publisher, note="A figure was wrong.", highlights="- Fixed [1]"
        )
    corrected = read(fetch(client, name).content).entries[0]

    assert first.id == again.id == corrected.id == digest_guid(digest)
    assert "A figure was wrong." in parsed_html(corrected)
    assert "Fixed" in parsed_html(corrected)
    assert "Both sides met" not in parsed_html(corrected)


@pytest.mark.parametrize("name", ATOM_FEEDS)
def test_updated_moves_forward_when_a_digest_is_corrected(
    client, name, topic, publisher, django_capture_on_commit_callbacks
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    before = read(fetch(client, name).content)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(digest=digest, user=publisher, note="A name was misspelt.")
    digest.refresh_from_db()
    after = read(fetch(client, name).content)

    was, now = before.entries[0], after.entries[0]
    assert datetime.fromisoformat(now.updated) == digest.corrected_at
    assert datetime.fromisoformat(now.updated) > datetime.fromisoformat(was.updated)
    assert now.published == was.published  # first publication stays as it was
    assert datetime.fromisoformat(after.feed.updated) == digest.corrected_at


@pytest.mark.parametrize(
    "note",
    [
        "A figure in the second bullet was wrong.",
        pytest.param("Source [2] was attributed to the wrong outlet.", id="note-with-a-citation"),
    ],
)
@pytest.mark.parametrize("name", ALL_FEEDS)
def test_every_link_in_a_corrected_entry_is_absolute(
    client, name, note, topic, publisher, django_capture_on_commit_callbacks
):
    corrected_digest(topic, publisher, django_capture_on_commit_callbacks, note=note)
    doc = xml(fetch(client, name).content)
    (entry,) = entries(doc)

    links = hrefs(entry_html(entry))

    assert links
    assert [href for href in links if not href.startswith(("http://", "https://"))] == []


# --- XML-illegal characters -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_xml_illegal_characters_in_stored_text_never_break_a_feed(client, name, publisher):
    c = STORABLE_ILLEGAL
    topic = make_topic(name=f"US{c} vs China", description=f"Trade{c} and tech.")
    Perspective.objects.filter(topic=topic, slug="us").update(name=f"United{c} States")
    dirty_digest(topic, publisher)

    response = fetch(client, name)
    doc = xml(response.content)
    (entry,) = read(response.content).entries

    assert not any(char in response.content.decode() for char in c)
    assert entry.title == "Ports reopen"
    assert [tag.term for tag in entry.tags] == ["United States", "China"]
    html = parsed_html(entry)
    assert "Ports reopened after talks" in html
    assert "Washington welcomed it" in html
    assert "Cited story 1" in html and "Outlet One" in html
    if is_atom(name):
        assert_valid_atom(doc)
        if name in TOPIC_FEEDS:
            assert doc.findtext(f"{{{ATOM}}}title").startswith("US vs China")
            assert doc.findtext(f"{{{ATOM}}}subtitle") == "Trade and tech."


@pytest.mark.parametrize(
    "code",
    [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x0E, 0x1F, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFFFE, 0xFFFF],
    ids=lambda code: f"U+{code:04X}",
)
def test_xml_safe_drops_each_character_xml_1_0_forbids(code):
    char = chr(code)
    assert xml_safe(f"a{char}b") == "ab"
    assert xml_safe([f"a{char}", (f"{char}b",)]) == ["a", ("b",)]


def test_xml_safe_keeps_every_character_xml_allows_and_leaves_other_values():
    text = "tab\tline\ncr\r é 中文 😀 \x7f \ue000 \ufffd"
    when = datetime(2026, 11, 20, tzinfo=UTC)

    assert xml_safe(text) == text
    assert xml_safe(None) is None
    assert xml_safe(when) is when
    assert xml_safe(("a", "b")) == ("a", "b")


def write(feed_class, text: str) -> bytes:
    """A feed with ``text`` in every string the writer takes, written as bytes."""
    feed = feed_class(
        title=f"Feed {text}",
        link="http://testserver/",
        description=f"About {text}",
        subtitle=f"About {text}",
        language="en",
        feed_url="http://testserver/feeds/atom/",
        categories=[f"Cat {text}"],
    )
    feed.add_item(
        title=f"Item {text}",
        link="http://testserver/us-china/2026-11-20/",
        description=f"<p>Body {text}</p>",
        unique_id=f"urn:uuid:{uuid.uuid4()}",
        unique_id_is_permalink=False,
        pubdate=datetime(2026, 11, 20, 6, tzinfo=UTC),
        updateddate=datetime(2026, 11, 21, 6, tzinfo=UTC),
        categories=[f"Tag {text}", "Plain"],
    )
    out = io.BytesIO()
    feed.write(out, "utf-8")
    return out.getvalue()


@pytest.mark.parametrize("feed_class", [SafeRssFeed, SafeAtomFeed])
def test_the_feed_writers_drop_nul_and_lone_surrogates(feed_class):
    content = write(feed_class, "x\x00y\ud800z\x0b\udfff\ufffe")

    doc = xml(content)
    parsed = read(content)

    assert parsed.entries[0].title == "Item xyz"
    assert parsed.feed.title == "Feed xyz"
    assert [tag.term for tag in parsed.entries[0].tags] == ["Tag xyz", "Plain"]
    assert b"&#55296;" not in content and b"&#57343;" not in content
    if feed_class is SafeAtomFeed:
        assert_valid_atom(doc)
        assert doc.find(f"{{{ATOM}}}entry/{{{ATOM}}}content").text == "<p>Body xyz</p>"


@pytest.mark.parametrize("feed_class", [Rss201rev2Feed, Atom1Feed])
def test_djangos_own_writers_do_break_on_these_characters(feed_class):
    """The control: without xml_safe, the same feed is refused or written as broken XML."""
    with pytest.raises(UnserializableContentError):
        write(feed_class, "x\x0by")
    content = write(feed_class, "x\ud800y")  # a character reference to no character
    assert b"&#55296;" in content
    with pytest.raises(etree.XMLSyntaxError):
        xml(content)


def tainted(method, bad: str):
    """``method`` (one argument, as Feed wants it) with ``bad`` added to what it returns."""

    def wrapper(self, arg):
        return bad + method(self, arg) + bad

    return wrapper


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_nul_and_lone_surrogates_from_any_feed_method_never_reach_the_xml(
    client, name, topic, publisher, monkeypatch
):
    make_published_digest(topic, DAY, publisher=publisher)
    bad = "\x00\ud800\ufffe"
    feed_class = FEED_CLASSES[name]
    for method in ("title", "description", "item_title", "item_description"):
        monkeypatch.setattr(feed_class, method, tainted(getattr(feed_class, method), bad))
    monkeypatch.setattr(feed_class, "item_categories", lambda self, item: [f"Tag{bad}"])

    response = fetch(client, name)
    doc = xml(response.content)
    (entry,) = read(response.content).entries

    assert entry.title == "US vs China News - 2026-11-20"
    assert [tag.term for tag in entry.tags] == ["Tag"]
    if is_atom(name):
        assert_valid_atom(doc)


# --- Scripts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_scripts_and_javascript_links_never_reach_feed_content(client, name, topic, publisher):
    digest = make_published_digest(
        topic, DAY, publisher=publisher, highlights=XSS, us_body=XSS, china_body=XSS
    )
    digest.entries.filter(position=1).update(
        cited_title="<script>alert(3)</script>", cited_url="javascript:alert(4)"
    )

    doc = xml(fetch(client, name).content)
    (entry,) = entries(doc)
    html = entry_html(entry)  # the HTML a reader renders: the XML text, unescaped

    assert "Talks resumed" in html  # the bullet stays, its script goes
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//script | //iframe | //img") == []
    assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
    assert "&lt;script&gt;alert(3)" in html  # the cited title, shown as text


# --- Withdrawal, caching and conditional GET ------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_a_withdrawn_digest_leaves_the_feed_at_once(
    client,
    name,
    topic,
    publisher,
    settings,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    settings.DIGESTCMS_PAGE_CACHE = True
    kept, withdrawn = publish(topic, 2, publisher)
    assert entry_ids(xml(fetch(client, name).content)) == [
        digest_guid(withdrawn),
        digest_guid(kept),
    ]
    with django_assert_num_queries(0):  # the feed is cached: only invalidation can change it
        fetch(client, name)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_withdraw(digest=withdrawn, user=publisher, reason="Wrong day.")

    assert entry_ids(xml(fetch(client, name).content)) == [digest_guid(kept)]
    assert [entry.id for entry in read(fetch(client, name).content).entries] == [digest_guid(kept)]
    assert FEED_CLASSES[name]().items(topic if name in TOPIC_FEEDS else None) == [kept]


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_a_cached_feed_costs_no_queries(
    client, name, topic, publisher, settings, django_assert_num_queries
):
    settings.DIGESTCMS_PAGE_CACHE = True
    publish(topic, 3, publisher)
    first = fetch(client, name)

    with django_assert_num_queries(0):
        again = fetch(client, name)

    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Type"].startswith(
        "application/atom+xml" if is_atom(name) else "application/rss+xml"
    )
    read(again.content)


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_conditional_get_answers_304_until_a_correction(
    client,
    name,
    topic,
    publisher,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    digest = make_published_digest(topic, DAY, publisher=publisher)
    first = fetch(client, name)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified
    assert parsedate_to_datetime(last_modified).tzinfo is not None

    with django_assert_num_queries(0):
        unchanged = client.get(feed_url(name), HTTP_IF_NONE_MATCH=etag)
        by_date = client.get(feed_url(name), HTTP_IF_MODIFIED_SINCE=last_modified)
    assert unchanged.status_code == by_date.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag

    with django_capture_on_commit_callbacks(execute=True):
        workflow.digest_correct(digest=digest, user=publisher, note="A date was wrong.")
    changed = client.get(feed_url(name), HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "A date was wrong." in parsed_html(read(changed.content).entries[0])
    assert client.get(feed_url(name), HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


# --- Queries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("articles", [2, 30], ids=lambda n: f"{n}-articles")
@pytest.mark.parametrize("digests", [1, 10], ids=lambda n: f"{n}-digests")
@pytest.mark.parametrize("name", ALL_FEEDS)
def test_a_feed_costs_the_same_queries_whatever_it_holds(
    client, name, digests, articles, topic, publisher, settings, django_assert_num_queries
):
    settings.DIGESTCMS_PAGE_CACHE = False
    publish(topic, digests, publisher, articles=articles)

    with django_assert_num_queries(QUERIES[name]):
        response = fetch(client, name)

    parsed = read(response.content)
    assert len(parsed.entries) == digests
    assert f"Story {articles}" in parsed_html(parsed.entries[0])  # every source is listed
