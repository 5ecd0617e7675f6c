"""The whole setup round-trips through one OPML file (config as code)."""

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from digests.models import Perspective, Topic, TopicFeed
from digests.opml import write_config
from sources.models import Feed
from tests.factories import make_feed, make_topic

pytestmark = pytest.mark.django_db

DEMO = "digests/demo/us-china.opml"


def snapshot() -> dict:
    return {
        "topics": list(
            Topic.objects.values_list(
                "slug",
                "name",
                "description",
                "keywords",
                "edition_time",
                "time_zone",
                "articles_per_perspective",
                "active",
            )
        ),
        "perspectives": list(
            Perspective.objects.order_by("topic__slug", "order").values_list(
                "topic__slug", "slug", "name", "countries", "order"
            )
        ),
        "links": sorted(
            TopicFeed.objects.values_list("topic__slug", "feed__url", "default_perspective__slug")
        ),
        "feeds": sorted(Feed.objects.values_list("url", "title", "active")),
    }


def test_the_demo_setup_imports_and_reimporting_never_duplicates():
    call_command("import_opml", DEMO)
    call_command("import_opml", DEMO)
    topic = Topic.objects.get(slug="us-china")
    assert topic.perspectives.count() == 2
    assert topic.feeds.count() == 6
    assert Feed.objects.count() == 6
    assert "Taiwan Strait" in topic.keyword_list
    google = TopicFeed.objects.get(feed__url__startswith="http://news.google.com")
    assert google.default_perspective.slug == "us"


def test_export_then_import_into_an_empty_database_reproduces_everything(tmp_path):
    feed = make_feed("http://feeds.example.com/world", title="World")
    make_feed("http://loose.example.com/rss", title="Not in any topic", active=False)
    make_topic(feeds=[(feed, "china")], description="Two sides", keywords="China\nTaiwan")
    before = snapshot()
    path = tmp_path / "setup.opml"
    call_command("export_opml", str(path))
    for model in (TopicFeed, Perspective, Topic, Feed):
        model.objects.all().delete()
    call_command("import_opml", str(path))
    assert snapshot() == before


def test_a_plain_feed_reader_still_sees_every_feed(tmp_path):
    feed = make_feed("http://feeds.example.com/world")
    make_topic(feeds=[(feed, None)])
    root = etree.fromstring(write_config())
    assert [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")] == [feed.url]


@pytest.mark.parametrize(
    ("opml", "message"),
    [
        (
            '<outline text="T" digestcms:topic="t"><outline type="rss" xmlUrl="http://f.example/rss" '
            'digestcms:defaultPerspective="nope"/></outline>',
            "unknown perspective 'nope'",
        ),
        ('<outline text="T" digestcms:topic="t" digestcms:timeZone="Mars/Olympus"/>', "time zone"),
        (
            '<outline text="T" digestcms:topic="t"><outline text="P" digestcms:perspective="p" '
            'digestcms:countries="china"/></outline>',
            "ISO country codes",
        ),
    ],
)
def test_a_broken_setup_file_imports_nothing_and_says_why(tmp_path, opml, message):
    path = tmp_path / "broken.opml"
    path.write_text(
        '<opml version="2.0" xmlns:digestcms="https://digestcms.org/ns/opml/1"><body>'
        f'<outline type="rss" xmlUrl="http://other.example/rss"/>{opml}</body></opml>'
    )
    with pytest.raises(CommandError, match=message):
        call_command("import_opml", str(path))
    assert Topic.objects.count() == 0
    assert Feed.objects.count() == 0
