"""Issue 5's walk of the morning, in a real browser, with a screenshot of every step.

Editor: open today's draft → move an outlet to another perspective → exclude an article →
edit a bullet → submit. Publisher: see the coverage warnings → publish → the public page
shows it.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from digests import services
from digests.models import Digest, Placement
from sources import services as source_services
from tests.browser.conftest import login
from tests.factories import article_via, make_feed, make_source, make_topic

pytestmark = pytest.mark.django_db(transaction=True)

STORIES = {
    "apnews.com": (
        "US and China agree to resume trade talks",
        "Trade negotiators from the United States and China agreed to meet in Geneva next month to discuss tariff levels.",
    ),
    "cnn.com": (
        "US destroyer transits Taiwan Strait",
        "A U.S. Navy destroyer sailed through the Taiwan Strait on Sunday as China tracked the ship.",
    ),
    "nytimes.com": (
        "Washington widens chip curbs on Chinese firms",
        "The United States added more Chinese chip makers to an export blacklist, and Beijing objected to the trade measure.",
    ),
    "news.cn": (
        "China urges US to stop abusing export controls",
        "China urged the United States to stop abusing export controls on chips, saying Beijing would protect Chinese firms.",
    ),
    "globaltimes.cn": (
        "Beijing welcomes new round of trade consultations",
        "Beijing welcomed a new round of trade consultations with Washington on tariff cuts, the foreign ministry said.",
    ),
    "chinadaily.com.cn": (
        "PLA tracks US warship in Taiwan Strait",
        "The Eastern Theater Command said Chinese forces tracked a U.S. destroyer transiting the Taiwan Strait near Taiwan.",
    ),
}


def user(name: str, group: str):
    person = get_user_model().objects.create_user(
        name, f"{name}@example.com", "a-long-passphrase", is_staff=True
    )
    person.groups.add(Group.objects.get(name=group))
    return person


@pytest.fixture
def morning():
    source_services.registry_sync()
    feed = make_feed()
    now = datetime.now(UTC)
    close = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    topic = make_topic(
        feeds=[(feed, None)],
        keywords="China\nChinese\nBeijing\nUnited States\nU.S.\nWashington\ntariff\ntrade\nTaiwan",
        edition_time=close.time(),
        time_zone="UTC",
    )
    for domain, (title, text) in STORIES.items():
        article = article_via(
            feed, f"http://{domain}/{title[:15].replace(' ', '-')}", make_source(domain)
        )
        article.title, article.text, article.language = title, text, "en"
        article.published_at = now - timedelta(hours=2)
        article.save()
    source_services.sources_classify()
    services.placements_refresh()
    digest = services.digest_draft(topic=topic, edition_date=close.date()).digest
    user("editor", "Editor")
    user("publisher", "Publisher")
    return digest


def test_the_editors_morning(page, live_server, morning, shoot):
    digest = morning
    login(page, live_server, "editor", "a-long-passphrase")
    shoot(page, "1-editor-index")
    page.click(f"#todays-editions a[href$='/digests/digest/{digest.pk}/change/']")
    page.wait_for_selector("textarea[name=section_us]")
    shoot(page, "2-todays-draft")

    page.goto(f"{live_server.url}/admin/digests/placement/?q=globaltimes")
    row = page.locator("#result_list tbody tr").filter(has_text="globaltimes.cn")
    row.locator("td.field-perspective select").select_option(label="United States")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    shoot(page, "3-outlet-moved")
    assert Placement.objects.get(source__domain="globaltimes.cn").perspective.slug == "us"

    page.goto(f"{live_server.url}/admin/digests/digest/{digest.pk}/change/")
    excluded = digest.entries.get(article__source__domain="cnn.com")
    row = page.locator("tr").filter(has_text="US destroyer transits Taiwan Strait").first
    row.locator("input[type=checkbox][name$='-included']").uncheck()
    edited = "- Editors checked this: trade talks resume in Geneva next month. [1]"
    page.fill("textarea[name=section_us]", edited)
    shoot(page, "4-edited")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    shoot(page, "5-saved")
    excluded.refresh_from_db()
    assert not excluded.included
    assert digest.sections.get(perspective__slug="us").body == edited

    page.click("button:has-text('Submit for review')")
    page.wait_for_selector(".messagelist")
    shoot(page, "6-submitted")
    assert Digest.objects.get(pk=digest.pk).status == Digest.Status.IN_REVIEW
    assert page.locator("text=Publish now").count() == 0  # an Editor has no publish button

    page.context.clear_cookies()
    login(page, live_server, "publisher", "a-long-passphrase")
    page.goto(f"{live_server.url}/admin/digests/digest/{digest.pk}/change/")
    page.click("a:has-text('Publish now')")
    page.wait_for_selector("text=Coverage check")
    shoot(page, "7-coverage-warnings")
    assert page.locator(".messagelist li").count() >= 1
    page.click("input[type=submit][value='Publish now']")
    page.wait_for_selector(".messagelist")
    assert Digest.objects.get(pk=digest.pk).status == Digest.Status.PUBLISHED

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/us-china/{digest.edition_date.isoformat()}/")
    shoot(page, "8-public-page")
    assert "trade talks resume in Geneva" in page.content()
    assert "US destroyer transits Taiwan Strait" not in page.content()
