from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from digests import services
from digests.drafting import DRAFTERS
from digests.models import Topic


class Command(BaseCommand):
    help = (
        "Draft a topic's digest for an edition (default: today in the topic's time zone). "
        "Drafting again updates the draft in place; an editor's edited section is never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The topic's slug, e.g. us-china.")
        parser.add_argument("--date", type=date.fromisoformat, help="Edition date, YYYY-MM-DD.")
        parser.add_argument("--drafter", choices=DRAFTERS, default="extractive")
        parser.add_argument(
            "--redraft",
            action="store_true",
            help="Refresh the article list and every section editors have not edited.",
        )

    def handle(self, *args, **options):
        topic = Topic.objects.filter(slug=options["slug"]).first()
        if topic is None:
            slugs = ", ".join(Topic.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No topic {options['slug']!r}. Topics: {slugs}.")
        day = options["date"] or timezone.localdate(timezone=topic.zone)
        try:
            result = services.digest_draft(
                topic=topic,
                edition_date=day,
                drafter=options["drafter"],
                redraft=options["redraft"],
            )
        except services.DraftRefused as exc:
            raise CommandError(str(exc)) from None
        self._report(result, options["redraft"])

    def _report(self, result: services.DraftResult, redraft: bool) -> None:
        digest = result.digest
        entries = digest.entries.all()
        listed = entries.filter(included=True).count()
        off_topic = entries.filter(off_topic=True).count()
        verb = "Drafted" if result.created else ("Redrafted" if redraft else "Updated")
        if result.skipped and not redraft:
            self.stdout.write(
                f"{digest} was already drafted and editors have edited {', '.join(result.skipped)}; "
                "nothing changed. Use --redraft to refresh the untouched sections and the article list."
            )
            return
        self.stdout.write(
            f"{verb} {digest}: {listed} articles listed, {off_topic} off-topic left out, "
            f"{entries.count()} candidates in the edition window (drafter: {digest.drafter})."
        )
        if digest.drafter_note:
            self.stdout.write(self.style.WARNING(f"  Note: {digest.drafter_note}"))
        if result.skipped:
            self.stdout.write(f"  Kept as editors left them: {', '.join(result.skipped)}.")
        if result.kept_numbering:
            self.stdout.write(
                "  Numbering kept so edited citations stay right; new articles were added unlisted."
            )
