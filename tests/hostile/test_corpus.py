"""Issue 8, the hostile corpus: one run ingests every case on loopback.

The run (a module fixture) registers every corpus feed, then calls the real commands:
``fetch_feeds --all``, ``extract_articles --retry-failed`` and ``fetch_feeds --all`` again
(nothing new may appear). Each case is then checked on its own (a test per case), and the
run as a whole: the commands finished, every good item is stored exactly once, every failure
carries a readable reason, and the summaries say so. A second run in a child process, on a
fresh SQLite file, measures peak memory.

A case that exposes a product bug is marked ``xfail(strict=True)`` with the bug in its reason:
when the bug is fixed, the case passes, the xfail turns into an error, and the mark goes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from sources import fetching
from sources.models import Article, Feed, Source
from tests.hostile.corpus import (
    ANY,
    ANY_STATUS,
    FAILED,
    OK,
    Case,
    Expect,
    build_corpus,
    category_counts,
)
from tests.hostile.run import Outputs, Snapshot, ingest, register, serve, was_requested
from tests.hostile.server import CorpusServer, loopback_resolver

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # django_db: the test DB gets set up

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 4.0  # seconds per fetch in the corpus run (drips and silences cost this much)
MEMORY_LIMIT_MB = 300
CORPUS_SETTINGS = {
    "DIGESTCMS_FETCH_DEADLINE": DEADLINE,
    "DIGESTCMS_ALLOW_PRIVATE_FETCH": True,
    "DIGESTCMS_HOST_DELAY": 0.0,
    "DIGESTCMS_FETCH_ROUTE": "",
}
# XML 1.0 forbids these; one of them in a title made the public RSS feed answer 500.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Names and bug marks are known before any server runs (ports only change URLs).
PLAN = build_corpus(1, 2, datetime(2026, 11, 23, tzinfo=UTC))


@dataclass
class Run:
    cases: dict[str, Case]
    feed_ids: dict[str, int]
    snap: Snapshot
    out: Outputs
    crash: str | None
    seconds: float
    servers: dict[int, CorpusServer]

    def feed(self, case: Case) -> dict:
        return self.snap.feeds[self.feed_ids[case.name]]

    def linked(self, case: Case) -> dict[str, dict]:
        pk = self.feed_ids[case.name]
        return {url: row for url, row in self.snap.articles.items() if pk in row["feeds"]}


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    first, other = CorpusServer(), CorpusServer()
    servers = {first.port: first, other.port: other}
    cases = build_corpus(first.port, other.port)
    serve(cases, servers)
    with django_db_blocker.unblock():
        # fetch_feeds --all must fetch the corpus only: anything an earlier test left behind
        # is set aside for the run and put back afterwards.
        left_behind = list(Feed.objects.filter(active=True).values_list("pk", flat=True))
        Feed.objects.filter(pk__in=left_behind).update(active=False)
        feeds_before = set(Feed.objects.values_list("pk", flat=True))
        articles_before = frozenset(Article.objects.values_list("pk", flat=True))
        sources_before = set(Source.objects.values_list("pk", flat=True))
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(**CORPUS_SETTINGS),
            pytest.MonkeyPatch.context() as patch,
        ):
            patch.setattr(fetching, "resolve", loopback_resolver)
            feed_ids = register(cases)
            start, crash, out = time.monotonic(), None, Outputs()
            try:
                out = ingest(cases, feed_ids, refetch=True)
            except Exception:  # the test "the commands finished" reports it
                crash = traceback.format_exc()
            seconds = time.monotonic() - start
            snap = Snapshot.take(feed_ids, older=articles_before)
        yield Run({c.name: c for c in cases}, feed_ids, snap, out, crash, seconds, servers)
    finally:
        with django_db_blocker.unblock():
            Feed.objects.exclude(pk__in=feeds_before).delete()
            Feed.objects.filter(pk__in=left_behind).update(active=True)
            Article.objects.exclude(pk__in=articles_before).delete()
            Source.objects.exclude(pk__in=sources_before).delete()
        first.close()
        other.close()


# --- one test per case ----------------------------------------------------------------------


def _params():
    for case in PLAN:
        marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        yield pytest.param(case.name, marks=marks, id=case.name)


@pytest.mark.parametrize("name", list(_params()))
def test_case(corpus: Run, name: str):
    case = corpus.cases[name]
    problems: list[str] = []
    feed = corpus.feed(case)
    if case.feed_error is None:
        if feed["last_error"] or feed["consecutive_failures"]:
            problems.append(f"the feed failed: {feed['last_error']!r}")
    elif not feed["last_error"] or case.feed_error not in feed["last_error"]:
        problems.append(f"feed error {feed['last_error']!r} lacks {case.feed_error!r}")
    if feed["last_error"] and (why := _unreadable(feed["last_error"])):
        problems.append(f"the feed error {feed['last_error']!r} {why}")
    for secret in case.must_not_mention:
        if secret in feed["last_error"]:
            problems.append(f"the feed error repeats what it must not: {secret!r}")
    if feed["url"] != (case.moved_to or case.feed_url):
        problems.append(f"the feed's URL is now {feed['url']}")
    if case.retry_after:
        wait = feed["next_fetch_at"] - feed["last_fetched_at"]
        if wait < timedelta(seconds=case.retry_after - 1):
            problems.append(f"Retry-After {case.retry_after} s not honoured (next in {wait})")
    for url in case.never_requested:
        if was_requested(url, corpus.servers):
            problems.append(f"{url} was requested")
    linked = corpus.linked(case)
    expected = {e.url: e for e in case.articles}
    if missing := sorted(set(expected) - set(linked)):
        problems.append(f"{len(missing)} articles missing, e.g. {missing[:3]}")
    if extra := sorted(set(linked) - set(expected)):
        problems.append(f"{len(extra)} unexpected articles, e.g. {extra[:3]}")
    for url in sorted(set(expected) & set(linked)):
        problems += [f"{url}: {p}" for p in _article_problems(expected[url], linked[url])]
    assert not problems, f"{case.name} ({case.what}):\n  " + "\n  ".join(problems[:20])


def _article_problems(expect: Expect, row: dict) -> list[str]:
    problems = []
    title = row["title"]
    if callable(expect.title) and not expect.title(title):
        problems.append(f"title {title[:80]!r}… does not pass its check")
    elif isinstance(expect.title, str) and title != expect.title:
        problems.append(f"title {title!r} != {expect.title!r}")
    status, error = row["extraction_status"], row["extraction_error"]
    if error and (why := _unreadable(error)):
        problems.append(f"the reason {error!r} {why}")
    if expect.status == ANY_STATUS:
        if status not in (OK, FAILED) or (status == FAILED) != bool(error):
            problems.append(f"status {status!r} with error {error!r}")
    elif status != expect.status:
        problems.append(f"status {status!r} != {expect.status!r} (error: {error!r})")
    if expect.reason and expect.reason not in error:
        problems.append(f"reason {error!r} lacks {expect.reason!r}")
    text = row["text"]
    problems += [f"text lacks {s!r} (starts {text[:120]!r})" for s in expect.text if s not in text]
    problems += [f"text keeps {s!r}" for s in expect.absent if s in text]
    if len(text) < expect.min_text:
        problems.append(f"text is {len(text):,} characters, expected {expect.min_text:,}+")
    if expect.language is not ANY and row["language"] != expect.language:
        problems.append(f"language {row['language']!r} != {expect.language!r}")
    if expect.published is not ANY:
        allowed = expect.published if isinstance(expect.published, tuple) else (expect.published,)
        if row["published_at"] not in allowed:
            problems.append(f"published {row['published_at']} not in {allowed}")
    return problems


# --- the run as a whole ---------------------------------------------------------------------

FETCH_SUMMARY = re.compile(
    r"^(\d+) feeds: (\d+) fetched, (\d+) not modified, (\d+) failed, (\d+) busy; "
    r"(\d+) new articles(?: \((\d+) entries skipped\))?\.$",
    re.M,
)
EXTRACT_SUMMARY = re.compile(
    r"^(\d+) articles: (\d+) extracted, (\d+) failed, (\d+) skipped, (\d+) handled elsewhere", re.M
)


def test_the_commands_finished(corpus: Run):
    assert corpus.crash is None, corpus.crash
    assert FETCH_SUMMARY.search(corpus.out.fetch), corpus.out.fetch
    assert EXTRACT_SUMMARY.search(corpus.out.extract), corpus.out.extract
    assert FETCH_SUMMARY.search(corpus.out.refetch), corpus.out.refetch
    print(f"\ncorpus: {len(corpus.cases)} cases, {len(corpus.snap.articles)} articles, "
          f"ingested in {corpus.seconds:.1f} s")  # fmt: skip
    for category, count in category_counts(list(corpus.cases.values())).items():
        print(f"  {count:3d}  {category}")


def test_every_good_item_is_stored_exactly_once(corpus: Run):
    expected = {e.url for case in corpus.cases.values() for e in case.articles}
    stored = set(corpus.snap.articles)
    assert corpus.snap.article_rows == len(stored), "two rows share a URL"
    assert sorted(stored - expected)[:5] == [], "articles nobody expected"
    assert sorted(expected - stored)[:5] == [], "expected articles missing"
    assert len(stored) == len(expected)
    assert all(row["feeds"] for row in corpus.snap.articles.values()), "an article without feed"


def test_the_second_fetch_stores_nothing_new(corpus: Run):
    total, fetched, not_modified, failed, _busy, new, _skipped = FETCH_SUMMARY.search(
        corpus.out.refetch
    ).groups()
    assert int(new) == 0, corpus.out.refetch
    assert int(not_modified) >= 1, "the 10,000-item feed's ETag should give a 304"
    assert int(total) == len(corpus.cases)


def _unreadable(message: str) -> str | None:
    """Why an error message is not fit for an editor, or None."""
    for marker in ("Traceback", "<class", "object at 0x", "Unexpected error", "Errno"):
        if marker in message:
            return f"contains {marker!r}"
    if ILLEGAL.search(message) or "\r" in message or "\n" in message:
        return "contains control characters or line breaks"
    if len(message) > 600:
        return f"is {len(message)} characters long"
    return None


def test_every_failed_feed_has_a_readable_error(corpus: Run):
    # A known-bug case is left to its own (xfail) test.
    known = {corpus.feed_ids[c.name] for c in corpus.cases.values() if c.bug}
    failed = [
        f for pk, f in corpus.snap.feeds.items() if f["consecutive_failures"] and pk not in known
    ]
    assert failed
    bad = {f["url"]: f["last_error"] for f in failed if not f["last_error"]}
    bad |= {
        f["url"]: f"{f['last_error']!r} {why}"
        for f in failed
        if f["last_error"] and (why := _unreadable(f["last_error"]))
    }
    assert not bad, bad


def test_every_failed_or_skipped_article_has_a_readable_reason(corpus: Run):
    # Articles of a known-bug case are left to that case's own (xfail) test.
    known = {e.url for c in corpus.cases.values() if c.bug for e in c.articles}
    rows = [
        r
        for r in corpus.snap.articles.values()
        if r["extraction_status"] != OK and r["url"] not in known
    ]
    assert rows
    bad = {
        r["url"][:120]: f"{r['extraction_error']!r} {why}"
        for r in rows
        if (why := _unreadable(r["extraction_error"]) if r["extraction_error"] else "is empty")
    }
    assert not bad, bad
    assert not [r["url"] for r in rows if r["extraction_status"] == "pending"], "left pending"


def test_the_summaries_report_every_failure(corpus: Run):
    total, fetched, not_modified, failed, busy, new, skipped = FETCH_SUMMARY.search(
        corpus.out.fetch
    ).groups()
    failing = [f for f in corpus.snap.feeds.values() if f["consecutive_failures"]]
    assert (int(total), int(failed), int(busy)) == (len(corpus.cases), len(failing), 0)
    assert int(fetched) + int(not_modified) == len(corpus.cases) - len(failing)
    assert int(new) == len(corpus.snap.articles)
    assert int(skipped or 0) == sum(c.skipped_entries for c in corpus.cases.values())
    for feed in failing:  # the first run's error may differ in wording (a timeout's, say)
        assert f"FAILED {feed['url']}: " in corpus.out.fetch
        assert f"FAILED {feed['url']}: {feed['last_error']}" in corpus.out.refetch
    assert "retried later with back-off" in corpus.out.fetch

    attempted, ok, failed_pages, skipped_pages, elsewhere = map(
        int, EXTRACT_SUMMARY.search(corpus.out.extract).groups()
    )
    statuses = [r["extraction_status"] for r in corpus.snap.articles.values()]
    assert attempted == len(statuses) - corpus.out.marked
    assert (ok, failed_pages, elsewhere) == (statuses.count(OK), statuses.count(FAILED), 0)
    assert skipped_pages == statuses.count("skipped") - corpus.out.marked
    assert corpus.out.extract.count("  FAILED article ") == min(failed_pages, 10)
    if failed_pages > 10:
        assert f"… and {failed_pages - 10} more" in corpus.out.extract


def test_the_reason_for_each_skipped_entry_is_reported(corpus: Run):
    for reason in ("has no link", "not an absolute http(s) address", "longer than 2000", "cut off"):
        assert reason in corpus.out.fetch, reason


def test_nothing_stored_holds_xml_illegal_characters(corpus: Run):
    for row in corpus.snap.articles.values():
        for name in ("title", "summary", "text", "link", "guid"):
            assert not ILLEGAL.search(row[name] or ""), (row["url"], name)


def test_the_corpus_servers_had_no_errors_of_their_own(corpus: Run):
    assert [e for s in corpus.servers.values() for e in s.errors] == []


# --- memory, in a process of its own --------------------------------------------------------


def test_one_run_stays_under_300_mb(tmp_path):
    """The same run in fresh processes on a fresh SQLite file: ``migrate``, then the run.

    A small Python process in between starts both and reads their peak RSS (``wait4`` and
    ``getrusage(RUSAGE_CHILDREN)``): from pytest itself, RUSAGE_CHILDREN would include every
    child it ever had (Chromium in the browser tests), and Linux would count pytest's own
    RSS into a direct child's peak across fork+exec.
    """
    first, other = CorpusServer(), CorpusServer()
    try:
        cases = build_corpus(first.port, other.port)
        serve(cases, {first.port: first, other.port: other})
        spec, result, measured = (tmp_path / n for n in ("spec.json", "result.json", "rss.json"))
        feeds = [{"name": c.name, "url": c.feed_url, "extract_only": c.extract_only} for c in cases]
        spec.write_text(json.dumps({"deadline": DEADLINE, "feeds": feeds}))
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("DIGESTCMS_")
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "digestcms.settings.test",
            "DIGESTCMS_SQLITE_PATH": str(tmp_path / "corpus.sqlite3"),
            "DIGESTCMS_VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(ROOT),
        }
        python, child = sys.executable, "tests.hostile.child"
        command = [python, "-m", child, "measure", str(measured), "--",
                   python, "manage.py", "migrate", "--noinput", "-v", "0", ";;",
                   python, "-m", child, "run", str(spec), str(result)]  # fmt: skip
        start = time.monotonic()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            log, _ = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)  # this test's own process group
            log, _ = process.communicate()
        seconds = time.monotonic() - start
    finally:
        first.close()
        other.close()
    assert process.returncode == 0, log.decode(errors="replace")[-5000:]
    runs = json.loads(measured.read_text())["runs"]
    assert [r["returncode"] for r in runs] == [0, 0], log.decode(errors="replace")[-5000:]
    migrate, ingestion = runs
    outcome = json.loads(result.read_text())
    print(
        f"\nchild run: {seconds:.1f} s in all, ingestion {outcome['seconds']:.1f} s; peak RSS "
        f"{ingestion['peak_mb']:.0f} MB (migrate {migrate['peak_mb']:.0f} MB; the run's own "
        f"view: {outcome['peak_after_setup_mb']:.0f} MB after setup, "
        f"{outcome['peak_after_fetch_mb']:.0f} MB after fetch_feeds, {outcome['peak_mb']:.0f} MB "
        "at the end)"
    )
    assert ingestion["peak_mb"] < MEMORY_LIMIT_MB, f"peak RSS {ingestion['peak_mb']:.0f} MB"
    assert migrate["peak_mb"] < MEMORY_LIMIT_MB
    expected = {e.url for case in cases for e in case.articles}
    assert outcome["articles"] == len(expected)
    assert outcome["statuses"]["pending"] == 0
    assert FETCH_SUMMARY.search(outcome["fetch"]).group(1) == str(len(cases))
    assert EXTRACT_SUMMARY.search(outcome["extract"])
