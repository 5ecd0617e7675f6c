from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sources import services
from sources.opml import OpmlError, read_opml


class Command(BaseCommand):
    help = "Create or update feeds from an OPML file (re-importing never duplicates)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            feeds = read_opml(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        except OpmlError as exc:
            raise CommandError(f"{path}: {exc}") from None
        created, updated = services.feeds_import(feeds=feeds)
        self.stdout.write(f"{path}: {len(feeds)} feeds, {created} created, {updated} updated.")
