import contextlib
import os
import secrets
import signal
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sources.demo.server import DemoServer

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "demo" / "us-china.opml"

DEMO_SETTINGS = {
    "DIGESTCMS_ALLOW_PRIVATE_FETCH": True,
    "DIGESTCMS_HOST_DELAY": 0.0,
    "DIGESTCMS_GOOGLE_NEWS_BASE": "http://news.google.com",
}


class Command(BaseCommand):
    help = (
        "The offline demo: serve the bundled feeds and pages on loopback, load them through "
        "the real pipeline, create an admin login, then serve the site."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--demo-port", type=int, default=8001, help="Port of the demo news server."
        )
        parser.add_argument("--no-serve", action="store_true", help="Load the demo, then exit.")

    def handle(self, *args, **options):
        with DemoServer(port=options["demo_port"]) as server:
            self._route_to(server.address)
            self.stdout.write(
                f"Demo news server on http://{server.address}/ (every fetch goes there)."
            )
            self._load()
            digest = self._draft(server)
            password, admin = self._admin_login()
            self._publish(digest, admin)
            self._banner(options["addrport"], password, digest)
            if not options["no_serve"]:
                self._serve(options["addrport"])

    def _route_to(self, address: str) -> None:
        for name, value in {**DEMO_SETTINGS, "DIGESTCMS_FETCH_ROUTE": address}.items():
            setattr(settings, name, value)
            os.environ[name] = "1" if value is True else str(value)

    def _load(self) -> None:
        call_command("import_opml", str(DEMO_CONFIG), stdout=self.stdout)
        call_command("place_sources", stdout=self.stdout)  # syncs the outlet registry first
        call_command("fetch_feeds", all=True, threads=1, stdout=self.stdout)
        call_command("extract_articles", retry_failed=True, stdout=self.stdout)

    def _draft(self, server: DemoServer) -> None:
        """Draft the edition that holds the demo's articles (all from the last 16 hours).

        The demo topic's edition time is moved to the hour after the demo's clock, so its
        24-hour window always covers the bundled articles, whatever time it is now.
        """
        from digests.models import Digest, Topic

        close = (server.anchor + timedelta(hours=1)).astimezone(UTC)
        Topic.objects.filter(slug="us-china").update(edition_time=close.time(), time_zone="UTC")
        published = Digest.objects.published().filter(
            topic__slug="us-china", edition_date=close.date()
        )
        if published.exists():  # a second `make run` the same day: readers keep that edition
            self.stdout.write("Today's demo digest is already published; not redrafting it.")
            return published.select_related("topic").get()
        call_command(
            "draft_digest",
            "us-china",
            "--date",
            close.date().isoformat(),
            "--redraft",
            stdout=self.stdout,
        )
        return Digest.objects.select_related("topic").get(
            topic__slug="us-china", edition_date=close.date()
        )

    def _publish(self, digest, user) -> None:
        """Readers get a published digest to read: the draft, submitted and published."""
        from digests import workflow

        if digest.status == digest.Status.DRAFT:
            digest = workflow.digest_submit(digest=digest, user=user)
        if digest.status == digest.Status.IN_REVIEW:
            workflow.digest_publish(digest=digest, user=user)
        self.stdout.write(f"Published the demo digest “{digest.title}”.")

    def _serve(self, addrport: str) -> None:
        """The site and a worker running the schedules; Ctrl-C stops both."""
        worker = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "qcluster"],
            start_new_session=True,  # Ctrl-C reaches it through us, once, cleanly
        )
        self.stdout.write(f"Worker running the schedules (pid {worker.pid}).")
        # Ctrl-C arrives as KeyboardInterrupt; a closed terminal (SIGHUP) and `kill` (SIGTERM)
        # would end us on the spot, leaving the worker, in its own session, running.
        for stop_signal in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, _exit_on_signal)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            self._stop(worker)

    def _stop(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        # Signal first: Ctrl-C may also have closed our output (`make run | tee`), and a
        # failed message must not leave the worker running.
        worker.send_signal(signal.SIGTERM)
        with contextlib.suppress(OSError):
            self.stdout.write("Stopping the worker …")
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def _admin_login(self):
        password = os.environ.get("DIGESTCMS_ADMIN_PASSWORD") or secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return password, user

    def _banner(self, addrport: str, password: str, digest) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe site is at http://{addrport}/ "
                f"(today's demo digest: http://{addrport}{digest.get_absolute_url()})\n"
                f"The admin is at http://{addrport}/admin/\n"
                f"  user: admin\n  password: {password}\n"
                "(a new password is set each time the demo starts; Ctrl-C stops everything)\n"
            )
        )


def _exit_on_signal(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
