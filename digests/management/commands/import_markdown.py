from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.markdown import MarkdownImportError, markdown_import


class Command(BaseCommand):
    help = (
        "Create or update digests from Markdown files in the published site's format. "
        "Each file is imported whole or not at all; re-importing updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, **options):
        failed = []
        for path in options["files"]:
            try:
                digest = markdown_import(path.read_text(encoding="utf-8"), filename=str(path))
            except OSError as exc:
                failed.append(f"{path}: cannot read it: {exc.strerror}")
            except UnicodeDecodeError:
                failed.append(f"{path}: not UTF-8 text")
            except MarkdownImportError as exc:
                failed.append(str(exc))  # "FILE: line N: what was expected"
            else:
                count = digest.entries.filter(included=True, position__isnull=False).count()
                self.stdout.write(f"{path}: imported {digest.title} ({count} articles)")
                continue
            self.stderr.write(f"{failed[-1]} (nothing imported)")
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(options['files'])} files failed: {'; '.join(failed)}"
            )
