"""Drafting an edition: the digest, its numbered list, bullets, and editors' edits kept."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from digests import services
from digests.models import Digest, DigestArticle
from sources import services as source_services
from sources.models import Source
from tests.factories import article_via, make_feed, make_source, make_topic, perspective

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 22)
WHEN = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
KEYWORDS = "China\nChinese\nBeijing\nUnited States\nU.S.\nWashington\ntariff\ntrade\nTaiwan\nchips"

US_STORIES = [
    (
        "Washington widens chip export curbs on China",
        "The Commerce Department said on Monday it would add more Chinese chip makers to its export blacklist. Officials in Washington said the rules target advanced semiconductors used in military systems. Beijing called the move an abuse of trade measures.",
    ),
    (
        "US and China agree to resume trade talks",
        "Trade negotiators from the United States and China agreed to meet in Geneva next month. The talks will cover tariff levels on steel and farm goods. Both sides described the phone call that set up the meeting as constructive.",
    ),
    (
        "US destroyer transits Taiwan Strait",
        "A U.S. Navy destroyer sailed through the Taiwan Strait on Sunday in what the Navy called a routine transit. China said its forces tracked the ship throughout the passage. Taiwan's defence ministry said the situation remained normal.",
    ),
]
CHINA_STORIES = [
    (
        "China urges US to stop abusing export controls",
        "China's commerce ministry urged the United States to stop abusing export controls on chips. A spokesperson said Beijing would take necessary measures to protect Chinese companies. The ministry said the curbs disrupt global supply chains.",
    ),
    (
        "Beijing welcomes new round of trade consultations",
        "Beijing welcomed a new round of trade consultations with Washington, the foreign ministry said. A spokesperson said dialogue on an equal footing serves both peoples. The two sides will discuss tariff cuts and market access.",
    ),
    (
        "PLA tracks US warship in Taiwan Strait",
        "The Eastern Theater Command said it tracked a U.S. destroyer transiting the Taiwan Strait. A spokesperson said Chinese troops remain on high alert. The command accused Washington of sending the wrong signals on Taiwan.",
    ),
]


@pytest.fixture
def edition():
    source_services.registry_sync()
    feed = make_feed()
    topic = make_topic(feeds=[(feed, None)], keywords=KEYWORDS)
    for domains, stories in (
        (["apnews.com", "cnn.com", "nytimes.com"], US_STORIES),
        (["news.cn", "globaltimes.cn", "chinadaily.com.cn"], CHINA_STORIES),
    ):
        for domain, (title, text) in zip(domains, stories, strict=True):
            article = article_via(
                feed, f"http://{domain}/{title[:12].replace(' ', '-')}", make_source(domain)
            )
            article.title, article.text, article.published_at, article.language = (
                title,
                text,
                WHEN,
                "en",
            )
            article.save()
    source_services.sources_classify()
    services.placements_refresh()
    return topic


def test_drafting_creates_the_edition_with_numbered_sources_and_cited_bullets(edition):
    result = services.digest_draft(topic=edition, edition_date=DAY)
    digest = result.digest
    assert result.created
    assert digest.title == "US vs China News - 2026-11-22"
    assert digest.slug == "us-china-2026-11-22"
    assert digest.drafter == "extractive"
    numbered = list(digest.entries.filter(included=True).order_by("position"))
    assert [e.position for e in numbered] == [1, 2, 3, 4, 5, 6]
    assert {e.perspective.slug for e in numbered[:3]} == {"us"}
    assert {e.perspective.slug for e in numbered[3:]} == {"china"}
    assert numbered[0].cited_outlet and numbered[0].cited_url.startswith("http://")
    sections = {s.perspective.slug: s for s in digest.sections.all()}
    assert sections["us"].body.startswith("- ")
    for line in sections["china"].body.splitlines():
        cited = services.digests.CITATION.search(line)
        assert cited, line
        assert all(4 <= int(n) <= 6 for n in cited.group(1).split(","))
    assert digest.highlights == digest.machine_highlights != ""
    assert digest.provenance["sections"]["us"][0]["evidence"]


def test_drafting_twice_updates_the_same_digest(edition):
    first = services.digest_draft(topic=edition, edition_date=DAY).digest
    again = services.digest_draft(topic=edition, edition_date=DAY)
    assert not again.created
    assert again.digest.pk == first.pk
    assert Digest.objects.count() == 1
    assert DigestArticle.objects.filter(digest=first).count() == 6


def test_redraft_never_overwrites_an_edited_section_and_says_so(edition, capsys):
    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    section = digest.sections.get(perspective__slug="us")
    section.body = "- An editor's own bullet [1]"
    section.save()
    call_command("draft_digest", "us-china", "--date", "2026-11-22")
    assert "editors have edited us" in capsys.readouterr().out
    call_command("draft_digest", "us-china", "--date", "2026-11-22", "--redraft")
    out = capsys.readouterr().out
    assert "Kept as editors left them: us" in out
    section.refresh_from_db()
    assert section.body == "- An editor's own bullet [1]"
    assert digest.sections.get(perspective__slug="china").body.startswith("- ")


def test_a_perspective_with_no_articles_says_so_instead_of_inventing_bullets(edition):
    Source.objects.filter(domain__in=["news.cn", "globaltimes.cn", "chinadaily.com.cn"]).update(
        country=""
    )
    for placement in edition.placements.filter(perspective__slug="china"):
        services.placement_set(placement=placement, excluded=True)
    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    body = digest.sections.get(perspective__slug="china").body
    assert "No articles from China outlets" in body
    assert "- " not in body


def test_an_empty_day_gives_an_empty_draft_not_an_error(edition):
    digest = services.digest_draft(topic=edition, edition_date=date(2026, 1, 1)).digest
    assert digest.entries.count() == 0
    assert "No articles" in digest.sections.get(perspective__slug="us").body


def test_a_topic_with_no_feeds_drafts_an_empty_edition():
    topic = make_topic("empty", "Empty")
    digest = services.digest_draft(topic=topic, edition_date=DAY).digest
    assert digest.entries.count() == 0


def test_moving_an_outlet_moves_its_articles_and_renumbers_citations(edition, admin_user):
    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    xinhua = edition.placements.get(source__domain="news.cn")
    moved = digest.entries.get(article__source__domain="news.cn")
    old_number = moved.position
    services.placement_set(
        placement=xinhua, perspective=perspective(edition, "us"), user=admin_user
    )
    moved.refresh_from_db()
    assert moved.perspective.slug == "us"
    assert moved.position <= 4
    numbered = list(digest.entries.filter(included=True).order_by("position"))
    assert [e.position for e in numbered] == [1, 2, 3, 4, 5, 6]
    digest.refresh_from_db()
    if f"[{old_number}]" in digest.sections.get(perspective__slug="china").machine_body:
        assert f"[{moved.position}]" in digest.sections.get(perspective__slug="china").body


def test_published_digests_keep_what_they_published_and_are_flagged(edition, admin_user):
    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.PUBLISHED)
    before = list(digest.entries.values_list("article", "perspective", "position"))
    services.placement_set(
        placement=edition.placements.get(source__domain="news.cn"),
        perspective=perspective(edition, "us"),
        user=admin_user,
    )
    digest.refresh_from_db()
    assert digest.placement_changed_since_publishing
    assert list(digest.entries.values_list("article", "perspective", "position")) == before
    with pytest.raises(services.DigestFrozen):
        services.digest_draft(topic=edition, edition_date=DAY, redraft=True)


def test_renumbering_rewrites_and_drops_citations():
    text = "- One [1]\n- Two [2, 3]\n- Three [3]"
    assert (
        services.renumber_citations(text, {1: 2, 2: None, 3: 1})
        == "- One [2]\n- Two [1]\n- Three [1]"
    )


def test_draft_digest_command_reports_and_refuses_unknown_topics(edition, capsys):
    call_command("draft_digest", "us-china", "--date", "2026-11-22")
    assert "Drafted US vs China News - 2026-11-22: 6 articles listed" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No topic 'nope'. Topics: us-china"):
        call_command("draft_digest", "nope")


def test_each_active_topic_gets_a_daily_schedule_at_its_edition_time(edition):
    from django_q.models import Schedule

    services.topic_schedule_sync(topic=edition)
    schedule = Schedule.objects.get(name="Draft digest: us-china")
    assert schedule.func == "digests.tasks.draft_todays_edition"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.next_run.astimezone(edition.zone).time() == edition.edition_time
    edition.active = False
    services.topic_schedule_sync(topic=edition)
    assert not Schedule.objects.filter(name="Draft digest: us-china").exists()


def test_a_redraft_bumps_the_version_and_keeps_an_edited_sections_provenance(edition):
    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    assert digest.version == 1
    section = digest.sections.get(perspective__slug="us")
    section.body = "- An editor's own bullet [1]"
    section.save()
    kept = digest.provenance["sections"]["us"]
    again = services.digest_draft(topic=edition, edition_date=DAY, redraft=True).digest
    assert again.version == 2  # an editor who opened version 1 now meets a conflict
    assert again.provenance["sections"]["us"] == kept


def test_a_digest_changed_while_drafting_is_left_as_the_other_person_left_it(edition, monkeypatch):
    from digests.drafting import get_drafter
    from digests.services import digests as digest_services

    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    real = get_drafter("extractive")

    class PublishedMeanwhile:
        name, version = real.name, real.version

        def draft(self, **kwargs):
            Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.PUBLISHED)
            return real.draft(**kwargs)

    monkeypatch.setattr(digest_services, "get_drafter", lambda name: PublishedMeanwhile())
    before = list(digest.entries.values_list("pk", flat=True))
    with pytest.raises(services.DigestFrozen):
        services.digest_draft(topic=edition, edition_date=DAY, redraft=True)
    assert list(digest.entries.values_list("pk", flat=True)) == before
    Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.DRAFT)

    class SavedMeanwhile(PublishedMeanwhile):
        def draft(self, **kwargs):
            Digest.objects.filter(pk=digest.pk).update(version=99, highlights="- An editor [1]")
            return real.draft(**kwargs)

    monkeypatch.setattr(digest_services, "get_drafter", lambda name: SavedMeanwhile())
    with pytest.raises(services.DraftConflict, match="changed while it was being drafted"):
        services.digest_draft(topic=edition, edition_date=DAY, redraft=True)
    digest.refresh_from_db()
    assert digest.highlights == "- An editor [1]"


def test_a_cited_google_wrapper_resolving_to_a_known_story_is_kept_not_lost(edition):
    from sources.models import Article
    from sources.services import article_move_to_url

    digest = services.digest_draft(topic=edition, edition_date=DAY).digest
    cited = digest.entries.filter(included=True).first().article
    other = Article.objects.exclude(pk=cited.pk).first()
    survivor = article_move_to_url(article=cited, url=other.url)
    assert survivor == other
    cited.refresh_from_db()  # still there: a digest cites it
    assert cited.extraction_status == Article.Extraction.SKIPPED
    assert f"article {other.pk}" in cited.extraction_error
