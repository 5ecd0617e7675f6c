from django.core.management.base import BaseCommand

from sources import ingest
from sources.management.database import DATABASE_DOWN, database_unavailable
from sources.models import Article
from sources.progress import progress


class Command(BaseCommand):
    help = "Fetch and extract the full text of articles still waiting for it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Also retry articles whose extraction failed.",
        )
        parser.add_argument("--limit", type=int, default=0, help="At most this many articles.")
        parser.add_argument(
            "--no-prefetch",
            action="store_true",
            help="Fetch each page only once the previous one is stored (default: the next "
            "page is fetched while this one is extracted).",
        )

    def handle(self, *args, **options):
        try:
            self._extract(options)
        except DATABASE_DOWN as error:
            raise database_unavailable(error) from error

    def _extract(self, options) -> None:
        articles = Article.objects.needing_extraction(retry_failed=options["retry_failed"])
        articles = articles.select_related("source").order_by("id")
        if options["limit"]:
            articles = articles[: options["limit"]]
        articles = list(articles)
        extracted = ingest.articles_extract(articles, prefetch=not options["no_prefetch"])
        results = list(progress(extracted, total=len(articles), desc="Articles", unit="page"))
        self._summarise(results)

    def _summarise(self, results: list[ingest.ExtractResult]) -> None:
        outcomes = ("ok", "failed", "skipped", "busy", "done")
        count = {o: sum(r.outcome == o for r in results) for o in outcomes}
        self.stdout.write(
            f"{len(results)} articles: {count['ok']} extracted, {count['failed']} failed, "
            f"{count['skipped']} skipped, {count['busy'] + count['done']} handled elsewhere "
            "(another worker, or the same story through another feed)."
        )
        failures = [r for r in results if r.outcome == "failed"]
        for result in failures[:10]:
            self.stdout.write(
                self.style.WARNING(f"  FAILED article {result.article_id}: {result.error}")
            )
        if len(failures) > 10:
            self.stdout.write(f"  … and {len(failures) - 10} more (see Articles in the admin).")
        if failures:
            self.stdout.write(
                "Failed articles stay usable by their title and feed summary; "
                "run again with --retry-failed to try them once more."
            )
