from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connection

from sources import ingest, services
from sources.management.database import DATABASE_DOWN, database_unavailable
from sources.models import Feed
from sources.progress import progress

SKIPPED_SHOWN = 10


def _fetch_in_thread(feed: Feed) -> ingest.FeedResult:
    try:
        return ingest.feed_fetch(feed)
    finally:
        connection.close()  # each thread has its own database connection


class Command(BaseCommand):
    help = "Fetch feeds that are due (or --all, or the --feed URLs) and store their new articles."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Fetch every active feed now.")
        parser.add_argument(
            "--feed",
            action="append",
            default=[],
            metavar="URL",
            help="Fetch this feed (added if new).",
        )
        parser.add_argument("--threads", type=int, default=4, help="Feeds fetched at once.")

    def handle(self, *args, **options):
        try:
            self._fetch(options)
        except DATABASE_DOWN as error:
            raise database_unavailable(error) from error

    def _fetch(self, options) -> None:
        feeds = self._feeds(options)
        if options["threads"] <= 1:
            fetched = map(ingest.feed_fetch, feeds)
        else:
            pool = ThreadPoolExecutor(max_workers=options["threads"])
            fetched = pool.map(_fetch_in_thread, feeds)
        results = list(progress(fetched, total=len(feeds), desc="Feeds", unit="feed"))
        self._summarise(results)

    def _feeds(self, options) -> list[Feed]:
        if options["feed"]:
            return [services.feed_create(url=url) for url in options["feed"]]
        feeds = Feed.objects.active() if options["all"] else Feed.objects.due()
        return list(feeds)

    def _summarise(self, results: list[ingest.FeedResult]) -> None:
        count = {
            o: sum(r.outcome == o for r in results)
            for o in ("ok", "not_modified", "failed", "skipped")
        }
        new = sum(r.new_articles for r in results)
        skipped_entries = sum(len(r.skipped_entries) for r in results)
        self.stdout.write(
            f"{len(results)} feeds: {count['ok']} fetched, {count['not_modified']} not modified, "
            f"{count['failed']} failed, {count['skipped']} busy; {new} new articles"
            + (f" ({skipped_entries} entries skipped)" if skipped_entries else "")
            + "."
        )
        for result in results:
            if result.outcome == "failed":
                self.stdout.write(self.style.WARNING(f"  FAILED {result.feed.url}: {result.error}"))
        self._list_skipped(results)
        if count["failed"]:
            self.stdout.write(
                "Failed feeds are retried later with back-off; fix or deactivate them in the "
                "admin (Sources › Feeds), where each shows its last error."
            )
        if not results:
            self.stdout.write("No feed is due. Use --all to fetch every active feed now.")

    def _list_skipped(self, results: list[ingest.FeedResult]) -> None:
        """Why entries were skipped: at most SKIPPED_SHOWN of them per feed."""
        for result in results:
            reasons = result.skipped_entries
            if not reasons:
                continue
            self.stdout.write(f"  Skipped in {result.feed.url}:")
            for reason in reasons[:SKIPPED_SHOWN]:
                self.stdout.write(f"    {reason}")
            if len(reasons) > SKIPPED_SHOWN:
                self.stdout.write(f"    … and {len(reasons) - SKIPPED_SHOWN} more")
