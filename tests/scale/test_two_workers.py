"""Two qcluster processes on PostgreSQL + Redis share the work, and a SIGKILL loses none of it.

The workers are real ``manage.py qcluster`` processes (two workers each) against a PostgreSQL
database made for this run and Redis, with the settings production uses; the news they read
is served on loopback by ``newsroom.Newsroom`` (50 feeds, 150 articles, each in 3-4 feeds).

1. One tick of "Fetch due feeds" (one task per feed, then one extraction task per new
   article). Cluster A is killed with SIGKILL while it is fetching; a replacement, C, starts.
   Nobody fires another tick: what A held must come back by django-q2's retry alone.
2. Twenty topics are drafted and scheduled (one task each) and published by the
   "Publish scheduled digests" task, three of which run at once.

Skipped, saying why, when PostgreSQL (127.0.0.1:5432, user postgres) or Redis (127.0.0.1:6379)
does not answer. It takes about a minute (45-75 s here), half of it the retry window.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

import pytest

from tests.scale.cluster import (
    Cluster,
    ScaleDatabase,
    ScaleRedis,
    postgres_problem,
    redis_problem,
    run_action,
    run_manage,
)
from tests.scale.newsroom import FEEDS, STORIES, TOPICS, Newsroom

pytestmark = pytest.mark.slow

WORKERS = 2
# Small, so A's tasks come back within the test: the broker hands a task out again RETRY
# seconds after a cluster took it, and a worker's lease on a feed or article lasts TIMEOUT
# seconds (sources.services.LEASE), so the retried task finds the lease expired.
Q_TIMEOUT, Q_RETRY = 15, 30
SETTLE = Q_RETRY + 75  # seconds for the whole run after the kill (retry window plus the rest)


@dataclass
class World:
    db: ScaleDatabase
    redis: ScaleRedis
    news: Newsroom
    env: dict
    topics: dict[str, int] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def start(self, label: str, log_dir) -> Cluster:
        self.clusters[label] = cluster = Cluster(label, self.env, log_dir)
        return cluster

    def progress(self) -> dict[str, int]:
        row = self.db.rows(
            "SELECT (SELECT count(*) FROM sources_article),"
            " (SELECT count(*) FROM sources_article WHERE extraction_status = 'ok'),"
            " (SELECT count(*) FROM sources_feed WHERE last_succeeded_at IS NOT NULL),"
            " (SELECT count(*) FROM django_q_ormq),"
            " (SELECT count(*) FROM django_q_task WHERE NOT success)"
        )[0]
        keys = ("articles", "extracted", "feeds_fetched", "orm_queue", "failed")
        return {**dict(zip(keys, row, strict=True)), "redis_queue": self.redis.queued()}

    def tick_done(self) -> bool:
        return bool(
            self.db.value(
                "SELECT count(*) FROM django_q_task WHERE func = 'sources.tasks.fetch_due_feeds'"
            )
        )

    def diagnosis(self) -> str:
        progress = self.progress()
        tails = "\n".join(
            f"--- qcluster {label} ---\n{c.log_tail(1500)}" for label, c in self.clusters.items()
        )
        lost = ""
        if progress["orm_queue"] == progress["redis_queue"] == 0:
            lost = (
                "The queue is empty but work is missing: the tasks the killed cluster had "
                "taken were never handed out again. django-q2's Redis broker has no receipts "
                "(a task is gone once a cluster pops it); its ORM broker retries after "
                "Q_RETRY seconds.\n"
            )
        return f"progress: {progress}\n{lost}{tails}"

    def wait_for(self, what: str, done, timeout: float) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while True:
            progress = self.progress()
            if done(progress):
                return progress
            assert progress["failed"] == 0, f"a task failed while waiting for {what}"
            if time.monotonic() > deadline:
                pytest.fail(f"Gave up after {timeout:.0f}s waiting for {what}.\n{self.diagnosis()}")
            time.sleep(0.25)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if problem := postgres_problem() or redis_problem():
        pytest.skip(f"{problem}: the two-worker test needs PostgreSQL and Redis on this machine.")
    scale_redis = ScaleRedis()
    if not scale_redis.url:
        pytest.skip("Redis databases 14 and 15 are both in use by other runs of this test.")
    db = ScaleDatabase()
    news = Newsroom().start()
    log_dir = tmp_path_factory.mktemp("scale")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DIGESTCMS_", "DATABASE_URL", "REDIS_URL", "Q_CLUSTER"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="digestcms.settings.test",
        DATABASE_URL=db.url,
        REDIS_URL=scale_redis.url,
        DIGESTCMS_ALLOW_PRIVATE_FETCH="1",
        DIGESTCMS_FETCH_ROUTE=f"127.0.0.1:{news.port}",  # every outlet is a virtual host
        DIGESTCMS_HOST_DELAY="0",
        DIGESTCMS_Q_TIMEOUT=str(Q_TIMEOUT),
        DIGESTCMS_Q_RETRY=str(Q_RETRY),
        DIGESTCMS_Q_WORKERS=str(WORKERS),
        DIGESTCMS_EXTRACT_TIME_LIMIT="5",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    world = World(db, scale_redis, news, env)
    try:
        started = time.monotonic()
        run_manage(env, "migrate", "--noinput")
        world.timings["migrate"] = time.monotonic() - started
        opml = log_dir / "setup.opml"
        opml.write_bytes(news.opml())
        world.topics = run_action(env, "setup", str(opml))["topics"]
        db.connect()
        for label in ("a", "b"):
            world.start(label, log_dir)
        for cluster in world.clusters.values():
            cluster.wait_ready(WORKERS)
        yield world
    finally:
        for cluster in world.clusters.values():
            cluster.terminate()
        stop_by = time.monotonic() + 5
        for cluster in world.clusters.values():
            cluster.stop(grace=max(0, stop_by - time.monotonic()))
        news.close()
        db.drop()
        scale_redis.release()
        print("scale test timings (s):", json.dumps(world.timings))


@dataclass
class Ingestion:
    a_in_flight: set[str]
    a_hits: int
    final: dict[str, int]


@pytest.fixture(scope="module")
def ingestion(world, tmp_path_factory) -> Ingestion:
    """One fetch tick; cluster A killed mid-fetch, C started; everything waited for."""
    news, expected = world.news, len(world.news.article_urls())
    a = world.clusters["a"]
    started = time.monotonic()
    run_action(world.env, "enqueue", json.dumps([["sources.tasks.fetch_due_feeds"]]))
    # Kill A while the newsroom is still answering one of its requests: that feed or page
    # was certainly not finished, and some articles are stored but not all extracted. (Not
    # before the tick's own task has finished: retried, it would enqueue the unfinished
    # feeds a second time, a second tick.)
    # What A is fetching is read just before the kill: read after it (the kill waits for
    # the process to go), an answer's delay may have run out meanwhile.
    while True:
        ready = world.progress()["articles"] >= 20 and world.tick_done()
        a_in_flight = news.paths_in_flight(a.agent) if ready else set()
        if a_in_flight:
            break
        assert world.progress()["extracted"] < expected, "all done before A could be killed"
        assert time.monotonic() - started < 60, f"A never got to work.\n{world.diagnosis()}"
        time.sleep(0.02)
    a.kill()
    world.timings["kill_after"] = time.monotonic() - started
    at_kill = world.progress()
    world.start("c", tmp_path_factory.mktemp("scale-c")).wait_ready(WORKERS)
    final = world.wait_for(
        "every feed fetched and every article extracted, with no task left in the queue",
        lambda p: (
            p["feeds_fetched"] == FEEDS
            and p["extracted"] == expected
            and p["orm_queue"] == 0
            and p["redis_queue"] == 0
        ),
        SETTLE,
    )
    world.timings["ingestion"] = time.monotonic() - started
    print("at kill:", at_kill, "A had in flight:", sorted(a_in_flight))
    return Ingestion(a_in_flight, len(news.hits_by(a.agent)), final)


def test_two_workers_store_each_article_once_and_a_killed_workers_tasks_are_retried(
    world, ingestion
):
    news, db = world.news, world.db
    a, b, c = (world.clusters[label] for label in "abc")

    # Every article stored once: the unique normalised URL, whichever feeds and workers.
    urls = [url for (url,) in db.rows("SELECT url FROM sources_article")]
    assert len(urls) == len(set(urls)) == STORIES
    assert set(urls) == news.article_urls()
    # ... each one extracted, no lease left behind, and linked to every feed that carries it.
    assert (
        db.rows(
            "SELECT extraction_status, count(*) FROM sources_article GROUP BY 1"
            " HAVING extraction_status <> 'ok' OR bool_or(extracting_since IS NOT NULL)"
        )
        == []
    )
    assert db.value("SELECT count(*) FROM sources_articlefeed") == FEEDS * 10

    # Every feed fetched successfully, none still leased.
    assert (
        db.rows(
            "SELECT url, last_status, last_error FROM sources_feed"
            " WHERE last_succeeded_at IS NULL OR last_error <> '' OR fetching_since IS NOT NULL"
        )
        == []
    )

    # A got to work, and what it was fetching when it died came back: retried by B or C.
    assert ingestion.a_hits > 0 and ingestion.a_in_flight
    for path in ingestion.a_in_flight:
        again = [h.agent for h in news.hits if f"{h.host}{h.path}" == path and h.agent != a.agent]
        assert again, f"{path} was being fetched by the killed worker and never again"
    assert news.hits_by(b.agent) and news.hits_by(c.agent), "B and C both did some of the work"

    # Fetched once per tick: a feed or page is requested once, except one the killed worker
    # had fetched but not finished with (its task is retried; the retry's GET is the second).
    touched_by_a = {f"{h.host}{h.path}" for h in news.hits_by(a.agent)}
    anomalies = {
        path: [
            (h.agent.rsplit("/", 1)[1], h.status) for h in news.hits if f"{h.host}{h.path}" == path
        ]
        for path, count in news.gets().items()
        if count > (2 if path in touched_by_a else 1)
    }
    assert anomalies == {}
    assert len(news.gets("/rss/")) == FEEDS
    assert len(news.gets("/world/")) == STORIES

    # Every outlet seen in a topic's feeds has a placement in that topic, although two workers
    # placed the same new outlets at the same moment.
    assert (
        db.rows(
            "SELECT tf.topic_id, a.source_id FROM digests_topicfeed tf"
            " JOIN sources_articlefeed af ON af.feed_id = tf.feed_id"
            " JOIN sources_article a ON a.id = af.article_id"
            " EXCEPT SELECT topic_id, source_id FROM digests_placement"
        )
        == []
    )

    # No task failed; nothing is left queued (ORM queue or Redis list).
    assert ingestion.final["failed"] == 0
    assert ingestion.final["orm_queue"] == ingestion.final["redis_queue"] == 0


def test_drafting_and_publishing_twenty_topics_spread_over_both_workers(world, ingestion):
    assert len(world.topics) == TOPICS
    b, c = world.clusters["b"], world.clusters["c"]
    started = time.monotonic()
    draft = [["tests.scale.tasks.draft_and_schedule", pk] for pk in world.topics.values()]
    run_action(world.env, "enqueue", json.dumps(draft))
    world.wait_for(
        "twenty digests drafted and scheduled",
        lambda p: (
            world.db.value("SELECT count(*) FROM digests_digest WHERE status = 'scheduled'")
            == TOPICS
        ),
        90,
    )
    # Three "Publish scheduled digests" ticks at once, once every digest is due (each was
    # scheduled a second ahead): each digest is published exactly once.
    world.wait_for(
        "the scheduled time of every digest",
        lambda p: world.db.value("SELECT now() >= max(scheduled_for) FROM digests_digest"),
        10,
    )
    run_action(world.env, "enqueue", json.dumps([["digests.tasks.publish_scheduled"]] * 3))
    world.wait_for(
        "twenty digests published",
        lambda p: (
            p["orm_queue"] == p["redis_queue"] == 0
            and world.db.value("SELECT count(*) FROM digests_digest WHERE status = 'published'")
            == TOPICS
        ),
        60,
    )
    world.timings["drafting_and_publishing"] = time.monotonic() - started

    summary = run_action(world.env, "summary")
    for slug, digests in summary["digests"].items():
        assert len(digests) == 1, slug
        (digest,) = digests
        assert digest["status"] == "published" and digest["drafter"] == "extractive", slug
        assert digest["cited"] > 0 and all(digest["sections"]), slug
    assert summary["publish_events"] == dict.fromkeys(world.topics, 1)
    assert [t for t in summary["tasks"] if not t["success"]] == []

    drafts = [t for t in summary["tasks"] if t["func"] == "tests.scale.tasks.draft_and_schedule"]
    assert sorted(t["args"][0] for t in drafts) == sorted(world.topics.values())
    clusters = {t["result"]["cluster"] for t in drafts}
    assert clusters == {b.pgid, c.pgid}, "both live clusters drafted some of the topics"
    published = [
        int(t["result"].split()[0]) for t in summary["tasks"] if t["func"].endswith("scheduled")
    ]
    assert sum(published) == TOPICS
