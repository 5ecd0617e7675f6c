"""Backup and restore (docs/backup.md): `manage.py backup`, then into a fresh database with
`migrate`, `loaddata`, `import_opml`; every row comes back and the Markdown is the same."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import call_command
from django.db import connection

from digests import workflow
from digests.management.commands.backup import MANIFEST, model_counts
from digests.markdown import markdown_import
from digests.models import Digest, DigestSection, Placement, Topic
from digests.services import placement_set, placements_refresh
from sources.services import registry_sync
from tests.factories import (
    article_via,
    make_feed,
    make_published_digest,
    make_publisher,
    make_source,
    make_topic,
    perspective,
)

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "000_e6dffd93f85dcc66.txt"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(20)

pytestmark = pytest.mark.django_db


def build_newsroom() -> Digest:
    """A bit of everything: feeds, outlets, articles, placements (automatic and an editor's),
    a draft an editor edited, a published digest later corrected, revisions, an upload."""
    registry_sync()
    publisher = make_publisher("pat")
    topic = make_topic("trade", "Trade")
    wire, state = make_feed("http://wire.example/rss"), make_feed("http://state.example.cn/rss")
    topic.topicfeed_set.create(feed=wire, default_perspective=perspective(topic, "us"))
    topic.topicfeed_set.create(feed=state)
    for n in range(6):
        outlet = make_source(f"news{n}.example.cn" if n % 2 else f"news{n}.example.com")
        article = article_via(wire if n % 2 else state, f"https://{outlet.domain}/a/{n}", outlet)
        article.text, article.text_locked = f"Paragraph {n}.\n\nA corrected line.", n == 0
        article.save()
    placements_refresh(topics=[topic])
    placement_set(
        placement=Placement.objects.filter(topic=topic).first(),
        perspective=perspective(topic, "china"),
        user=publisher,
        reason="state media",
    )
    if SEED.is_file():
        markdown_import(SEED.read_text(encoding="utf-8"), filename=SEED.name)
    published = make_published_digest(topic, "2026-11-20", publisher=publisher)
    workflow.digest_correct(
        digest=published,
        user=publisher,
        note="The second bullet named the wrong ministry.",
        highlights="- Both sides met and talked about trade, in Geneva [1, 3]",
    )
    draft = Digest.objects.create(
        topic=topic, edition_date=date(2026, 11, 21), title="Trade News - 2026-11-21"
    )
    DigestSection.objects.create(digest=draft, perspective=perspective(topic, "us"), body="- x")
    workflow.digest_save_edit(
        digest=draft, user=publisher, expected_version=draft.version, highlights="- Edited [1]"
    )
    LogEntry.objects.log_actions(
        user_id=publisher.pk,
        queryset=Topic.objects.filter(pk=topic.pk),
        action_flag=CHANGE,
        change_message="Changed keywords.",
        single_object=True,
    )
    uploads = Path(settings.MEDIA_ROOT) / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "map.png").write_bytes(PNG)
    return published


@pytest.fixture
def fresh_database(tmp_path):
    """The environment of a process using a new, empty database of the suite's kind."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="digestcms.settings.test", DIGESTCMS_VAR_DIR=str(tmp_path))
    if connection.vendor != "postgresql":
        env["DIGESTCMS_SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")
        yield env
        return
    import psycopg

    db = connection.settings_dict
    name = f"digestcms_restore_{os.getpid()}"
    server = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{server}/{name}".replace("postgresql://", "postgres://")
    try:
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_the_same_markdown(
    tmp_path, fresh_database
):
    published = build_newsroom()
    call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    assert sorted(p.name for p in folder.iterdir()) == [
        MANIFEST,
        "data.json.gz",
        "markdown",
        "media",
        "setup.opml",
    ]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["counts"] == model_counts()
    assert (folder / "media" / "uploads" / "map.png").read_bytes() == PNG
    assert not any(
        label.startswith(("django_q.", "sessions.", "axes.")) for label in manifest["counts"]
    )

    # The restore, as docs/backup.md gives it.
    env = fresh_database
    manage(env, "migrate", "--noinput")
    manage(env, "loaddata", str(folder / "data.json.gz"))
    manage(env, "import_opml", str(folder / "setup.opml"))
    assert "Every count matches" in manage(env, "backup", "--compare", str(folder))

    code = (
        "import json; from django_q.models import Schedule; "
        "from digests.management.commands.backup import model_counts; "
        "print(json.dumps({'counts': model_counts(), "
        "'schedules': sorted(Schedule.objects.values_list('name', flat=True))}))"
    )
    restored = json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    assert restored["counts"] == manifest["counts"]
    assert restored["counts"]["digests.Digest"] == (3 if SEED.is_file() else 2)
    assert restored["counts"]["reversion.Version"] > 0
    assert restored["counts"]["auth.User_groups"] == 1
    topics = Topic.objects.order_by("slug").values_list("slug", flat=True)
    assert restored["schedules"] == sorted(
        [
            "Extract waiting articles",
            "Fetch due feeds",
            "Publish scheduled digests",
            *(f"Draft digest: {slug}" for slug in topics),
        ]
    )

    # Every digest's Markdown, the corrected published one above all, byte for byte.
    manage(env, "export_markdown", str(tmp_path / "again"))
    name = f"{published.topic.slug}-{published.edition_date.isoformat()}.md"
    assert (tmp_path / "again" / name).read_bytes() == (folder / "markdown" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(
        p.name for p in (folder / "markdown").iterdir()
    )
    for path in (tmp_path / "again").iterdir():
        assert path.read_bytes() == (folder / "markdown" / path.name).read_bytes(), path.name


def test_compare_names_what_a_restore_is_missing(tmp_path):
    make_topic()
    call_command("backup", str(tmp_path), "--no-media", stdout=io.StringIO())
    (folder,) = tmp_path.iterdir()
    Topic.objects.all().delete()
    with pytest.raises(Exception, match=r"digests.Topic: 1 in the backup, 0 here"):
        call_command("backup", "--compare", str(folder))
