"""Which articles an edition lists, and how they are numbered."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from digests import services
from digests.models import Topic
from digests.selection import edition_window, group_stories, select
from sources import services as source_services
from sources.models import Source
from tests.factories import PARAGRAPHS, article_via, make_feed, make_source, make_topic

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 22)
IN_WINDOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
KEYWORDS = "China\nChinese\nBeijing\nUnited States\nU.S.\nWashington\ntariff\ntrade\nTaiwan"
TRADE_TEXT = (
    "Beijing and Washington resumed trade talks on Tuesday as tariff threats loomed. "
    "Chinese negotiators met United States officials to discuss export rules."
)


@pytest.fixture
def topic():
    source_services.registry_sync()
    feed = make_feed()
    topic = make_topic(feeds=[(feed, None)], keywords=KEYWORDS, articles_per_perspective=4)
    return topic


def story(topic, domain, title, *, text=TRADE_TEXT, when=IN_WINDOW, n=0):
    source = Source.objects.filter(domain=domain).first() or make_source(domain)
    source_services.sources_classify()
    article = article_via(topic.feeds.first(), f"http://{domain}/story-{n}-{title[:10]}", source)
    article.title, article.text, article.published_at = title, text, when
    article.save()
    services.placements_refresh()
    return article


def test_the_edition_window_is_the_24_hours_before_edition_time_in_the_topics_zone():
    topic = Topic(edition_time=time(6, 0), time_zone="Asia/Shanghai")
    start, end = edition_window(topic, DAY)
    assert end == datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_only_placed_outlets_articles_inside_the_window_are_candidates(topic):
    inside = story(topic, "apnews.com", "US and China resume trade talks")
    story(topic, "apnews.com", "Old US China trade story", when=IN_WINDOW - timedelta(days=2), n=1)
    story(topic, "thedailyharbour.example", "US China trade story from an unplaced outlet")
    selection = select(topic, DAY)
    assert [c.article for c in selection.candidates] == [inside]


def test_off_topic_articles_are_flagged_and_left_out_of_the_list(topic):
    on = story(topic, "news.cn", "China and US hold trade talks in Beijing")
    off = story(
        topic,
        "eng.chinamil.com.cn",
        "UN chief condemns attack on a market in West Africa",
        text=" ".join(PARAGRAPHS[:1]).replace("Officials from both governments", "Officials"),
    )
    selection = select(topic, DAY)
    by_article = {c.article: c for c in selection.candidates}
    assert by_article[off].off_topic
    assert not by_article[off].included
    assert by_article[on].included
    assert by_article[on].relevance > by_article[off].relevance


def test_the_same_wire_story_in_several_outlets_counts_once(topic):
    wire = "Reuters: " + TRADE_TEXT + " " + " ".join(PARAGRAPHS)
    copies = [
        story(topic, domain, f"US-China trade talks resume {i}", text=wire, n=i)
        for i, domain in enumerate(["apnews.com", "nytimes.com", "washingtonpost.com"])
    ]
    other = story(
        topic,
        "cnn.com",
        "Taiwan Strait transit by US destroyer",
        text="A U.S. warship sailed through the Taiwan Strait as China watched. " * 3,
    )
    topic.articles_per_perspective = 2
    selection = select(topic, DAY)
    stories = {c.article: c.story for c in selection.candidates}
    assert len({stories[a] for a in copies}) == 1
    assert stories[other] != stories[copies[0]]
    included = [c.article for c in selection.included]
    assert other in included  # two slots: one per story, not two copies of the wire story
    assert len(set(included) & set(copies)) == 1


def test_at_most_three_articles_per_outlet_per_perspective(topic):
    for i in range(5):
        story(
            topic,
            "apnews.com",
            f"US China trade story number {i}",
            text=f"Story {i}. " + TRADE_TEXT.replace("Tuesday", f"day {i}"),
            n=i,
        )
    story(topic, "cnn.com", "Washington weighs new China tariffs", n=9)
    included = select(topic, DAY).included
    outlets = [c.article.source.domain for c in included]
    assert outlets.count("apnews.com") == 3
    assert "cnn.com" in outlets


def test_numbering_runs_perspective_by_perspective_newest_first(topic):
    us_old = story(
        topic, "apnews.com", "US China trade talks, morning", when=IN_WINDOW - timedelta(hours=5)
    )
    us_new = story(
        topic,
        "cnn.com",
        "Washington and Beijing trade barbs",
        when=IN_WINDOW,
        text="Taiwan and tariff issues divided Washington and Beijing. " * 2,
    )
    cn = story(
        topic,
        "news.cn",
        "China urges US to lift tariffs",
        text="Beijing urged Washington to lift tariff measures on Chinese goods. " * 2,
    )
    numbers = {c.article: c.position for c in select(topic, DAY).included}
    assert numbers == {us_new: 1, us_old: 2, cn: 3}


def test_phrases_every_article_shares_do_not_merge_stories():
    from dataclasses import dataclass

    @dataclass
    class FakeArticle:
        title: str
        best_text: str
        source_id: int

    class Wrap:
        def __init__(self, i):
            self.article = FakeArticle(f"Headline {i}", f"unique words for article {i} " * 30, i)
            self.story = 0

    candidates = [Wrap(i) for i in range(3000)]
    group_stories(candidates)
    assert len({c.story for c in candidates}) == 3000


def test_a_second_copy_from_the_same_outlet_joins_the_story():
    from dataclasses import dataclass

    @dataclass
    class FakeArticle:
        title: str
        best_text: str
        source_id: int

    class Wrap:
        def __init__(self, outlet):
            self.article = FakeArticle("Tariffs paused", TRADE_TEXT * 3, outlet)
            self.story = 0

    copies = [Wrap(1), Wrap(1), Wrap(2)]  # outlet 1 twice (an update), outlet 2 once
    group_stories(copies)
    assert len({c.story for c in copies}) == 1
