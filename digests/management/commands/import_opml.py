from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.opml import config_import, read_config
from sources.opml import OpmlError


class Command(BaseCommand):
    help = (
        "Create or update feeds, topics, perspectives and topic feeds from an OPML file "
        "(re-importing never duplicates; a broken file imports nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            topics, feeds = read_config(path.read_bytes())
            counts = config_import(topics=topics, feeds=feeds)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        except OpmlError as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from None
        self.stdout.write(
            f"{path}: {len(feeds)} feeds, {counts['feeds_created']} created, "
            f"{counts['feeds_updated']} updated; {counts['topics']} topics."
        )
