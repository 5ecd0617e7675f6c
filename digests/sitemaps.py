"""sitemap.xml: the home page, each topic's archive, every published digest."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Digest, Topic


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["home"]

    def location(self, item: str) -> str:
        return reverse(item)


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return (
            Topic.objects.filter(digests__status=Digest.Status.PUBLISHED)
            .distinct()
            .order_by("slug")
        )


class DigestSitemap(Sitemap):
    changefreq = "never"
    priority = 0.6
    limit = 5000

    def items(self):
        return Digest.objects.published().select_related("topic").order_by("-edition_date", "pk")

    def lastmod(self, digest: Digest):
        return digest.public_updated_at


SITEMAPS = {"home": HomeSitemap, "topics": TopicSitemap, "digests": DigestSitemap}
