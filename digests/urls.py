"""The public site's addresses. Topic slugs may not take the fixed names (RESERVED_TOPIC_SLUGS)."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path, register_converter

from . import public
from .caching import public_page
from .feeds import DigestAtomFeed, DigestFeed, TopicAtomFeed, TopicFeed
from .sitemaps import SITEMAPS


class DayConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class MonthConverter:
    regex = r"\d{2}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):02d}"


register_converter(DayConverter, "day")
register_converter(MonthConverter, "mm")

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("feeds/rss/", public_page(DigestFeed.view()), name="feed_rss"),
    path("feeds/atom/", public_page(DigestAtomFeed.view()), name="feed_atom"),
    path("outlets/<str:domain>/", public.outlet_detail, name="outlet_detail"),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    path("<slug:topic>/", public.topic_archive, name="topic_archive"),
    path("<slug:topic>/<int:year>/<mm:month>/", public.topic_archive, name="topic_month"),
    path("<slug:topic>/feeds/rss/", public_page(TopicFeed.view()), name="topic_feed_rss"),
    path("<slug:topic>/feeds/atom/", public_page(TopicAtomFeed.view()), name="topic_feed_atom"),
    path("<slug:topic>/<day:day>/", public.digest_detail, name="digest_detail"),
    path("<slug:topic>/<day:day>.md", public.digest_markdown, name="digest_markdown"),
]
