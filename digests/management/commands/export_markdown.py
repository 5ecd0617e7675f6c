from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.markdown import MarkdownExportError, digest_to_markdown
from digests.models import Digest, Topic


class Command(BaseCommand):
    help = (
        "Write each digest as a Markdown file OUTDIR/<topic-slug>-<YYYY-MM-DD>.md "
        "(the published site's format; import_markdown reads them back)."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", type=Path)
        parser.add_argument("--topic", metavar="SLUG", help="Only this topic's digests.")
        parser.add_argument(
            "--status",
            choices=["published", "all"],
            default="all",
            help="Only published digests, or all of them (the default).",
        )

    def handle(self, *args, **options):
        outdir: Path = options["outdir"]
        digests = self.digests(options["topic"], options["status"])
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot create {outdir}: {exc.strerror}.") from None
        written, failed = 0, []
        for digest in digests:
            path = outdir / f"{digest.topic.slug}-{digest.edition_date.isoformat()}.md"
            try:
                path.write_bytes(digest_to_markdown(digest).encode("utf-8"))
            except (MarkdownExportError, OSError) as exc:
                failed.append(path.name)
                self.stderr.write(f"{path}: not written: {exc}")
                continue
            written += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"Wrote {path}")
        self.stdout.write(f"Wrote {written} digest{'' if written == 1 else 's'} to {outdir}.")
        if failed:
            raise CommandError(
                f"{len(failed)} digest(s) could not be exported: {', '.join(failed)}"
            )

    def digests(self, topic: str | None, status: str):
        digests = Digest.objects.select_related("topic").order_by("topic__slug", "edition_date")
        if topic:
            if not Topic.objects.filter(slug=topic).exists():
                raise CommandError(f"There is no topic {topic!r}.")
            digests = digests.filter(topic__slug=topic)
        return digests.published() if status == "published" else digests
