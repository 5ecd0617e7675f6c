"""The coverage check: each warning fires on a digest made to need it, and a clean one is quiet."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.coverage import CoverageWarning, coverage_check
from digests.models import Digest, DigestArticle, DigestSection, Placement
from sources.models import Article, ArticleFeed, Source
from tests.factories import (
    article_via,
    make_article,
    make_feed,
    make_source,
    make_topic,
    perspective,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 22)
WHEN = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # inside the edition window (06:00 UTC close)
WINDOW_START = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
OUTLETS = {"us": "apnews.com", "china": "news.cn"}


def make_edition(stories: int = 1) -> Digest:
    """Each story told by both perspectives, each bullet citing its article: nothing to warn."""
    feed = make_feed()
    topic = make_topic(feeds=[(feed, None)])
    sides = {slug: perspective(topic, slug) for slug in OUTLETS}
    sources = {slug: make_source(domain) for slug, domain in OUTLETS.items()}
    for slug, source in sources.items():
        Placement.objects.create(topic=topic, source=source, perspective=sides[slug])
    digest = Digest.objects.create(topic=topic, edition_date=DAY, title="US vs China", slug="x")
    bodies: dict[str, list[str]] = {slug: [] for slug in OUTLETS}
    for story in range(1, stories + 1):
        for slug, source in sources.items():
            article = article_via(feed, f"http://{source.domain}/{story}", source)
            Article.objects.filter(pk=article.pk).update(published_at=WHEN)
            number = len(bodies["us"]) + len(bodies["china"]) + 1
            DigestArticle.objects.create(
                digest=digest,
                article=article,
                position=number,
                perspective=sides[slug],
                story=story,
                cited_title=f"Story {story} told by {source.domain}",
                cited_url=article.url,
                cited_outlet=source.domain,
            )
            bodies[slug].append(f"- {source.domain} on story {story} [{number}]")
    for slug, lines in bodies.items():
        DigestSection.objects.create(digest=digest, perspective=sides[slug], body="\n".join(lines))
    digest.highlights = "- Both sides spoke [1, 2]"
    digest.save()
    return Digest.objects.get(pk=digest.pk)


def warnings(digest: Digest) -> dict[str, str]:
    return {w.code: w.message for w in coverage_check(digest) if w.level == "warning"}


def add_history(digest: Digest, domain: str, *, per_day: int, today: int) -> None:
    """Articles of ``domain`` through the topic's feed: ``per_day`` on each of the 28 days
    before the edition window, and ``today`` more inside it."""
    source, feed = Placement.objects.get(source__domain=domain).source, digest.topic.feeds.get()
    times = [
        WINDOW_START - timedelta(days=day) + timedelta(hours=1, minutes=n)
        for day in range(1, 29)
        for n in range(per_day)
    ] + [WINDOW_START + timedelta(hours=2, minutes=n) for n in range(today)]
    articles = Article.objects.bulk_create(
        Article(url=f"http://{domain}/old/{i}", link=f"http://{domain}/old/{i}", source=source)
        for i in range(len(times))
    )
    for article, at in zip(articles, times, strict=True):
        article.published_at = at
    Article.objects.bulk_update(articles, ["published_at"])
    ArticleFeed.objects.bulk_create(ArticleFeed(article=a, feed=feed) for a in articles)


def test_a_clean_digest_only_reports_its_counts():
    digest = make_edition()
    assert coverage_check(digest) == [
        CoverageWarning("perspective_count", "United States: 1 article.", "info"),
        CoverageWarning("perspective_count", "China: 1 article.", "info"),
    ]


def test_a_perspective_with_nothing_listed_is_a_warning():
    digest = make_edition()
    digest.entries.filter(perspective__slug="china").update(included=False, position=None)
    digest.sections.filter(perspective__slug="china").update(body="_No articles._")
    digest.highlights = "- One side spoke [1]"
    digest.save()
    assert warnings(digest)["perspective_empty"] == "China: no articles in the source list."


def test_stories_covered_by_one_perspective_are_listed():
    digest = make_edition(stories=2)  # [1] [2] story 1, [3] [4] story 2
    digest.entries.filter(position=4).update(story=9)
    digest.entries.filter(position=3).update(story=0)  # ungrouped: a story of its own
    assert warnings(digest) == {
        "one_sided_stories": "2 stories covered by one perspective only: "
        "“Story 2 told by apnews.com” (United States); “Story 2 told by news.cn” (China)."
    }


def test_a_perspective_whose_feeds_went_quiet_is_flagged():
    digest = make_edition()
    add_history(digest, "apnews.com", per_day=4, today=0)  # 1 article today against 4 a day
    add_history(digest, "news.cn", per_day=4, today=3)  # 4 today: normal
    assert warnings(digest) == {
        "quiet_feeds": "United States: its outlets' feeds delivered 1 article for this edition, "
        "against 4 a day over the previous 28 days. A feed may be failing."
    }


def test_thin_feeds_are_not_judged():
    digest = make_edition()
    add_history(digest, "apnews.com", per_day=2, today=0)
    assert warnings(digest) == {}


def test_bullets_without_citations_are_flagged():
    digest = make_edition()
    digest.sections.filter(perspective__slug="us").update(
        body="- apnews.com on story 1 [1]\n- An unsupported claim\n  - A nested one too"
    )
    assert warnings(digest) == {
        "uncited_bullets": "United States: 2 bullets cite no source: "
        "“An unsupported claim”; “A nested one too”."
    }


def test_citations_to_missing_numbers_are_flagged():
    digest = make_edition()
    digest.highlights = "- Both sides spoke [1, 2]\n- Someone else too [2, 7]\n- And [9]"
    digest.save()
    assert warnings(digest) == {
        "missing_citations": "Highlights cites [7], [9], which the source list does not have."
    }


def test_included_off_topic_articles_are_flagged():
    digest = make_edition()
    digest.entries.filter(position=2).update(off_topic=True)
    left_out = make_article("http://news.cn/x", source=Source.objects.get(domain="news.cn"))
    digest.entries.create(article=left_out, included=False, off_topic=True, cited_title="Left")
    assert warnings(digest) == {
        "off_topic_included": "1 off-topic article included: [2] “Story 1 told by news.cn”."
    }


def test_outlets_still_unplaced_are_flagged():
    digest = make_edition()
    Placement.objects.create(topic=digest.topic, source=make_source("unknown.example"))
    Placement.objects.create(topic=digest.topic, source=make_source("left.example"), excluded=True)
    assert warnings(digest) == {
        "unplaced_outlets": "1 outlet of this topic still needs a perspective; "
        "its articles are left out."
    }


@pytest.mark.parametrize(
    ("status", "changed", "warned"),
    [
        (Digest.Status.PUBLISHED, True, True),
        (Digest.Status.PUBLISHED, False, False),
        (Digest.Status.DRAFT, True, False),
    ],
)
def test_a_placement_changed_since_publishing_is_flagged(status, changed, warned):
    digest = make_edition()
    Digest.objects.filter(pk=digest.pk).update(
        status=status, placement_changed_since_publishing=changed
    )
    digest.refresh_from_db()
    assert ("placement_changed" in warnings(digest)) is warned


@pytest.mark.parametrize("stories", [2, 25])  # 4 and 50 numbered articles
def test_the_check_costs_a_constant_number_of_queries(stories, django_assert_max_num_queries):
    digest = make_edition(stories)
    add_history(digest, "apnews.com", per_day=3, today=1)
    digest.entries.filter(position=1).update(off_topic=True)
    with django_assert_max_num_queries(6):
        assert len(coverage_check(digest)) >= 3


def test_five_listed_articles_cost_what_fifty_cost():
    digest = make_edition(stories=25)

    def queries() -> int:
        fresh = Digest.objects.get(pk=digest.pk)
        with CaptureQueriesContext(connection) as captured:
            coverage_check(fresh)
        return len(captured)

    fifty = queries()
    digest.entries.filter(position__gt=5).update(included=False, position=None)
    assert digest.entries.filter(included=True).count() == 5
    assert queries() == fifty
