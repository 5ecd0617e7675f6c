"""The morning fix in a real browser: an outlet moved in two clicks from the placements list."""

import pytest
from django.contrib.auth import get_user_model

from digests import services
from digests.models import Placement
from sources import services as source_services
from tests.browser.conftest import login
from tests.factories import article_via, make_feed, make_source, make_topic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk():
    source_services.registry_sync()
    feed = make_feed()
    topic = make_topic(feeds=[(feed, "us")])
    for domain in ("english.news.cn", "apnews.com", "firstpost.com"):
        article_via(feed, f"http://{domain}/a", make_source(domain))
    source_services.sources_classify()
    services.placements_refresh()
    get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-passphrase")
    return topic


def test_an_editor_moves_an_outlet_in_two_clicks(page, live_server, desk, shoot):
    login(page, live_server, "editor", "a-long-passphrase")
    page.goto(f"{live_server.url}/admin/digests/placement/?q=firstpost")
    shoot(page, "1-placements")
    row = page.locator("#result_list tbody tr").filter(has_text="firstpost.com")
    assert row.locator("td.field-perspective select option:checked").inner_text() == "United States"
    row.locator("td.field-perspective select").select_option(label="China")  # click 1
    page.click("input[name=_save]")  # click 2
    page.wait_for_selector(".messagelist")
    shoot(page, "2-saved")
    placement = Placement.objects.get(source__domain="firstpost.com")
    assert (placement.perspective.slug, placement.origin) == ("china", "editor")
    services.placements_refresh()
    placement.refresh_from_db()
    assert placement.perspective.slug == "china"


def test_the_index_leads_to_outlets_needing_review(page, live_server, desk, shoot):
    Placement.objects.filter(source__domain="firstpost.com").update(perspective=None, origin="none")
    login(page, live_server, "editor", "a-long-passphrase")
    page.click("#morning-desk a")
    shoot(page, "needs-review")
    assert page.locator("#result_list tbody tr").count() == 1
    assert "firstpost.com" in page.locator("#result_list").inner_text()
