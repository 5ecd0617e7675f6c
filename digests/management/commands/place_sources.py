from django.core.management.base import BaseCommand, CommandError

from digests import services
from digests.models import Topic
from sources import services as source_services
from sources.progress import progress
from sources.registry import RegistryError


class Command(BaseCommand):
    help = (
        "Sync the known-outlet registry, work out outlets' countries, and fill or update the "
        "automatic placements of every topic (an editor's placement is never changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--topic", metavar="SLUG", help="Only this topic.")

    def handle(self, *args, **options):
        try:
            created, updated = source_services.registry_sync()
        except RegistryError as exc:
            raise CommandError(
                f"The registry file is broken: {exc} Fix that line and run again."
            ) from None
        classified = source_services.sources_classify()
        topics = Topic.objects.all()
        if options["topic"]:
            topics = topics.filter(slug=options["topic"])
            if not topics.exists():
                raise CommandError(
                    f"No topic with slug {options['topic']!r}; see the Topics admin."
                )
        total = services.RefreshResult()
        for topic in progress(list(topics), total=topics.count(), desc="Topics", unit="topic"):
            total += services.placements_refresh(topics=[topic])
        self.stdout.write(
            f"Registry: {created} new, {updated} updated entries; {classified} outlets re-classified. "
            f"Placements: {total.created} new, {total.updated} changed, "
            f"{total.kept_editor} editors' placements left as they are."
        )
