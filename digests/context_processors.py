"""What every page's layout needs: the site's name and its feeds (for autodiscovery)."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.DIGESTCMS_SITE_NAME,
        "site_feeds": {"rss": reverse("feed_rss"), "atom": reverse("feed_atom")},
    }
