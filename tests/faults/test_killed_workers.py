"""A worker killed with SIGKILL mid-work leaves nothing half-done (THREATS.md 8-11, 16).

Each test runs the real code in a child process against a committed database (a SQLite file,
then a fresh PostgreSQL database when one answers at 127.0.0.1:5432), kills it at a known
point, and checks what the next run finds.
"""

from __future__ import annotations

import time

import pytest

from tests.factories import page, rss, rss_item
from tests.faults.helpers import Child, Page, loopback_site, manage, run_script

pytestmark = pytest.mark.slow

# A lease left by a dead worker expires after Q_TIMEOUT seconds (sources/services.py LEASE),
# read from DIGESTCMS_Q_TIMEOUT at start-up: the rerun shortens it instead of waiting 120 s.
SHORT_LEASE = {"DIGESTCMS_Q_TIMEOUT": "2", "DIGESTCMS_Q_RETRY": "3"}
SHORT_LEASE_SECONDS = 2


def wait_until_stale(leased_at: float) -> None:
    """Sleep until a lease taken at ``leased_at`` (epoch seconds) is older than SHORT_LEASE."""
    time.sleep(max(0.0, leased_at + SHORT_LEASE_SECONDS + 0.5 - time.time()))


# --- Publishing ---------------------------------------------------------------------------


def test_a_publisher_killed_before_commit_publishes_nothing_and_the_next_run_publishes_once(
    database,
):
    env = database.env()
    seeded = run_script(
        """
        from datetime import date
        from digests.models import Digest
        from tests.factories import make_publisher, make_topic
        from tests.faults import seed

        topic = make_topic()
        now = seed.digest_ready_to_publish(topic, "2026-11-20", status=Digest.Status.IN_REVIEW)
        due = seed.digest_ready_to_publish(
            topic, "2026-11-21", status=Digest.Status.SCHEDULED, scheduled=True
        )
        make_publisher("pat")
        result({
            "now": now.pk,
            "due": due.pk,
            "before": {now.pk: seed.digest_state(now.pk), due.pk: seed.digest_state(due.pk)},
        })
        """,
        env=env,
    )
    ids = {"FAULT_NOW": str(seeded["now"]), "FAULT_DUE": str(seeded["due"])}
    before = seeded["before"]
    assert before[str(seeded["now"])]["status"] == "in_review"
    assert before[str(seeded["due"])]["status"] == "scheduled"
    assert all(b["search_text"] == "" and b["events"] == [] for b in before.values())

    # The worker publishes both (one by hand, one as the schedule does) inside an outer
    # transaction, says so, and is killed before that transaction commits.
    victim = Child.script(
        """
        from django.contrib.auth.models import User
        from django.db import transaction
        from digests import workflow
        from digests.models import Digest

        user = User.objects.get(username="pat")
        with transaction.atomic():
            done = workflow.digest_publish(
                digest=Digest.objects.get(pk=int(os.environ["FAULT_NOW"])), user=user
            )
            due = workflow.publish_due()
            print("ready", done.status, due, flush=True)
            time.sleep(300)
        """,
        env=env | ids,
    )
    try:
        ready = victim.wait_for_line("ready", timeout=60)
    finally:
        code = victim.kill()
    assert ready.split() == ["ready", "published", "1"], victim.output()
    assert code == -9

    after = run_script(
        """
        from tests.faults import seed
        result({pk: seed.digest_state(int(pk)) for pk in (os.environ["FAULT_NOW"], os.environ["FAULT_DUE"])})
        """,
        env=env | ids,
    )
    assert after == before  # still in review / scheduled, no event, no revision, no search text

    # The next runs publish each digest exactly once.
    runs = run_script(
        """
        from django.contrib.auth.models import User
        from digests import workflow
        from digests.models import Digest
        from tests.faults import seed

        user = User.objects.get(username="pat")
        now = Digest.objects.get(pk=int(os.environ["FAULT_NOW"]))
        first = workflow.digest_publish(digest=now, user=user).status
        try:
            workflow.digest_publish(digest=now, user=user)
            second = "published again"
        except workflow.AlreadyPublished:
            second = "already published"
        due = [workflow.publish_due(), workflow.publish_due()]
        result({
            "first": first,
            "second": second,
            "due": due,
            "state": {pk: seed.digest_state(int(pk)) for pk in (os.environ["FAULT_NOW"], os.environ["FAULT_DUE"])},
        })
        """,
        env=env | ids,
    )
    assert (runs["first"], runs["second"], runs["due"]) == (
        "published",
        "already published",
        [1, 0],
    )
    for pk, state in runs["state"].items():
        assert state["status"] == "published"
        assert state["published_at"]
        assert "Washington announced new rules" in state["search_text"]
        assert state["events"] == [*before[pk]["events"], "publish"]
        assert state["revisions"] == before[pk]["revisions"] + 1
        assert state["version"] == before[pk]["version"] + 1


# --- Extraction ---------------------------------------------------------------------------


def test_an_extractor_killed_mid_run_loses_nothing_and_duplicates_nothing(database):
    paths = [f"/news/{n}" for n in range(1, 7)]
    pages = {p: Page(page(f"Story {p[-1]}").encode()) for p in paths}
    with loopback_site(pages, stall={"/news/3"}) as site:
        urls = [site.url(p) for p in paths]
        env = database.env(FAULT_URLS=" ".join(urls))
        run_script(
            """
            from tests.factories import make_article
            for url in os.environ["FAULT_URLS"].split():
                make_article(url, title="Story " + url[-1])
            result("ok")
            """,
            env=env,
        )
        victim = Child.manage("extract_articles", env=env)
        state = """
            from tests.faults import seed
            result(seed.articles_state(os.environ["FAULT_URLS"].split()))
        """
        try:
            assert site.stalled.wait(60), f"the extractor never reached page 3\n{victim.output()}"
            # The extractor fetches one page ahead: while page 3's answer hangs it writes page
            # 2's text, claims page 4 and sends its request, then waits on page 3. Kill it
            # there, holding two leases.
            deadline = time.monotonic() + 60
            while site.hits.get("/news/4", 0) == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            mid = run_script(state, env=env)["articles"]
        finally:
            victim.kill()
        assert [mid[u]["status"] for u in urls] == ["ok", "ok", *["pending"] * 4]
        assert [mid[u]["leased"] for u in urls] == [False, False, True, True, False, False]

        # The dead worker's leases hold until they expire (120 s by default): pages 3 and 4 wait.
        site.release()
        busy = manage("extract_articles", env=env)
        assert "4 articles: 2 extracted, 0 failed, 0 skipped, 2 handled elsewhere" in busy.stdout
        after = run_script(state, env=env)["articles"]
        assert [after[u]["status"] for u in urls[2:4]] == ["pending", "pending"]

        # Once the leases are stale, the next run takes them over and extracts both pages.
        wait_until_stale(max(mid[u]["leased_at"] for u in urls[2:4]))
        rerun = manage("extract_articles", env=env | SHORT_LEASE)
        assert "2 articles: 2 extracted, 0 failed" in rerun.stdout, rerun.stdout
        final = run_script(state, env=env)

    assert final["total"] == final["distinct_urls"] == len(urls)
    for url in urls:
        article = final["articles"][url]
        assert (article["status"], article["leased"], article["attempts"]) == ("ok", False, 1), url
        assert article["text"] > 200, url
    # Pages 3 and 4 were requested by the killed run and again by the one that stored them.
    assert {p: site.hits[p] for p in paths} == {
        p: 2 if p in ("/news/3", "/news/4") else 1 for p in paths
    }


# --- Ingestion ----------------------------------------------------------------------------

# Four feeds sharing entries; "c" hangs. 30 distinct stories, d repeats one with a utm_ tag.
FEED_ITEMS = {
    "a": list(range(0, 10)),
    "b": list(range(5, 15)),
    "c": [*range(10, 20), *range(25, 30)],
    "d": list(range(15, 25)),
}


def story(n: int) -> str:
    return f"https://news{n % 3}.example/world/story-{n}"


def feed_body(name: str) -> bytes:
    items = [rss_item(story(n), f"Story {n}") for n in FEED_ITEMS[name]]
    if name == "d":
        items.append(rss_item(story(3) + "?utm_source=feed&utm_medium=rss", "Story 3 again"))
    return rss(*items, title=f"Feed {name}")


def test_a_fetcher_killed_mid_run_loses_nothing_and_duplicates_nothing(database):
    pages = {f"/feeds/{name}.xml": Page(feed_body(name), "application/rss+xml") for name in "abcd"}
    with loopback_site(pages, stall={"/feeds/c.xml"}) as site:
        feeds = {name: site.url(f"/feeds/{name}.xml") for name in "abcd"}
        env = database.env(FAULT_FEEDS=" ".join(feeds.values()))
        run_script(
            """
            from sources.models import Feed
            for url in os.environ["FAULT_FEEDS"].split():
                Feed.objects.create(url=url)
            result("ok")
            """,
            env=env,
        )
        # One feed at a time (ordered by URL): a and b are stored when c hangs; d is not reached.
        victim = Child.manage("fetch_feeds", "--all", "--threads", "1", env=env)
        try:
            assert site.stalled.wait(60), f"fetch_feeds never reached feed c\n{victim.output()}"
        finally:
            victim.kill()
        state = "from tests.faults import seed\nresult(seed.feeds_state())"
        mid = run_script(state, env=env)
        assert {
            n: (mid["feeds"][u]["succeeded"], mid["feeds"][u]["leased"]) for n, u in feeds.items()
        } == {
            "a": (True, False),
            "b": (True, False),
            "c": (False, True),
            "d": (False, False),
        }
        assert sorted(mid["links"]) == sorted({story(n) for n in range(0, 15)})

        # A second worker skips c while the dead worker's lease holds (120 s by default) …
        site.release()
        busy = manage("fetch_feeds", "--all", env=env)
        assert (
            "4 feeds: 3 fetched, 0 not modified, 0 failed, 1 busy; 10 new articles" in busy.stdout
        )
        # … and takes it over once the lease is stale.
        wait_until_stale(mid["feeds"][feeds["c"]]["leased_at"])
        rerun = manage("fetch_feeds", "--all", env=env | SHORT_LEASE)
        assert (
            "4 feeds: 4 fetched, 0 not modified, 0 failed, 0 busy; 5 new articles" in rerun.stdout
        )
        final = run_script(state, env=env)

    every_story = {story(n) for items in FEED_ITEMS.values() for n in items}
    assert len(every_story) == 30
    assert final["total"] == final["distinct_urls"] == 30
    expected_links = {
        url: sorted(feeds[name] for name, items in FEED_ITEMS.items() if url in map(story, items))
        for url in every_story
    }
    expected_links[story(3)] = sorted([feeds["a"], feeds["d"]])  # the utm_ copy joined story 3
    assert final["links"] == expected_links
    for url, feed in final["feeds"].items():
        assert (feed["succeeded"], feed["leased"], feed["error"]) == (True, False, ""), url
