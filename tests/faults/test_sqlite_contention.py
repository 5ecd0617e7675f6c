"""SQLite: the desk saving digests while workers write articles, all at once (THREATS.md 11).

Three processes share one SQLite file (WAL, IMMEDIATE transactions, busy timeout, as
configured in digestcms/settings/base.py): two ingestion workers storing articles, placing
their outlets, recording extractions and feed results (what django-q2's two workers do), and
an editor saving the same digest through ``digest_save_edit`` (what the admin's Save does),
as fast as they can for FAULTS_CONTENTION_SECONDS (default 10). Not one "database is locked"
may reach any of them, and every save must be there afterwards.
"""

from __future__ import annotations

import os

import pytest

from tests.faults.helpers import Child, run_script

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("FAULTS_CONTENTION_SECONDS", "10"))
BATCH = 20
# Seconds between two saves. Saving back to back (no pause) starves the workers: SQLite's
# busy handler polls, so a writer that never lets go keeps the lock (see the report).
EDITOR_PAUSE = float(os.environ.get("FAULTS_EDITOR_PAUSE", "0.02"))

WORKER = """
from datetime import UTC, datetime
from sources import services
from sources.models import Article, Feed
from sources.signals import articles_ingested

feed = Feed.objects.get(url=os.environ["FAULT_FEED"])
print("ready", flush=True)
while not os.path.exists(os.environ["FAULT_GO"]):
    time.sleep(0.01)
end = time.monotonic() + float(os.environ["FAULT_SECONDS"])
batches = new = extracted = 0
slowest = 0.0
errors = []
while time.monotonic() < end:
    started = time.monotonic()
    # Both workers store the same batches (a story in two feeds, two workers at once).
    items = [
        services.ArticleData(
            url=f"https://w{batches}.example/{batches}/{i}",
            link=f"https://w{batches}.example/{batches}/{i}",
            guid=f"{batches}-{i}",
            title=f"Story {batches}-{i}",
            summary="A summary.",
            published_at=datetime.now(UTC),
            language="en",
            source_domain=f"w{batches}.example",
            source_name=f"Wire {batches}",
            source_homepage="",
        )
        for i in range({batch})
    ]
    try:
        new += services.articles_store(feed=feed, items=items)
        ids = list(
            Article.objects.filter(url__in=[i.url for i in items]).values_list("id", flat=True)
        )
        articles_ingested.send(sender=Feed, feed=feed, article_ids=ids)  # placement
        for article in Article.objects.needing_extraction().filter(pk__in=ids[:4]):
            if services.article_claim(article):
                services.article_record_extraction(
                    article=article, text="Extracted text. " * 40, language="en"
                )
                extracted += 1
        services.feed_record_success(feed=feed, status=200, new_articles=len(ids))
    except Exception as exc:  # reported, and the test fails on any
        errors.append(repr(exc))
    batches += 1
    slowest = max(slowest, time.monotonic() - started)
result({"batches": batches, "new": new, "extracted": extracted, "slowest": slowest, "errors": errors})
""".replace("{batch}", str(BATCH))

EDITOR = """
from django.contrib.auth.models import User
from digests import workflow
from digests.models import Digest

PAUSE = float(os.environ["FAULT_PAUSE"])
user = User.objects.get(username="edith")
digest = Digest.objects.get(pk=int(os.environ["FAULT_DIGEST"]))
version = digest.version
print("ready", flush=True)
while not os.path.exists(os.environ["FAULT_GO"]):
    time.sleep(0.01)
end = time.monotonic() + float(os.environ["FAULT_SECONDS"])
attempts = saves = 0
slowest = 0.0
errors = []
while time.monotonic() < end:
    attempts += 1
    started = time.monotonic()
    try:
        digest = workflow.digest_save_edit(
            digest=digest,
            user=user,
            expected_version=version,
            highlights=f"- Save {attempts}: both sides met [1, 3]",
            sections={"us": f"- Washington, save {attempts} [1]"},
            note=f"save {attempts}",
        )
        version = digest.version
        saves += 1
    except Exception as exc:  # reported, and the test fails on any
        errors.append(repr(exc))
    slowest = max(slowest, time.monotonic() - started)
    time.sleep(PAUSE)  # the rest of an admin request (redirect, change page) between saves
result({"attempts": attempts, "saves": saves, "slowest": slowest, "errors": errors})
"""


def test_the_desk_and_two_workers_writing_one_sqlite_file_at_once_never_see_database_is_locked(
    sqlite_db, tmp_path
):
    env = sqlite_db.env()
    seeded = run_script(
        """
        from django.contrib.auth.models import Group, User
        from digests.models import Digest
        from tests.factories import make_feed, make_topic
        from tests.faults import seed

        feed = make_feed("http://wire.example/feed.xml")
        topic = make_topic(feeds=[(feed, "us")])
        digest = seed.digest_ready_to_publish(topic, "2026-11-20", status=Digest.Status.DRAFT)
        editor = User.objects.create_user("edith", password="pw", is_staff=True)
        editor.groups.add(Group.objects.get(name="Editor"))
        result({"digest": digest.pk, "feed": feed.url, "before": seed.digest_state(digest.pk)})
        """,
        env=env,
    )
    go = tmp_path / "go"
    shared = {
        "FAULT_GO": str(go),
        "FAULT_SECONDS": str(SECONDS),
        "FAULT_PAUSE": str(EDITOR_PAUSE),
        "FAULT_FEED": seeded["feed"],
        "FAULT_DIGEST": str(seeded["digest"]),
    }
    children = {
        "worker 1": Child.script(WORKER, env=env | shared),
        "worker 2": Child.script(WORKER, env=env | shared),
        "editor": Child.script(EDITOR, env=env | shared),
    }
    try:
        for child in children.values():
            child.wait_for_line("ready", timeout=60)
        go.touch()
        codes = {name: child.wait(SECONDS + 90) for name, child in children.items()}
    finally:
        for child in children.values():
            child.kill()

    for name, child in children.items():
        assert codes[name] == 0, f"{name}\n{child.output()}"
        assert "database is locked" not in child.output(), f"{name}\n{child.output()}"
    results = {name: child.result() for name, child in children.items()}
    for name, outcome in results.items():
        assert outcome["errors"] == [], f"{name}: {outcome['errors'][:5]}"

    editor = results["editor"]
    workers = [results["worker 1"], results["worker 2"]]
    print(f"\n{SECONDS:.0f}s: editor {editor}, workers {workers}")
    assert editor["saves"] == editor["attempts"] >= 10, editor
    assert all(w["batches"] >= 10 for w in workers), workers

    final = run_script(
        """
        from digests.models import Digest, Placement
        from sources.models import Article
        from tests.faults import seed

        pk = int(os.environ["FAULT_DIGEST"])
        digest = Digest.objects.get(pk=pk)
        wire = Article.objects.filter(url__startswith="https://w")
        result({
            "state": seed.digest_state(pk),
            "highlights": digest.highlights,
            "us": digest.sections.get(perspective__slug="us").body,
            "wire": wire.count(),
            "distinct": wire.values("url").distinct().count(),
            "extracted": wire.filter(extraction_status="ok").count(),
            "outlets_placed": Placement.objects.filter(source__domain__startswith="w").count(),
        })
        """,
        env=env | shared,
    )
    before, state = seeded["before"], final["state"]
    saves = editor["saves"]
    assert state["version"] == before["version"] + saves
    assert state["revisions"] == before["revisions"] + saves
    assert state["events"] == [*before["events"], *["edit"] * saves]
    assert final["highlights"] == f"- Save {editor['attempts']}: both sides met [1, 3]"
    assert final["us"] == f"- Washington, save {editor['attempts']} [1]"

    batches = max(w["batches"] for w in workers)
    assert final["wire"] == final["distinct"] == batches * BATCH  # every batch, each story once
    # Each store is one IMMEDIATE transaction, so the two workers never both count a story.
    assert sum(w["new"] for w in workers) == final["wire"]
    assert final["extracted"] == sum(w["extracted"] for w in workers)
    assert final["outlets_placed"] == batches


def test_the_contention_test_would_see_a_lock_error(sqlite_db):
    """The guard: a deferred read-then-write transaction does fail here without IMMEDIATE.

    Proves the SQLite file and the processes above are capable of "database is locked", so
    the test above passing means the settings prevent it, not that nothing contended.
    """
    env = sqlite_db.env()
    code = """
        from django.db import connection, transaction
        from sources.models import Source
        connection.settings_dict["OPTIONS"]["transaction_mode"] = "DEFERRED"
        connection.settings_dict["OPTIONS"]["timeout"] = 20
        connection.close()
        print("ready", flush=True)
        while not os.path.exists(os.environ["FAULT_GO"]):
            time.sleep(0.005)
        errors = []
        for n in range(40):
            try:
                with transaction.atomic():
                    Source.objects.count()          # read: a shared lock …
                    time.sleep(0.01)
                    Source.objects.create(domain=f"{os.getpid()}-{n}.example", name="x")  # … then write
            except Exception as exc:
                errors.append(str(exc))
        result({"errors": errors})
    """
    go = sqlite_db.var_dir / "go"
    children = [Child.script(code, env=env | {"FAULT_GO": str(go)}) for _ in range(3)]
    try:
        for child in children:
            child.wait_for_line("ready", timeout=60)
        go.touch()
        for child in children:
            assert child.wait(120) == 0, child.output()
    finally:
        for child in children:
            child.kill()
    errors = [e for child in children for e in child.result()["errors"]]
    assert any("database is locked" in e for e in errors), errors
