"""Ingestion benchmark: the pipeline against the bare libraries, 304 re-runs, workers, memory.

    .venv/bin/python bench/ingest.py [--articles 1000] [--feeds 20] [--db sqlite|postgres|both]
                                     [--breakdown] [--no-prefetch] [--weight 2]

A seeded corpus (bench/corpus.py) is served on loopback by the demo server (DemoServer) in a
process of its own. Each database gets a fresh process (Django reads settings once) that:

1. runs, feed by feed, the bare libraries and the pipeline on the same feed, alternating
   which goes first (so a neighbour's load or a slow minute hits both alike):
   - bare: ``feedparser.parse(feed bytes)``, then ``trafilatura.extract(page bytes, ...)``
     with the trafilatura config and options of sources/extraction.py, bytes in memory;
   - pipeline, in-process: ``ingest.feed_fetch(feed)``, then the ``extract_articles`` loop
     (``ingest.articles_extract``, which requests each page while extracting the one before;
     ``--no-prefetch``: one page at a time) over that feed's new articles;
2. re-fetches every feed, unchanged (every answer a 304), as ``fetch_feeds --all`` does;
3. resets the articles to pending and runs 1, 2, 2, 1 spawned worker processes, each
   running the ``extract_articles`` loop over the whole pending list (the lease keeps them
   apart); wall-clock from the start signal to the last worker's report;
4. adds a ~5 MB page and reads the peak RSS of every worker.

The targets are read on pages of weight 2 (``TARGET_WEIGHT``, see bench/corpus.py). Unless
``--weight 1`` was asked for, each database then runs step 1 alone on light pages (weight 1,
a fresh database and corpus): what the pipeline adds is a cost per page, so lighter pages
give a larger ratio, and the report shows how much larger.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from queue import Empty
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import Corpus, build_corpus  # noqa: E402

SPAWN = get_context("spawn")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "digestcms_bench"
MEMORY_EXTRA_ARTICLES = 100  # ordinary pages the memory worker extracts before the 5 MB one
TARGET_PIPELINE_RATIO = 1.15
TARGET_RERUN_SPEEDUP = 50.0
TARGET_WORKER_SPEEDUP = 1.7
TARGET_RSS_MB = 300.0
# Pages of about 1,900 elements and 170 KB, the size of a real news page (news sites' home
# pages average 1,856-1,911 elements in the HTTP Archive's March 2023 crawl, median
# 1,621-1,714), on which bare trafilatura runs at 16-19 pages/s here, near the issue's
# "about 14 pages/s". Weight 1 (about 1,000 elements, 88 KB) runs it 2-3 times as fast as
# the figure on every host seen.
TARGET_WEIGHT = 2
LIGHT_WEIGHT = 1
# The extract_articles loop requests the next page while extracting this one (its default),
# unless --no-prefetch, passed on through the environment so spawned workers see it too.
NO_PREFETCH_ENV = "DIGESTCMS_BENCH_NO_PREFETCH"
PREFETCH = os.environ.get(NO_PREFETCH_ENV, "") != "1"


@dataclass
class SuiteResult:
    db: str
    command: str
    skipped: str = ""
    pages: int = 0
    weight: int = TARGET_WEIGHT  # --weight: the targets are read at TARGET_WEIGHT
    bare_s: float = 0.0
    pipeline_s: float = 0.0
    feed_ratios: list[float] = field(default_factory=list)
    pipeline_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    stored: int = 0
    extracted: int = 0
    rerun_s: float = 0.0
    rerun_outcomes: dict[str, int] = field(default_factory=dict)
    one_worker_s: list[float] = field(default_factory=list)
    two_workers_s: list[float] = field(default_factory=list)
    two_worker_split: list[int] = field(default_factory=list)
    two_worker_collisions: int = 0  # claims lost to the other worker ("busy" or "done")
    scaling_rss_mb: float = 0.0
    big_rss_mb: float = 0.0
    big_outcome: str = ""
    background: dict[str, float] = field(default_factory=dict)  # phase -> others' cores
    worker_cpu_share: dict[str, float] = field(default_factory=dict)  # CPU s / wall s
    ru_maxrss_mb: float = 0.0  # the largest raw ru_maxrss a worker reported
    breakdown: dict[str, tuple[float, int]] = field(default_factory=dict)
    light_bare_s: float = 0.0  # step 1 alone on light pages (LIGHT_WEIGHT); 0 if not run
    light_pipeline_s: float = 0.0
    light_background: float = 0.0  # others' cores meanwhile
    light_skipped: str = ""  # why the light pages were not measured, when they were due


# --- The demo server, and CPU accounting --------------------------------------------------


def serve(data_dir: str, conn: Connection) -> None:
    """Process target: serve ``data_dir`` until the parent sends anything."""
    from sources.demo.server import DemoServer

    with DemoServer(port=0, data_dir=Path(data_dir)) as server:
        conn.send(server.port)
        conn.recv()


def start_server(corpus: Corpus) -> tuple[Any, Connection, int]:
    parent, child = SPAWN.Pipe()
    process = SPAWN.Process(target=serve, args=(str(corpus.root), child), daemon=True)
    process.start()
    return process, parent, int(parent.recv())


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (not idle, not waiting for I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """How many cores other processes kept busy while a phase ran (ours are subtracted)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.wall, self.busy = time.perf_counter(), machine_busy_s()
        self.own = time.process_time() + process_cpu_s(server_pid)

    def others_cores(self, worker_cpu_s: float = 0.0) -> float:
        own = time.process_time() + process_cpu_s(self.server_pid) - self.own + worker_cpu_s
        others = machine_busy_s() - self.busy - own
        return max(0.0, others) / (time.perf_counter() - self.wall)


# --- Environment and databases ----------------------------------------------------------


def bench_env(db: str, port: int, workdir: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DIGESTCMS_FETCH_ROUTE": f"127.0.0.1:{port}",
        "DIGESTCMS_ALLOW_PRIVATE_FETCH": "1",
        "DIGESTCMS_HOST_DELAY": "0",
        "DIGESTCMS_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    else:
        env["DIGESTCMS_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    return env


def postgres_reset(*, create: bool) -> str:
    """Drop (and create) the bench database; returns why PostgreSQL is unusable, or ""."""
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            if create:
                c.execute(f"CREATE DATABASE {PG_DATABASE}")
    except Exception as exc:  # no server, no psycopg, no rights: the reason is printed
        return f"PostgreSQL at {PG_SERVER} unusable: {type(exc).__name__}: {exc}".strip()
    return ""


def receive(queue: Any, processes: list[Any], timeout: float) -> Any:
    """The next message on ``queue``; RuntimeError when a process died without one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Empty):
            return queue.get(timeout=0.5)
        dead = [p for p in processes if not p.is_alive() and p.exitcode]
        if dead:
            raise RuntimeError(f"{dead[0].name} died (exit code {dead[0].exitcode}), see above")
    raise TimeoutError(f"nothing from {[p.name for p in processes]} in {timeout:g} s")


def django_setup() -> None:
    import django

    django.setup()


# --- Bare libraries against the pipeline, feed by feed --------------------------------------


class Bare:
    """feedparser + trafilatura over the bytes the server sends, held in memory."""

    def __init__(self, corpus: Corpus):
        import feedparser
        import trafilatura
        from django.conf import settings

        from sources.extraction import _EXTRACT_OPTIONS, trafilatura_config

        self.parse, self.extract = feedparser.parse, trafilatura.extract  # never --breakdown's
        self.options = _EXTRACT_OPTIONS
        self.config = trafilatura_config(int(settings.DIGESTCMS_FETCH_MAX_BYTES))
        self.feeds = {url: corpus.feed_files[url].read_bytes() for url in corpus.feed_urls}
        self.pages = {url: path.read_bytes() for url, path in corpus.page_files.items()}

    def run(self, feed_url: str) -> int:
        """Parse one feed and extract each of its pages; how many gave text."""
        links = [entry.link for entry in self.parse(self.feeds[feed_url]).entries]
        texts = [
            self.extract(self.pages[link], url=link, config=self.config, **self.options)
            for link in links
        ]
        return sum(bool(text) for text in texts)

    def warm_up(self, pages: int = 5) -> None:
        for link, body in list(self.pages.items())[:pages]:
            self.extract(body, url=link, config=self.config, **self.options)


def pipeline_feed(feed_url: str) -> int:
    """One feed through the pipeline; how many pages gave text.

    ``feed_fetch``, then the ``extract_articles`` loop over the feed's new articles (one
    query loads them all, as the command does; a django-q task loads one row at a time).
    """
    from sources import ingest
    from sources.models import Article, Feed

    result = ingest.feed_fetch(Feed.objects.get(url=feed_url))
    assert result.outcome == "ok", f"{feed_url}: {result.outcome} {result.error}"
    new = Article.objects.needing_extraction().filter(pk__in=result.new_article_ids)
    articles = list(new.select_related("source").order_by("id"))
    results = ingest.articles_extract(articles, prefetch=PREFETCH)
    return sum(result.outcome == "ok" for result in results)


def timed(action: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, what the action returned)."""
    started, cpu = time.perf_counter(), time.process_time()
    done = action()
    return time.perf_counter() - started, time.process_time() - cpu, done


def compare(result: SuiteResult, bare: Bare, corpus: Corpus, server_pid: int) -> None:
    """Bare and pipeline on each feed in turn, alternating which goes first."""
    from sources import services

    bare.warm_up()  # the libraries' first calls, for both sides (same process)
    for url in corpus.feed_urls:
        services.feed_create(url=url)
    watch, server_cpu = CpuWatch(server_pid), process_cpu_s(server_pid)
    for n, url in enumerate(corpus.feed_urls):
        bare_first = n % 2 == 0
        if bare_first:
            bare_s, _, texts = timed(functools.partial(bare.run, url))
        pipe_s, pipe_cpu, ok = timed(functools.partial(pipeline_feed, url))
        if not bare_first:
            bare_s, _, texts = timed(functools.partial(bare.run, url))
        assert ok == texts, f"{url}: pipeline extracted {ok} pages, bare {texts}"
        result.bare_s += bare_s
        result.pipeline_s += pipe_s
        result.pipeline_cpu_s += pipe_cpu
        result.extracted += ok
        result.feed_ratios.append(pipe_s / bare_s)
    result.server_cpu_s = process_cpu_s(server_pid) - server_cpu
    result.background["first run"] = watch.others_cores()


def fetch_all(urls: list[str]) -> dict[str, int]:
    """``fetch_feeds --all --threads 1``: every feed, loaded fresh from the database."""
    from sources import ingest
    from sources.models import Feed

    outcomes: Counter[str] = Counter()
    for feed in Feed.objects.filter(url__in=urls).order_by("id"):
        outcomes[ingest.feed_fetch(feed).outcome] += 1
    return dict(outcomes)


def time_rerun(result: SuiteResult, corpus: Corpus) -> None:
    started = time.perf_counter()
    result.rerun_outcomes = fetch_all(corpus.feed_urls)
    result.rerun_s = time.perf_counter() - started


# --- Worker processes -------------------------------------------------------------------


def extract_pending() -> dict[str, int]:
    """The ``extract_articles`` loop, without its progress bar."""
    from sources import ingest
    from sources.models import Article

    pending = Article.objects.needing_extraction().select_related("source").order_by("id")
    results = ingest.articles_extract(list(pending), prefetch=PREFETCH)
    return dict(Counter(result.outcome for result in results))


def peak_rss_mb() -> tuple[float, float]:
    """(ru_maxrss, VmHWM) in MB. A spawned child is forked before it execs, and Linux keeps
    the parent's peak in the child's ru_maxrss; VmHWM is this process image's own peak."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    status = Path("/proc/self/status").read_text().splitlines()
    hwm = next((int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM")), 0)
    return maxrss, hwm or maxrss


def extraction_worker(ready: Any, start: Any, done: Any) -> None:
    """Process target: set Django up, wait for the start signal, run the extraction loop."""
    django_setup()
    from django.db import connection

    from sources.extraction import ExtractionError, extract_article

    connection.ensure_connection()
    with contextlib.suppress(ExtractionError):  # warm up, as in a long-running worker
        extract_article(b"<html><body><p>warm</p></body></html>", url="http://warm.example/")
    ready.put(os.getpid())
    start.wait()
    cpu = time.process_time()
    outcomes = extract_pending()
    maxrss, hwm = peak_rss_mb()
    report = {"cpu_s": time.process_time() - cpu, "rss_mb": hwm, "ru_maxrss_mb": maxrss}
    done.put({**report, "ok": outcomes.get("ok", 0), "outcomes": outcomes})


def run_workers(count: int, server_pid: int) -> tuple[float, list[dict[str, Any]], float]:
    """(wall-clock from the start signal to the last report, reports, others' cores)."""
    ready, done, start = SPAWN.Queue(), SPAWN.Queue(), SPAWN.Event()
    workers = [
        SPAWN.Process(target=extraction_worker, args=(ready, start, done)) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        receive(ready, workers, timeout=120)
    watch = CpuWatch(server_pid)
    start.set()
    reports = [receive(done, workers, timeout=3600) for _ in workers]
    elapsed = time.perf_counter() - watch.wall
    others = watch.others_cores(sum(report["cpu_s"] for report in reports))
    for worker in workers:
        worker.join()
    return elapsed, reports, others


def reset_to_pending(limit: int | None = None) -> int:
    from sources import services
    from sources.models import Article

    ids = list(Article.objects.order_by("id").values_list("id", flat=True)[:limit])
    return services.article_request_reextraction(articles=Article.objects.filter(id__in=ids))


def time_workers(result: SuiteResult, server_pid: int) -> list[dict[str, Any]]:
    """1, 2, 2, 1 workers (a slow stretch of the machine hits both sides alike)."""
    all_reports: list[dict[str, Any]] = []
    for count in (1, 2, 2, 1):
        reset_to_pending()
        elapsed, reports, others = run_workers(count, server_pid)
        assert sum(r["ok"] for r in reports) == result.extracted, f"lost pages: {reports}"
        (result.one_worker_s if count == 1 else result.two_workers_s).append(elapsed)
        key = f"{count} worker{'s' if count > 1 else ''}"
        result.background[key] = max(result.background.get(key, 0.0), others)
        share = statistics.mean(r["cpu_s"] for r in reports) / elapsed
        result.worker_cpu_share[key] = min(result.worker_cpu_share.get(key, 1.0), share)
        if count == 2:
            result.two_worker_split = [r["ok"] for r in reports]
            lost = sum(r["outcomes"].get(o, 0) for r in reports for o in ("busy", "done"))
            result.two_worker_collisions = max(result.two_worker_collisions, lost)
        all_reports += reports
    return all_reports


def time_big_page(result: SuiteResult, corpus: Corpus, server_pid: int) -> float:
    """One worker extracts 100 ordinary pages and the ~5 MB page (last in id order)."""
    from sources import ingest, services
    from sources.models import Article

    feed = services.feed_create(url=corpus.big_feed_url)
    assert ingest.feed_fetch(feed).new_articles == 1
    reset_to_pending(MEMORY_EXTRA_ARTICLES)
    _, reports, _ = run_workers(1, server_pid)
    result.ru_maxrss_mb = max(result.ru_maxrss_mb, reports[0]["ru_maxrss_mb"])
    big = Article.objects.filter(feeds=feed).get()
    error = f": {big.extraction_error}" if big.extraction_error else ""
    result.big_outcome = f"{big.extraction_status}, {len(big.text):,} characters of text{error}"
    return reports[0]["rss_mb"]


# --- Optional breakdown -------------------------------------------------------------------


# The top-level parts of a feed's pipeline run; they do not overlap, the rest is the loop.
OUTER_LABELS = (
    "ingest.feed_fetch, all of it",
    "articles_extract: start the next job, extract the page before",
    "articles_extract: the last page of the list",
    "ingest.article_extract (no prefetch; Google links)",
)


def breakdown_targets() -> list[tuple[Any, str, str]]:
    """(owner, attribute, label) of the calls --breakdown times inside the pipeline."""
    import feedparser
    import trafilatura

    from sources import extraction, fetching, ingest, services

    outer = [
        (ingest, "feed_fetch"),
        (ingest._Prefetch, "start"),
        (ingest._Prefetch, "drain"),
        (ingest, "article_extract"),
    ]
    return [
        (owner, name, label) for (owner, name), label in zip(outer, OUTER_LABELS, strict=True)
    ] + [
        (ingest._Prefetch, "settle", "articles_extract: wait for the job (also in the last page)"),
        (ingest, "fetch", "fetching.fetch (feeds; pages without prefetch)"),
        (ingest, "start_fetch", "fetching.start_fetch: connect, send a page request"),
        (fetching.PendingFetch, "result", "PendingFetch.result: read an answer (all)"),
        (ingest, "parse_feed", "feedparsing.parse_feed"),
        (feedparser, "parse", "  of which feedparser.parse"),
        (services, "articles_store", "services.articles_store"),
        (services, "feed_claim", "services.feed_claim"),
        (services, "feed_record_success", "services.feed_record_success"),
        (services, "article_claim", "services.article_claim"),
        (
            services,
            "article_record_then_claim",
            "services.article_record_then_claim (PostgreSQL: on the jobs' thread)",
        ),
        (
            services,
            "article_record_extraction",
            "services.article_record_extraction",
        ),
        (ingest, "extract_article", "extraction.extract_article"),
        (trafilatura, "extract", "  of which trafilatura.extract"),
        (extraction, "decode_html", "  of which decode_html"),
        (extraction, "clean_text_with_titles", "  of which clean_text_with_titles"),
    ]


def install_breakdown() -> dict[str, list[float]]:
    """Wrap the targets to add up their wall time: label -> [seconds, calls]."""
    totals: dict[str, list[float]] = {}
    for owner, attribute, label in breakdown_targets():
        totals[label] = [0.0, 0]
        setattr(owner, attribute, _timing(getattr(owner, attribute), totals[label]))
    return totals


def _timing(function: Callable[..., Any], total: list[float]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            total[0] += time.perf_counter() - started
            total[1] += 1

    return wrapper


# --- One database -----------------------------------------------------------------------


def run_suite(db: str, corpus: Corpus, server_pid: int, options: dict[str, Any], out: Any) -> None:
    """Process target: every measurement on one database (its env is already set)."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sources.models import Article

    result = SuiteResult(
        db=db,
        command=options["command"],
        pages=len(corpus.page_files) - 1,
        weight=options["weight"],
    )
    bare = Bare(corpus)
    totals = install_breakdown() if options["breakdown"] else {}
    progress(db, "bare libraries and pipeline, feed by feed")
    compare(result, bare, corpus, server_pid)
    result.breakdown = {name: (t[0], int(t[1])) for name, t in totals.items()}
    result.stored = Article.objects.count()
    progress(db, "re-run (304)")
    time_rerun(result, corpus)
    progress(db, "1, 2, 2, 1 workers")
    reports = time_workers(result, server_pid)
    result.scaling_rss_mb = max(r["rss_mb"] for r in reports)
    result.ru_maxrss_mb = max(r["ru_maxrss_mb"] for r in reports)
    progress(db, "memory with the 5 MB page")
    result.big_rss_mb = time_big_page(result, corpus, server_pid)
    out.put(asdict(result))


def run_light(db: str, corpus: Corpus, server_pid: int, out: Any) -> None:
    """Process target: step 1 alone (bare and pipeline, feed by feed) on a fresh database."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = SuiteResult(db=db, command="")
    progress(db, f"light pages (weight {LIGHT_WEIGHT}): bare libraries and pipeline")
    compare(result, Bare(corpus), corpus, server_pid)
    out.put((result.bare_s, result.pipeline_s, result.background["first run"]))


def measure_light(results: list[SuiteResult], args: Any, workdir: Path) -> None:
    """The pipeline's ratio on light pages, for each database that ran (``run_light``)."""
    corpus = build_corpus(
        workdir / "corpus", feeds=args.feeds, articles=args.articles, weight=LIGHT_WEIGHT
    )
    server, conn, port = start_server(corpus)
    try:
        for result in results:
            if result.skipped:
                continue
            if result.db == "postgres" and (reason := postgres_reset(create=True)):
                result.light_skipped = reason
                continue
            try:  # the targets measured already are printed whatever happens here
                light = run_spawned(
                    run_light,
                    (result.db, corpus, server.pid),
                    db=result.db,
                    port=port,
                    workdir=workdir,
                    timeout=3600,
                    extra_env=_prefetch_env(args),
                )
            except (RuntimeError, TimeoutError) as exc:
                result.light_skipped = f"{type(exc).__name__}: {exc}"
                continue
            result.light_bare_s, result.light_pipeline_s, result.light_background = light
    finally:
        conn.send("stop")
        server.join(timeout=10)


def progress(db: str, step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {db}: {step} …", file=sys.stderr, flush=True)


def measure(db: str, corpus: Corpus, port: int, server_pid: int, args: Any) -> SuiteResult:
    command = f".venv/bin/python bench/ingest.py --articles {args.articles} --feeds {args.feeds} --db {db}"
    command += " --breakdown" if args.breakdown else ""
    command += " --no-prefetch" if args.no_prefetch else ""
    command += f" --weight {args.weight}" if args.weight != TARGET_WEIGHT else ""
    if db == "postgres" and (reason := postgres_reset(create=True)):
        return SuiteResult(db=db, command=command, skipped=reason)
    options = {"command": command, "breakdown": args.breakdown, "weight": args.weight}
    report = run_spawned(
        run_suite,
        (db, corpus, server_pid, options),
        db=db,
        port=port,
        workdir=corpus.root.parent,
        timeout=7200,
        extra_env=_prefetch_env(args),
    )
    return SuiteResult(**report)


def _prefetch_env(args: Any) -> dict[str, str]:
    return {NO_PREFETCH_ENV: "1"} if args.no_prefetch else {}


def run_spawned(
    target: Callable[..., None],
    args: tuple,
    *,
    db: str,
    port: int,
    workdir: Path,
    timeout: float,
    extra_env: dict[str, str] | None = None,
) -> Any:
    """What ``target(*args, out)`` puts on ``out``, run in a spawned process with the
    benchmark's environment for ``db``; the PostgreSQL bench database is dropped after."""
    saved = dict(os.environ)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update({**bench_env(db, port, workdir), **(extra_env or {})})
    try:
        out = SPAWN.Queue()
        process = SPAWN.Process(target=target, args=(*args, out))
        process.start()
        result = receive(out, [process], timeout=timeout)
        process.join()
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if db == "postgres":
            postgres_reset(create=False)


# --- Report -----------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(result: SuiteResult) -> list[str]:
    """The Markdown table of one database's figures, then notes."""
    rows = [f"**{result.db}** — `{result.command}`", ""]
    if result.skipped:
        return [*rows, f"SKIPPED: {result.skipped}", ""]
    n, ratio = result.pages, result.pipeline_s / result.bare_s
    rerun = result.pipeline_s / result.rerun_s
    one, two = sum(result.one_worker_s), sum(result.two_workers_s)
    peak = max(result.scaling_rss_mb, result.big_rss_mb)
    rows += [
        "| Figure | Result | Target | |",
        "|---|---|---|---|",
        f"| Bare feedparser.parse + trafilatura.extract, {n} pages | {result.bare_s:.2f} s, {n / result.bare_s:.1f} pages/s | | |",
        f"| Pipeline first run: fetch + parse + store + extract | {result.pipeline_s:.2f} s, {n / result.pipeline_s:.1f} pages/s; {(result.pipeline_s - result.bare_s) / n * 1000:.1f} ms a page over bare | | |",
        f"| Pipeline ÷ bare | **{ratio:.3f}×** (per feed: median {statistics.median(result.feed_ratios):.3f}, {min(result.feed_ratios):.2f}–{max(result.feed_ratios):.2f}) | ≤ {TARGET_PIPELINE_RATIO}× | {verdict(ratio <= TARGET_PIPELINE_RATIO)}{_off_target(result)} |",
        f"| Re-run, unchanged feeds ({_outcomes(result.rerun_outcomes)}) | {result.rerun_s * 1000:.0f} ms | | |",
        f"| First run ÷ re-run | **{rerun:,.0f}×** | ≥ {TARGET_RERUN_SPEEDUP:.0f}× | {verdict(rerun >= TARGET_RERUN_SPEEDUP)} |",
        f"| 1 worker, {n} pending pages (two runs) | {_runs(result.one_worker_s, n)} | | |",
        f"| 2 workers (two runs; pages each: {' + '.join(map(str, result.two_worker_split))}; {result.two_worker_collisions} lost claims) | {_runs(result.two_workers_s, n)} | | |",
        f"| 2 workers ÷ 1 worker (sums of the runs) | **{one / two:.2f}×** | ≥ {TARGET_WORKER_SPEEDUP}× | {verdict(one / two >= TARGET_WORKER_SPEEDUP)} |",
        f"| Worker peak RSS: {n} pages / 5 MB page after {MEMORY_EXTRA_ARTICLES} | {result.scaling_rss_mb:.0f} MB / **{result.big_rss_mb:.0f} MB** | < {TARGET_RSS_MB:.0f} MB | {verdict(peak < TARGET_RSS_MB)} |",
        *_light(result),
    ]  # fmt: skip
    return [*rows, "", *_notes(result), ""]


def _off_target(result: SuiteResult) -> str:
    if result.weight == TARGET_WEIGHT:
        return ""
    return f" (weight {result.weight}: not the target's corpus)"


def _light(result: SuiteResult) -> list[str]:
    """The row of step 1 on light pages, when it ran (or why it did not)."""
    if result.light_skipped:
        return [
            f"| Light pages (weight {LIGHT_WEIGHT}) | not measured: {result.light_skipped} | | |"
        ]
    if not result.light_bare_s:
        return []
    n, bare, pipeline = result.pages, result.light_bare_s, result.light_pipeline_s
    side = "within" if pipeline / bare <= TARGET_PIPELINE_RATIO else "over"
    return [
        f"| Light pages (weight {LIGHT_WEIGHT}): bare {bare:.2f} s, {n / bare:.1f} pages/s; pipeline {pipeline:.2f} s, {(pipeline - bare) / n * 1000:.1f} ms a page over bare | pipeline ÷ bare **{pipeline / bare:.3f}×** | (none: the target is read at weight {TARGET_WEIGHT}) | {side} {TARGET_PIPELINE_RATIO}× |"
    ]  # fmt: skip


def _runs(seconds: list[float], pages: int) -> str:
    return (
        " + ".join(f"{s:.2f} s" for s in seconds)
        + f", {pages * len(seconds) / sum(seconds):.1f} pages/s"
    )


def _outcomes(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()))


def _notes(result: SuiteResult) -> list[str]:
    phases = dict(result.background)
    if result.light_bare_s:
        phases["light pages"] = result.light_background
    background = ", ".join(f"{phase} {cores:.2f}" for phase, cores in phases.items())
    shares = ", ".join(f"{k} {v:.0%}" for k, v in result.worker_cpu_share.items())
    notes = [
        f"- Pipeline CPU (this process) {result.pipeline_cpu_s:.2f} s of {result.pipeline_s:.2f} s"
        f" wall; the demo server's process used {result.server_cpu_s:.2f} s of CPU meanwhile.",
        f"- Cores kept busy by other processes on the machine (most): {background}.",
        f"- Worker CPU ÷ wall (least): {shares}. Peak RSS is VmHWM; the workers' raw "
        f"ru_maxrss (it can carry the parent's peak over the fork) reads up to "
        f"{result.ru_maxrss_mb:.0f} MB.",
        f"- {result.stored} articles stored, {result.extracted} extracted; the 5 MB page: "
        f"{result.big_outcome}.",
    ]
    return notes + _breakdown(result)


def _breakdown(result: SuiteResult) -> list[str]:
    if not result.breakdown:
        return []
    rows = [
        "",
        "| Pipeline first run, wall time inside | s | calls | ms/call |",
        "|---|---|---|---|",
    ]
    rest = result.pipeline_s - sum(result.breakdown[label][0] for label in OUTER_LABELS)
    rows.append(
        f"| outside the next four: the loop's own queries, waits for the job | {rest:.2f} | | |"
    )
    for label, (seconds, calls) in result.breakdown.items():
        per_call = seconds / calls * 1000 if calls else 0.0
        rows.append(f"| {label} | {seconds:.2f} | {calls} | {per_call:.2f} |")
    return rows


def machine() -> str:
    load = Path("/proc/loadavg").read_text().split()[0]
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"Linux {platform.release()}, Python {platform.python_version()}, load {load} at start"
    )


# --- Main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="digestcms ingestion benchmark.")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--breakdown", action="store_true", help="Also time the pipeline's parts (wrappers)."
    )
    parser.add_argument(
        "--no-prefetch",
        action="store_true",
        help="Run the extract_articles loop as `extract_articles --no-prefetch` does.",
    )
    parser.add_argument(
        "--weight",
        type=weight_arg,
        default=TARGET_WEIGHT,
        help=f"Pages N times as heavy around the article (bench/corpus.py); {TARGET_WEIGHT}, "
        f"the default, is the corpus the targets are read on. Unless it is {LIGHT_WEIGHT}, "
        f"the pipeline's ratio is also measured on weight-{LIGHT_WEIGHT} (light) pages.",
    )
    return parser.parse_args(argv)


def weight_arg(value: str) -> int:
    """argparse type of --weight (bench/ingest_ab.py uses it too)."""
    weight = int(value)
    if weight < 1:
        raise argparse.ArgumentTypeError("the weight is a whole number from 1 up")
    return weight


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    header = f"Ingestion benchmark — {machine()}"
    with tempfile.TemporaryDirectory(prefix="digestcms-bench-") as tmp:
        corpus = build_corpus(
            Path(tmp) / "corpus", feeds=args.feeds, articles=args.articles, weight=args.weight
        )
        server, conn, port = start_server(corpus)
        try:
            results = [measure(db, corpus, port, server.pid, args) for db in databases]
        finally:
            conn.send("stop")
            server.join(timeout=10)
        if args.weight != LIGHT_WEIGHT:
            measure_light(results, args, Path(tmp) / "light")
    print(f"\n{header}\n")
    for result in results:
        print("\n".join(table(result)))


if __name__ == "__main__":
    main()
