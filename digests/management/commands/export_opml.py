import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from digests.opml import write_config


class Command(BaseCommand):
    help = "Write every topic (with perspectives and feeds) and feed as OPML to FILE or stdout."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path)

    def handle(self, *args, **options):
        content = write_config()
        if options["file"]:
            options["file"].write_bytes(content)
            self.stderr.write(f"Wrote {options['file']}.")
        else:
            sys.stdout.buffer.write(content)
