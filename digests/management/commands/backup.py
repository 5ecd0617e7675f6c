"""A dated backup folder: the database as a fixture, every digest as Markdown, the setup as
OPML, the uploaded images, and a manifest of what is in it (docs/backup.md)."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from digests.opml import write_config

# Left out of the dump, each for a reason: made again by `migrate` (content types and
# permissions; rows that point at them are written with natural keys), not content
# (sessions, failed-login records), or the task queue's own state (its queue, results and
# schedules: `migrate` installs the fixed schedules, `import_opml setup.opml` each topic's).
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "axes", "django_q"]
DATA = "data.json.gz"
MANIFEST = "MANIFEST.json"


def included(model) -> bool:
    meta = model._meta
    return not (
        meta.app_label in EXCLUDE or meta.label_lower in EXCLUDE or meta.proxy or not meta.managed
    )


def model_counts() -> dict[str, int]:
    """Rows per model in the dump (many-to-many tables too), to check a restore against."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if included(model)
    }


@contextmanager
def snapshot():
    """One consistent view of the whole database, while web and workers keep writing."""
    if connection.in_atomic_block:  # inside someone's transaction already: its view it is
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # A deferred (read) transaction: in WAL mode it reads one snapshot and holds up no
        # writer. Django's own transactions here are IMMEDIATE and would take the write lock.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        yield


class Command(BaseCommand):
    help = (
        "Write OUTDIR/digestcms-<UTC time>/: data.json.gz (restore with migrate, then "
        "loaddata), markdown/ (every digest), setup.opml, media/ and MANIFEST.json. "
        "With --compare FOLDER, check this database against a backup's manifest instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "outdir", nargs="?", type=Path, help="Where to make the folder (default var/backups)."
        )
        parser.add_argument("--no-media", action="store_true", help="Leave out uploaded images.")
        parser.add_argument(
            "--compare",
            type=Path,
            metavar="FOLDER",
            help="Compare this database's row counts with the backup in FOLDER (after a restore).",
        )

    def handle(self, *args, **options):
        if options["compare"]:
            return self.compare(options["compare"])
        outdir = options["outdir"] or Path(settings.VAR_DIR) / "backups"
        folder = outdir / f"digestcms-{timezone.now():%Y-%m-%dT%H%M%SZ}"
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise CommandError(f"Cannot create {folder}: {exc.strerror}.") from None
        with snapshot():
            manifest = self.write(folder, media=not options["no_media"])
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        total = sum(manifest["counts"].values())
        self.stdout.write(f"Backed up {total} rows and {manifest['digests']} digests to {folder}")

    def write(self, folder: Path, *, media: bool) -> dict:
        call_command(
            "dumpdata",
            exclude=EXCLUDE,
            natural_foreign=True,
            natural_primary=True,
            use_base_manager=True,
            output=str(folder / DATA),
            verbosity=0,
        )
        errors = io.StringIO()
        try:
            call_command(
                "export_markdown",
                str(folder / "markdown"),
                status="all",
                stdout=io.StringIO(),
                stderr=errors,
            )
        except CommandError as exc:  # the dump above is the backup; the Markdown is a courtesy
            self.stderr.write(f"{errors.getvalue()}{exc}")
        (folder / "setup.opml").write_bytes(write_config())
        media_root = Path(settings.MEDIA_ROOT)
        if media and media_root.is_dir():
            shutil.copytree(media_root, folder / "media")
        return {
            "created": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": self.migrations(),
            "excluded": EXCLUDE,
            "digests": len(list((folder / "markdown").glob("*.md"))),
            "counts": model_counts(),
        }

    def migrations(self) -> dict[str, str]:
        """The last migration applied per app: restore into code at least this new."""
        latest: dict[str, str] = {}
        for app, name in MigrationRecorder(connection).applied_migrations():
            latest[app] = max(latest.get(app, ""), name)
        return dict(sorted(latest.items()))

    def compare(self, folder: Path) -> None:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {folder / MANIFEST}: {exc}") from None
        now = model_counts()
        differences = [
            f"{label}: {count} in the backup, {now.get(label, 0)} here"
            for label, count in sorted(manifest["counts"].items())
            if now.get(label, 0) != count
        ]
        if differences:
            raise CommandError("This database differs from the backup:\n" + "\n".join(differences))
        self.stdout.write(f"Every count matches the backup in {folder}.")
