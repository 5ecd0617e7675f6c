import pytest


@pytest.fixture(autouse=True)
def _media_and_fetch_settings(settings, tmp_path):
    """Every test gets its own media folder; loopback fetching is on (test settings)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = True
    settings.DIGESTCMS_HOST_DELAY = 0.0


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached public pages (the test cache lives in the process)."""
    from django.core.cache import cache

    from digests.caching import LOCAL

    cache.clear()
    LOCAL.clear()
    yield
    cache.clear()
    LOCAL.clear()
