"""The offline demo through the real pipeline: what `make run` shows an editor."""

import pytest
from django.core.management import call_command

from digests.models import Digest, Placement
from sources.models import Article, Feed

pytestmark = pytest.mark.django_db

ROUTED = [
    "DIGESTCMS_ALLOW_PRIVATE_FETCH",
    "DIGESTCMS_HOST_DELAY",
    "DIGESTCMS_GOOGLE_NEWS_BASE",
    "DIGESTCMS_FETCH_ROUTE",
]


@pytest.fixture
def demo(settings, monkeypatch):
    for name in ROUTED:  # restored after the test: rundemo changes them for its process
        setattr(settings, name, getattr(settings, name))
        monkeypatch.setenv(name, "")
    call_command("rundemo", "--no-serve", "--demo-port", "0")
    return Digest.objects.get()


def placed(domain: str) -> str:
    return Placement.objects.get(source__domain=domain).label


def test_the_demo_loads_feeds_outlets_extracted_articles_and_a_draft(demo):
    assert Feed.objects.count() == 6
    assert Feed.objects.filter(consecutive_failures=0).count() == 6
    assert Article.objects.filter(extraction_status="ok").count() >= 35
    assert Article.objects.filter(extraction_status="failed").count() == 2  # a 404 and a hub page
    # Xinhua's and CGTN's English editions arrive through the US-edition Google News feed
    # (default perspective: United States) and still land under China, by the registry.
    for domain in ("english.news.cn", "news.cgtn.com", "newsus.cgtn.com", "eng.chinamil.com.cn"):
        assert placed(domain) == "China", domain
    assert placed("apnews.com") == "United States"


def test_the_demo_publishes_its_digest_for_readers(demo, client):
    assert demo.status == Digest.Status.PUBLISHED
    page = client.get(demo.get_absolute_url())
    assert page.status_code == 200
    assert demo.title in page.content.decode()
    assert "United States perspective" in page.content.decode()
    home = client.get("/").content.decode()
    assert demo.get_absolute_url() in home
    # Run again the same day: the published edition stays as readers saw it.
    call_command("rundemo", "--no-serve", "--demo-port", "0")
    assert Digest.objects.get().version == demo.version


def test_the_demo_draft_cites_its_sources_and_leaves_off_topic_articles_out(demo):
    listed = demo.entries.filter(included=True)
    assert listed.count() == 20
    assert listed.filter(perspective__slug="us").count() == 10
    assert listed.filter(perspective__slug="china").count() == 10
    off_topic = demo.entries.filter(off_topic=True)
    titles = " ".join(off_topic.values_list("cited_title", flat=True))
    assert "Burkina" in titles
    assert "Anti-doping" in titles
    assert not off_topic.filter(included=True).exists()
    for section in demo.sections.all():
        bullets = section.body.splitlines()
        assert 3 <= len(bullets) <= 5
        assert all(line.startswith("- ") and line.endswith("]") for line in bullets)
    assert 4 <= len(demo.highlights.splitlines()) <= 6
