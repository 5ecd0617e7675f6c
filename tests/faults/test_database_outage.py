"""PostgreSQL goes away and comes back: the site says so politely and recovers by itself.

Runs against a PRIVATE cluster (initdb into a temp folder, its own port) that these tests
stop and start; the machine's shared PostgreSQL is never touched. Skipped, saying why, where
one cannot be made (not root, no PostgreSQL binaries).

The outage lasts FAULTS_DB_OUTAGE_SECONDS (default 5; the issue's 30 works too, slower).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import rss, rss_item
from tests.faults.helpers import (
    PYTHON,
    Child,
    LoopbackSite,
    Page,
    django_env,
    free_port,
    http_get,
    manage,
    migrate,
    run_script,
    wait_for_http,
)

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = float(os.environ.get("FAULTS_DB_OUTAGE_SECONDS", "5"))
SETTINGS = "tests.faults.settings"  # base + DEBUG off, as production, without the HTTPS redirect
DIGEST_PAGE = "/us-china/2026-11-20/"
SEARCH_PAGE = "/search/?q=Washington"
SHORT_LEASE = {"DIGESTCMS_Q_TIMEOUT": "2", "DIGESTCMS_Q_RETRY": "3"}

# Two feeds sharing five stories: 15 distinct articles.
FEEDS = {"x": range(0, 10), "y": range(5, 15)}


def story(n: int) -> str:
    return f"https://wire{n % 2}.example/2026/story-{n}"


@dataclass
class Outage:
    env: dict[str, str]
    site: LoopbackSite
    feeds: dict[str, str]


@pytest.fixture(scope="module")
def outage(private_postgres, tmp_path_factory) -> Iterator[Outage]:
    """A migrated database on the private cluster with a published digest and two feeds."""
    var: Path = tmp_path_factory.mktemp("outage-var")
    url = private_postgres.create("digestcms")
    env = django_env(SETTINGS, var_dir=var, database_url=url)
    migrate(env)
    pages = {
        f"/feeds/{name}.xml": Page(
            rss(*[rss_item(story(n), f"Story {n}") for n in items], title=f"Wire {name}"),
            "application/rss+xml",
        )
        for name, items in FEEDS.items()
    }
    site = LoopbackSite(pages)
    feeds = {name: site.url(f"/feeds/{name}.xml") for name in FEEDS}
    run_script(
        """
        from sources.models import Feed
        from tests.factories import make_published_digest
        make_published_digest(day="2026-11-20")
        for url in os.environ["FAULT_FEEDS"].split():
            Feed.objects.create(url=url)
        result("ok")
        """,
        env=env | {"FAULT_FEEDS": " ".join(feeds.values())},
    )
    try:
        yield Outage(env, site, feeds)
    finally:
        site.close()


@pytest.fixture
def database_comes_back(private_postgres) -> Iterator[None]:
    """Whatever a test does, the cluster is running again after it."""
    yield
    private_postgres.ensure_running()


def is_our_500_page(answer) -> bool:
    return (
        answer.status == 500
        and "<h1>Something went wrong</h1>" in answer.body
        and "Traceback" not in answer.body
        and "DEBUG = True" not in answer.body
        and "OperationalError" not in answer.body
        and "psycopg" not in answer.body
    )


def test_the_site_answers_its_500_page_while_the_database_is_down_and_recovers_without_restart(
    private_postgres, outage, database_comes_back
):
    port = free_port()
    server = Child(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "digestcms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--graceful-timeout",
            "2",
        ],
        env=outage.env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz/?checks=database", timeout=60)
        home = http_get(f"{base}/")
        assert home.status == 200 and "US vs China News - 2026-11-20" in home.body
        assert http_get(f"{base}{SEARCH_PAGE}").status == 200

        private_postgres.stop()
        stopped = time.monotonic()
        during = [http_get(f"{base}{DIGEST_PAGE}")]  # never rendered yet, so not cached
        health = http_get(f"{base}/healthz/?checks=database")
        cached_home = http_get(f"{base}/")
        while time.monotonic() - stopped < OUTAGE_SECONDS:
            during.append(http_get(f"{base}{SEARCH_PAGE}"))  # search results are never cached
            time.sleep(0.5)

        private_postgres.start()
        after = http_get(f"{base}{SEARCH_PAGE}")  # the first request once PostgreSQL is back
        digest_after = http_get(f"{base}{DIGEST_PAGE}")
        health_after = http_get(f"{base}/healthz/?checks=database")
        alive = server.proc.poll() is None
    finally:
        server.terminate()

    log = "".join(server.stderr)
    for answer in during:
        assert is_our_500_page(answer), (answer.status, answer.body[:500])
        assert answer.seconds < 5, "a request waited on the missing database"
    assert len(during) >= 2
    assert health.status == 503
    assert json.loads(health.body)["checks"]["database"]["ok"] is False
    # Pages already rendered are served from the shared cache without the database.
    assert cached_home.status == 200 and cached_home.body == home.body

    assert alive, f"gunicorn died during the outage\n{server.output()}"
    assert after.status == 200, (after.status, after.body[:500])
    assert digest_after.status == 200 and "Washington announced new rules" in digest_after.body
    assert health_after.status == 200
    assert log.count("Booting worker") == 1, f"the worker was restarted\n{log}"


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("fetch_feeds", "--all"), id="fetch_feeds"),
        pytest.param(("extract_articles",), id="extract_articles"),
    ],
)
def test_a_command_run_while_the_database_is_down_fails_with_one_clear_line(
    private_postgres, outage, database_comes_back, command
):
    private_postgres.stop()
    try:
        run = manage(*command, env=outage.env, check=False, timeout=60)
    finally:
        private_postgres.start()
    assert run.returncode != 0, run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert "Traceback" not in run.stderr, run.stderr
    assert len(lines) == 1, run.stderr
    assert "database" in lines[0].lower(), lines


def test_fetching_when_the_database_went_away_mid_run_stores_every_article_once_after_it_is_back(
    private_postgres, outage, database_comes_back
):
    state = "from tests.faults import seed\nresult(seed.feeds_state())"
    assert run_script(state, env=outage.env)["total"] == 4  # the published digest's articles

    # x is stored; PostgreSQL stops while y's answer is on its way; the run cannot finish.
    outage.site.stall = {"/feeds/y.xml"}
    worker = Child.manage("fetch_feeds", "--all", "--threads", "1", env=outage.env)
    try:
        assert outage.site.stalled.wait(60), worker.output()
        private_postgres.stop()
        outage.site.release()
        code = worker.wait(60)
    finally:
        worker.kill()
        private_postgres.start()
    assert code != 0, worker.output()

    # y still carries the lease of the run that failed: it is taken over once stale.
    mid = run_script(state, env=outage.env)
    assert mid["feeds"][outage.feeds["x"]]["succeeded"]
    assert mid["feeds"][outage.feeds["y"]]["leased"]
    time.sleep(max(0.0, mid["feeds"][outage.feeds["y"]]["leased_at"] + 2.5 - time.time()))
    run = manage("fetch_feeds", "--all", env=outage.env | SHORT_LEASE)
    assert "2 feeds: 2 fetched, 0 not modified, 0 failed, 0 busy; 5 new articles" in run.stdout
    again = manage("fetch_feeds", "--all", env=outage.env | SHORT_LEASE)
    assert "2 feeds: 2 fetched, 0 not modified, 0 failed, 0 busy; 0 new articles" in again.stdout

    final = run_script(state, env=outage.env)
    stories = {story(n) for items in FEEDS.values() for n in items}
    assert final["total"] == final["distinct_urls"] == len(stories) + 4
    for url in stories:
        carried_by = [
            outage.feeds[name] for name, items in FEEDS.items() if url in map(story, items)
        ]
        assert final["links"][url] == sorted(carried_by), url
    for url, feed in final["feeds"].items():
        assert (feed["succeeded"], feed["leased"], feed["error"]) == (True, False, ""), url
