import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from sources.models import Feed
from sources.opml import write_opml


class Command(BaseCommand):
    help = "Write every feed as OPML to FILE, or to standard output."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path)

    def handle(self, *args, **options):
        content = write_opml(Feed.objects.order_by("url"))
        if options["file"]:
            options["file"].write_bytes(content)
            self.stderr.write(f"Wrote {Feed.objects.count()} feeds to {options['file']}.")
        else:
            sys.stdout.buffer.write(content)
