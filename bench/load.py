"""Mixed public traffic at 80% of the measured maximum, while a worker ingests and an editor
saves (issue 8).

    .venv/bin/python bench/load.py [--seconds 60] [--share 0.8] [--db sqlite|postgres]
    flock /tmp/bench.lock .venv/bin/python bench/load.py      # what docs/benchmarks.md shows

The site is bench/site.py's: the same throwaway database of published digests (60 + 14
editions, built through the workflow), `collectstatic`, and gunicorn (`-w 2`, sync workers,
bench/settings.py) on loopback. Its pieces are imported from bench/site.py, not copied.
The mix, drawn at random for every request: 60% digest pages (all 74 editions), 20% archive
pages (the home page, both topics' archives and their month pages), 20% feeds (the site's and
both topics' Atom and RSS feeds). Every URL is fetched until both gunicorn workers hold it
before anything is measured, so every answer is a cached page as long as nothing published
changes (the report says whether the public stamp changed during the run).

Others' test suites share the 2-core machine: before step 1 the script waits (up to
`--quiet-wait` seconds) for 5 seconds with under 0.3 cores busy, and prints the cores every
process took during step 2.

Step 1, the highest rate: `wrk -t2 -c50 -d10s --script mix.lua` (the mix as a Lua script
written to the temporary directory) after a 2-second warm-up: the rate at saturation.

Step 2, `--share` (80%) of it for `--seconds` (60), open loop: requests go out on a fixed
schedule (a constant arrival rate) and each is timed from when it was *due*, not from when
it went out. Plain wrk cannot do that: it is closed-loop, so a stalled server also stalls
the load, and the requests that should have gone out meanwhile are never timed (coordinated
omission); wrk2, which fixes it, is not in Debian. So wrk runs a Lua script (rate.lua) that
does what wrk2 does: one connection per thread, each on its own timetable, lateness included
in the latency, the answer's time taken with clock_gettime through LuaJIT's FFI. It uses few
connections (the rate × 4 ms, 14 at 3,300 req/s): wrk reconnects as soon as an answer is in
(gunicorn closes every connection) and that connection then waits for its next turn, and a
sync worker that accepts it waits with it. A Python generator (select.epoll in this process)
does the same when wrk is missing (`--generator python`), connecting only when a request is
due, but at 0.15 ms of CPU a request against wrk's 0.1 it could not hold 3,200 req/s on the
2-core machine (asyncio's, at 0.33 ms, even less). Meanwhile:

- a worker process ingests: `fetch_feeds --all`, then `extract_articles`, then a 1 s pause,
  in a loop (call_command in one long-lived process, as the django-q cluster runs them),
  against a loopback news server of 10 RSS feeds that gain 2 new articles a second between
  them (60-120 KB news pages, bench/corpus.py's), routed with DIGESTCMS_FETCH_ROUTE; the
  feeds belong to the main topic, and one round before the measurements ingests a backlog
  and places the outlets;
- an editor process (a user in the Editor group) saves a draft digest every second through
  `digests.workflow.digest_save_edit` with the version its last save returned, and counts
  saves tried, saved, conflicts and errors. Afterwards the database must show the digest's
  version up by exactly the saves that succeeded, as many edit events and revisions, and the
  last saved text (no lost saves).

Targets: no errors (no answer other than 2xx, no socket error or timeout, no failed save or
ingest), no lost saves, p99 under 100 ms for the cached pages (from the scheduled time).
`--db postgres` runs it all against a fresh database on 127.0.0.1:5432 (user postgres).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import hashlib
import io
import itertools
import math
import multiprocessing
import os
import queue
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import site  # noqa: E402

SPAWN = multiprocessing.get_context("spawn")
TARGET_P99_MS = 100.0
MAX_SECONDS = 10  # the saturation run
MAX_WARMUP_SECONDS = 2
DRAIN_SECONDS = 30  # after the schedule, how long answers may still come
QUIET_CORES = 0.3  # busy cores that count as a quiet machine
MAX_IN_FLIGHT = 5000  # the Python generator sends no more while this many are open ("not sent")
MIX = {"digest page": 60, "archive page": 20, "feed": 20}  # percent of requests
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "digestcms_load"
ROUTED = {"DIGESTCMS_ALLOW_PRIVATE_FETCH": "1", "DIGESTCMS_HOST_DELAY": "0"}
FEED_ITEMS = 20  # items a wire feed lists, newest first
EDITOR = "load-editor"

# Shared counters (one array of integers, written by the children, read for progress).
SAVES_TRIED, SAVES_OK, SAVES_CONFLICT, SAVES_ERROR = range(4)
ROUNDS, NEW_ARTICLES, EXTRACTED, INGEST_FAILED = range(4, 8)


# --- The news wire: feeds that keep gaining articles ----------------------------------------


class Wire:
    """``feeds`` RSS feeds on www.outletNN.example; while live, ``rate`` new articles a second
    between them (round robin). Before that, each already lists ``backlog`` articles."""

    def __init__(self, feeds: int, rate: float, backlog: int):
        from bench import corpus

        self.corpus, self.feeds, self.rate = corpus, feeds, rate
        self.paragraphs = corpus.load_paragraphs()
        self.base = backlog * feeds  # articles published before going live
        self.since: float | None = None
        self.published = self.base
        self.anchor = datetime.now(UTC).replace(microsecond=0)
        self.lock = threading.Lock()
        self.pages: dict[str, bytes] = {}

    def count(self) -> int:
        with self.lock:
            if self.since is not None:
                return self.base + int((time.monotonic() - self.since) * self.rate)
            return self.published

    def control(self, action: str) -> int:
        with self.lock:
            if action == "start" and self.since is None:
                self.base, self.since = self.published, time.monotonic()
            elif action == "stop" and self.since is not None:
                self.published = self.base + int((time.monotonic() - self.since) * self.rate)
                self.since = None
        return self.count()

    def item(self, number: int):
        """Article ``number`` (global): its feed (1-based), its text and the feed item."""
        feed, n = number % self.feeds + 1, number // self.feeds
        rng = random.Random(number)
        body = self.corpus._body_paragraphs(rng, self.paragraphs, feed, n)
        title = self.corpus._headline(rng, feed, n)
        url = f"http://{self.corpus.host_for(feed)}/live/{feed:02d}-{n:05d}.html"
        published = self.anchor + timedelta(seconds=(number - self.base) / self.rate)
        summary = body[0].split(". ")[0] + "."
        return feed, rng, body, self.corpus.Item(url, title, summary, published)

    def feed(self, feed: int) -> bytes:
        total = self.count()
        numbers = [g for g in range(total - 1, -1, -1) if g % self.feeds == feed - 1]
        items = [self.item(g)[3] for g in numbers[:FEED_ITEMS]]
        return self.corpus.rss(feed, items).encode()

    def page(self, url: str) -> bytes | None:
        if url in self.pages:
            return self.pages[url]
        match = re.search(r"/live/(\d+)-(\d+)\.html$", url)
        if not match:
            return None
        number = int(match.group(2)) * self.feeds + int(match.group(1)) - 1
        if number >= self.count():
            return None
        feed, rng, body, item = self.item(number)
        size = rng.randint(60_000, 120_000)
        page = self.corpus.article_page(rng, feed, item, body, size).encode()
        self.pages[url] = page
        return page


class WireHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wire: Wire

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        host = self.headers.get("Host", "").split(":")[0].lower()
        path = self.path.split("?")[0]
        ctype = "text/html; charset=utf-8"
        if path.startswith("/_wire/"):  # the benchmark's own controls
            body, ctype = str(self.wire.control(path[7:])).encode(), "text/plain"
        elif path == "/rss.xml" and (feed := re.fullmatch(r"www\.outlet(\d+)\.example", host)):
            body, ctype = self.wire.feed(int(feed.group(1))), "application/rss+xml"
        else:
            body = self.wire.page(f"http://{host}{path}")
        if body is None:
            return self._send(404, b"not found", "text/plain", "")
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        if etag in self.headers.get("If-None-Match", ""):
            return self._send(304, b"", ctype, etag)
        self._send(200, body, ctype, etag)

    def _send(self, status: int, body: bytes, ctype: str, etag: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Last-Modified", format_datetime(datetime.now(UTC), usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_wire(feeds: int, rate: float, backlog: int, conn) -> None:
    """Process target: serve the wire until the parent sends anything."""
    handler = type("Handler", (WireHandler,), {"wire": Wire(feeds, rate, backlog)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    conn.send(httpd.server_address[1])
    conn.recv()
    httpd.shutdown()


# --- The worker and the editor (processes of their own) ------------------------------------


def child_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


FEEDS_LINE = re.compile(
    r"(\d+) feeds: (\d+) fetched, (\d+) not modified, (\d+) failed, (\d+) busy; (\d+) new"
)
ARTICLES_LINE = re.compile(r"(\d+) articles: (\d+) extracted, (\d+) failed, (\d+) skipped")


def ingest_round() -> dict[str, Any]:
    """`fetch_feeds --all` then `extract_articles`, as the commands print them."""
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    found: dict[str, Any] = {"new": 0, "extracted": 0, "failed": 0, "error": ""}
    try:
        with contextlib.redirect_stderr(err):  # tqdm's bars
            call_command("fetch_feeds", all=True, stdout=out)
            call_command("extract_articles", stdout=out)
    except Exception as exc:  # reported and counted: the run fails on any
        found["error"] = f"{type(exc).__name__}: {exc}"
    text = out.getvalue()
    if feeds := FEEDS_LINE.search(text):
        found["new"] = int(feeds.group(6))
        found["failed"] += int(feeds.group(4))
    if articles := ARTICLES_LINE.search(text):
        found["extracted"] = int(articles.group(2))
        found["failed"] += int(articles.group(3))
    if found["failed"] and not found["error"]:
        found["error"] = " | ".join(line for line in text.splitlines() if "FAILED" in line)
    return found


def ingest_main(env, go, stop, counters, results, pause: float, nice: int) -> None:
    """Process target: one round for the backlog, then rounds while the traffic runs."""
    child_setup(env)
    os.nice(nice)
    backlog = ingest_round()
    results.put(("ingest", "ready", backlog))
    go.wait()
    errors: list[str] = []
    while not stop.is_set():
        found = ingest_round()
        counters[ROUNDS] += 1
        counters[NEW_ARTICLES] += found["new"]
        counters[EXTRACTED] += found["extracted"]
        if found["error"]:
            counters[INGEST_FAILED] += 1
            errors.append(found["error"])
        stop.wait(pause)
    results.put(("ingest", "done", {"errors": errors[:10]}))


def editor_main(env, digest_pk: int, seconds: float, go, stop, counters, results) -> None:
    """Process target: one save a second, each with the version the last one returned."""
    child_setup(env)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from digests import workflow
    from digests.models import Digest

    user = get_user_model().objects.get(username=EDITOR)
    digest = Digest.objects.get(pk=digest_pk)
    version = digest.version
    connection.close()
    results.put(("editor", "ready", {}))
    go.wait()
    started = time.monotonic()
    durations: list[float] = []
    errors: list[str] = []
    last_text = ""
    k = 0
    while not stop.is_set() and (due := started + k) < started + seconds:
        time.sleep(max(0.0, due - time.monotonic()))
        k += 1
        text = f"- Save {k}: Washington and Beijing resumed talks on chip exports [1, 2]"
        counters[SAVES_TRIED] += 1
        began = time.perf_counter()
        try:
            saved = workflow.digest_save_edit(
                digest=digest,
                user=user,
                expected_version=version,
                highlights=text,
                sections={"us": f"- Washington, save {k}, tightened export rules [1]"},
                note=f"load save {k}",
            )
        except workflow.EditConflict as exc:
            counters[SAVES_CONFLICT] += 1
            errors.append(f"save {k}: conflict, version {exc.current_version}")
            version = exc.current_version
        except Exception as exc:  # reported and counted: the run fails on any
            counters[SAVES_ERROR] += 1
            errors.append(f"save {k}: {type(exc).__name__}: {exc}")
        else:
            counters[SAVES_OK] += 1
            version, last_text = saved.version, text
        durations.append(time.perf_counter() - began)
    results.put(("editor", "done", {"durations": durations, "errors": errors, "text": last_text}))


# --- Data for the run -----------------------------------------------------------------------


def traffic_paths() -> dict[str, list[str]]:
    """Every public URL of the mix, by kind."""
    from django.urls import reverse

    from digests.models import Digest, Topic

    digests = Digest.objects.published().select_related("topic").order_by("topic", "edition_date")
    archives = ["/"]
    feeds = [reverse("feed_atom"), reverse("feed_rss")]
    for topic in Topic.objects.order_by("slug"):
        archives.append(reverse("topic_archive", args=[topic.slug]))
        months = digests.filter(topic=topic).dates("edition_date", "month")
        archives += [reverse("topic_month", args=[topic.slug, m.year, m.month]) for m in months]
        feeds += [
            reverse(name, args=[topic.slug]) for name in ("topic_feed_atom", "topic_feed_rss")
        ]
    return {
        "digest page": [d.get_absolute_url() for d in digests],
        "archive page": archives,
        "feed": feeds,
    }


def prepare_run(feeds: int) -> tuple[int, list[str]]:
    """The editor, the draft they edit, and the wire's feeds in the main topic."""
    from django.contrib.auth.models import Group, User

    from digests.models import Digest, DigestSection, Topic, TopicFeed
    from sources.models import Article, Feed
    from tests.factories import perspective

    # The published digests' articles (bench/site.py's) were extracted long ago; their
    # made-up addresses are not on the wire.
    Article.objects.filter(extraction_status=Article.Extraction.PENDING).update(
        extraction_status=Article.Extraction.OK
    )
    editor = User.objects.create_user(EDITOR, password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    topic = Topic.objects.get(slug="us-china")
    day = site.END + timedelta(days=1)
    draft = Digest.objects.create(
        topic=topic,
        edition_date=day,
        title=f"{topic.name} News - {day.isoformat()}",
        slug=f"{topic.slug}-{day.isoformat()}",
        status=Digest.Status.DRAFT,
        highlights="- The first draft [1]",
    )
    for slug in ("us", "china"):
        DigestSection.objects.create(
            digest=draft, perspective=perspective(topic, slug), body=f"- {slug} draft [1]"
        )
    urls = []
    from bench.corpus import host_for

    for n in range(1, feeds + 1):
        feed = Feed.objects.create(url=f"http://{host_for(n)}/rss.xml", title=f"Outlet {n}")
        side = perspective(topic, "us" if n % 2 else "china")
        TopicFeed.objects.create(topic=topic, feed=feed, default_perspective=side)
        urls.append(feed.url)
    return draft.pk, urls


def digest_state(pk: int) -> dict[str, Any]:
    from reversion.models import Version

    from digests.models import Digest

    digest = Digest.objects.get(pk=pk)
    return {
        "version": digest.version,
        "highlights": digest.highlights,
        "edits": digest.events.filter(action="edit").count(),
        "revisions": Version.objects.get_for_object(digest).count(),
    }


def articles_since(moment: datetime) -> tuple[int, int, int]:
    """Articles stored since ``moment``: all, extracted, still pending."""
    from sources.models import Article

    new = Article.objects.filter(created_at__gte=moment)
    ok = new.filter(extraction_status=Article.Extraction.OK).count()
    pending = new.filter(extraction_status=Article.Extraction.PENDING).count()
    return new.count(), ok, pending


# --- Load: the wrk script and the Python generators ----------------------------------------


LUA_KINDS = """local kinds = {{
{kinds}
}}
local weights = {total}

local function pick()  -- a kind by its weight, then one of its URLs
  local r = math.random() * weights
  for k, kind in ipairs(kinds) do
    r = r - kind[1]
    if r < 0 or k == #kinds then
      return k, kind[2][math.random(#kind[2])]
    end
  end
end
"""


def lua_kinds(paths: dict[str, list[str]]) -> str:
    kinds = ",\n".join(
        f"  {{{MIX[kind]}, {{{', '.join(repr(p) for p in paths[kind])}}}}}" for kind in MIX
    )
    return LUA_KINDS.format(kinds=kinds, total=sum(MIX.values()))


def lua_script(paths: dict[str, list[str]]) -> str:
    """Step 1: the mix as fast as wrk's connections go."""
    return f"""-- bench/load.py, step 1: the mixed traffic at saturation
{lua_kinds(paths)}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(7919 * id)
end

function request()
  local _, path = pick()
  return wrk.format("GET", path)
end
"""


LUA_RATE = """-- bench/load.py, step 2: the mix at {rate:.1f} requests/s for {seconds} s, every request
-- timed from when it was due, not from when it went out: wrk2's method in wrk's Lua. Each
-- thread has one connection, so a thread's state is its connection's. A request that waits
-- for its connection goes out late, and its lateness counts. An answer's time is taken at the
-- connection's next delay() call, which wrk makes once the answer is in and it has
-- reconnected (gunicorn closes every connection): an upper bound by a reconnection, without
-- a response() callback, which would copy every body into Lua.
-- wrk reconnects at once and the new connection waits for its next request: a sync worker
-- that accepts it waits too. Few connections keep that wait short (a connection's turn comes
-- every THREADS / RATE s), and after the schedule the threads go on, uncounted, for PAD s,
-- so that no thread's last request queues behind connections that will never send one.
local ffi = require("ffi")
ffi.cdef[[
typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_us()  -- CLOCK_MONOTONIC, as Python's time.monotonic()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end
{kinds}
local RATE, THREADS, START, STOP, PAD = {rate!r}, {threads}, {start}, {stop}, {pad}
local KIND = 10000000  -- histogram key: kind * KIND + latency in 0.1 ms

-- A thread's state; these defaults only serve wrk's own trial call of request().
id, interval, next_due, due, kind, path, sent_at, counted = 1, 1e12, 0, nil, 1, "/", 0, false
planned, sent, answered, window, w_answered, w_over, w_max = 0, 0, 0, -1, 0, 0, 0
hist, lag, service = {{}}, {{}}, {{}}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(104729 * id)
  interval = THREADS * 1000000 / RATE
  next_due = START + (id - 1) * 1000000 / RATE
  local due = next_due
  while due < STOP do  -- this thread's share of the schedule, counted as delay() goes
    planned, due = planned + 1, due + interval
  end
end

local function count(t, key)
  t[key] = (t[key] or 0) + 1
end

local function answer(now)  -- the request in flight has its answer
  if not counted then
    due = nil
    return
  end
  answered = answered + 1
  -- wrk's timers have a millisecond's resolution: a request may go out a little early
  count(hist, kind * KIND + math.max(0, math.floor((now - due) / 100)))
  count(service, math.floor((now - sent_at) / 100))
  local w = math.floor((due - START) / 5000000)  -- progress: a line per thread and 5 s
  if w ~= window then
    if w_answered > 0 then
      io.write(string.format("W %d %d %d %d\\n", window, w_answered, w_over, w_max))
      io.stdout:flush()
    end
    window, w_answered, w_over, w_max = w, 0, 0, 0
  end
  w_answered = w_answered + 1
  if now - due >= 100000 then w_over = w_over + 1 end
  w_max = math.max(w_max, now - due)
  due = nil
end

function delay()
  local now = now_us()
  if due then answer(now) end
  if next_due >= PAD then
    return 3600000  -- the schedule is over: idle until wrk stops
  end
  local wait = next_due - now
  return wait > 0 and math.ceil(wait / 1000) or 0
end

function request()
  if due then  -- wrk asks again when a write must wait (or failed): the same request
    return wrk.format("GET", path)
  end
  kind, path = pick()
  due, next_due = next_due, next_due + interval
  sent_at, counted = now_us(), due < STOP
  if counted then
    count(lag, math.max(0, math.floor((sent_at - due) / 100)))
    sent = sent + 1
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local out = {{}}
  for _, t in ipairs(threads) do
    for key, n in pairs(t:get("hist")) do out[#out + 1] = string.format("H %d %d", key, n) end
    for key, n in pairs(t:get("lag")) do out[#out + 1] = string.format("L %d %d", key, n) end
    for key, n in pairs(t:get("service")) do out[#out + 1] = string.format("V %d %d", key, n) end
    out[#out + 1] = string.format("C %d %d %d", t:get("planned"), t:get("sent"), t:get("answered"))
    if t:get("w_answered") > 0 then
      out[#out + 1] = string.format(
        "W %d %d %d %d", t:get("window"), t:get("w_answered"), t:get("w_over"), t:get("w_max")
      )
    end
  end
  io.write(table.concat(out, "\\n") .. "\\n")
end
"""
LEAD_SECONDS = 1.5  # from starting wrk to the first scheduled request
TAIL_SECONDS = 5  # wrk keeps running this long after the schedule, for the last answers
PAD_SECONDS = 1  # of it, uncounted requests keep every connection busy (see LUA_RATE)
WAIT_PER_CONNECTION = 0.004  # step 2's connections: a connection's turn every 4 ms
GC_FREEZE_HOOK = """# bench/load.py --gc-freeze: what loading the app left behind leaves the collector's reach
import gc


def post_worker_init(worker):
    gc.freeze()
"""
BUCKET = 10_000  # histogram buckets a second: 0.1 ms


def lua_rate_script(paths, rate: float, threads: int, start: float, seconds: int) -> str:
    us = round(start * 1e6)
    return LUA_RATE.format(
        rate=rate,
        seconds=seconds,
        kinds=lua_kinds(paths),
        threads=threads,
        start=us,
        stop=us + seconds * 1_000_000,
        pad=us + round((seconds + PAD_SECONDS) * 1_000_000),
    )


def plan(paths: dict[str, list[str]], count: int, seed: int) -> list[tuple[int, str]]:
    """``count`` requests of the mix: (kind index, path), drawn in advance."""
    rng = random.Random(seed)
    kinds = list(MIX)
    chosen = rng.choices(range(len(kinds)), weights=[MIX[k] for k in kinds], k=count)
    return [(k, rng.choice(paths[kinds[k]])) for k in chosen]


def percentile(histogram: Counter, share: float) -> float:
    """Seconds, from a histogram of 0.1 ms buckets (the bucket's upper edge)."""
    total = sum(histogram.values())
    if not total:
        return math.nan
    rank, seen = max(1, math.ceil(total * share)), 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return (bucket + 1) / BUCKET
    return (max(histogram) + 1) / BUCKET


@dataclass
class OpenLoop:
    """Step 2's results: histograms of 0.1 ms buckets."""

    generator: str
    rate: float
    seconds: float
    planned: int = 0
    sent: int = 0
    answered: int = 0
    bad: int = 0  # answers other than 2xx
    errors: int = 0  # refused, reset, cut short, timed out (wrk's socket errors)
    unanswered: int = 0  # sent, but no answer when the generator stopped
    latency: dict[int, Counter] = field(default_factory=dict)  # by kind, from the due time
    service: Counter = field(default_factory=Counter)  # from the send
    lag: Counter = field(default_factory=Counter)  # send - due
    stamps: set[str] = field(default_factory=set)

    def everything(self) -> Counter:
        return sum(self.latency.values(), Counter())


class Progress:
    """Answers in each 5 s window of the schedule (by due time): a progress line for each."""

    def __init__(self, tick):
        self.tick, self.windows = tick, {}

    def add(self, window: int, answered: int, over: int, worst_us: float) -> None:
        found = self.windows.setdefault(window, [0, 0, 0.0])
        found[0] += answered
        found[1] += over
        found[2] = max(found[2], worst_us)

    def show(self, window: int, errors: int) -> None:
        answered, over, worst = self.windows.get(window, [0, 0, 0.0])
        self.tick(5 * (window + 1), answered / 5, over, worst / 1000, errors)


def wrk_rate(port, paths, rate: float, seconds: int, threads: int, workdir: Path, tick, cores):
    """Step 2 with wrk and LUA_RATE: a constant rate, latency from the scheduled time."""
    start = time.monotonic() + LEAD_SECONDS
    script = workdir / "rate.lua"
    script.write_text(lua_rate_script(paths, rate, threads, start, seconds))
    duration = math.ceil(LEAD_SECONDS + seconds + TAIL_SECONDS)
    url = f"http://127.0.0.1:{port}/"
    command = site.wrk_command(url, duration, threads, threads, str(script))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout])
    reader.start()
    progress, shown, output, phase = Progress(tick), 0, [], 0
    while reader.is_alive() or not lines.empty():
        now = time.monotonic()
        if phase == 0 and now >= start:
            cores.begin(process.pid)
            phase = 1
        elif phase == 1 and now >= start + seconds:
            cores.end()
            phase = 2
        with contextlib.suppress(queue.Empty):
            line = lines.get(timeout=0.1)
            if line.startswith("W "):
                progress.add(*map(int, line.split()[1:]))
            else:
                output.append(line)
        # A thread reports a window once its first request of the next one is answered
        # (the last window, when wrk ends).
        while shown + 1 < seconds // 5 and time.monotonic() > start + 5 * (shown + 2):
            progress.show(shown, 0)
            shown += 1
    if process.wait() != 0:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{''.join(output)[-3000:]}")
    for window in range(shown, seconds // 5):
        progress.show(window, 0)
    return parse_rate(output, rate, seconds, threads)


def parse_rate(output: list[str], rate: float, seconds: int, threads: int) -> OpenLoop:
    result = OpenLoop("wrk", rate, seconds)
    result.latency = {k: Counter() for k in range(len(MIX))}
    histograms = {"L": result.lag, "V": result.service}
    for line in output:
        tag, _, rest = line.strip().partition(" ")
        if tag == "H":
            key, n = map(int, rest.split())
            result.latency[key // 10_000_000 - 1][key % 10_000_000] += n
        elif tag in histograms:
            key, n = map(int, rest.split())
            histograms[tag][key] += n
        elif tag == "C":
            planned, sent, answered = map(int, rest.split())
            result.planned += planned
            result.sent += sent
            result.answered += answered
    text = "".join(output)
    if bad := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text):
        result.bad = int(bad.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    result.errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    result.unanswered = max(0, result.sent - result.answered - result.errors)
    return result


class Engine:
    """The Python stand-in for wrk (when it is missing): requests, each on a new connection
    (gunicorn's sync workers close every one), driven by select.epoll. asyncio's tasks and
    protocols cost twice its CPU a request. An answer is complete when the server closes;
    only its head is kept."""

    def __init__(self, port: int):
        self.address = ("127.0.0.1", port)
        self.epoll = select.epoll()
        self.open: dict[int, list] = {}  # fd -> [socket, kind, due, sent, unsent, head, size]
        self.buffer = bytearray(1 << 18)
        self.errors = 0

    def start(self, kind: int, request: bytes, due: float) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sent = time.monotonic()
        if sock.connect_ex(self.address) not in (0, errno.EINPROGRESS):
            sock.close()
            self.errors += 1
            return
        # On loopback the connection is usually up already: no wait for EPOLLOUT. If it is
        # still connecting (or failed), the poll tells.
        with contextlib.suppress(OSError):
            request = request[sock.send(request) :]
        self.open[sock.fileno()] = [sock, kind, due, sent, request, b"", 0]
        self.epoll.register(sock.fileno(), select.EPOLLOUT if request else select.EPOLLIN)

    def poll(self, timeout: float) -> list[tuple[int, float, float, float, str, bytes]]:
        """Answers completed: (kind, due, sent, done, outcome, public stamp)."""
        finished = []
        for fd, _ in self.epoll.poll(timeout):
            state = self.open[fd]
            sock, got = state[0], -1
            try:
                if state[4]:  # connected (or failed): send the request
                    state[4] = state[4][sock.send(state[4]) :]
                    if not state[4]:
                        self.epoll.modify(fd, select.EPOLLIN)
                    continue
                while (got := sock.recv_into(self.buffer)) > 0:
                    if state[6] < 4096:  # the head, with room to spare
                        state[5] += bytes(self.buffer[: min(got, 4096)])
                    state[6] += got
            except BlockingIOError:
                continue
            except OSError:
                got = -1
            self.epoll.unregister(fd)
            sock.close()
            del self.open[fd]
            outcome, stamp = check_answer(state[5], state[6]) if got == 0 else ("error", b"")
            self.errors += outcome == "error"
            finished.append((state[1], state[2], state[3], time.monotonic(), outcome, stamp))
        return finished

    def close(self) -> int:
        """Abort what is still open; how many were."""
        left = len(self.open)
        for state in self.open.values():
            state[0].close()
        self.open.clear()
        self.epoll.close()
        return left


LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
STAMP = re.compile(rb'(?i)\r\netag:\s*(?:W/)?"([0-9a-f]+)-')


def check_answer(start: bytes, size: int) -> tuple[str, bytes]:
    """("ok" | "bad" | "error", the public stamp from the ETag or b"")."""
    head, found, _ = start.partition(b"\r\n\r\n")
    if not found or not head.startswith(b"HTTP/1."):
        return "error", b""
    length = LENGTH.search(head)
    if length and int(length.group(1)) != size - len(head) - 4:
        return "error", b""  # cut short
    stamp = STAMP.search(head)
    return ("ok" if 200 <= int(head[9:12]) < 300 else "bad"), stamp.group(1) if stamp else b""


def requests_for(port: int, requests: list[tuple[int, str]]) -> list[tuple[int, bytes]]:
    host = f"Host: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    encoded = {path: f"GET {path} HTTP/1.1\r\n{host}".encode() for _, path in set(requests)}
    return [(kind, encoded[path]) for kind, path in requests]


def python_rate(port: int, paths, rate: float, seconds: int, tick, cores) -> OpenLoop:
    """Step 2 without wrk: the same schedule, however many requests are in flight.

    epoll's timeout has a millisecond's resolution, so a request goes out up to ~1 ms after
    its time (the report shows this lateness); its latency counts from its time all the same.
    """
    requests = plan(paths, round(rate * seconds), seed=2)
    result = OpenLoop("python", rate, seconds, planned=len(requests))
    result.latency = {k: Counter() for k in range(len(MIX))}
    engine, planned, progress = Engine(port), requests_for(port, requests), Progress(tick)
    interval, total, i, shown = 1.0 / rate, len(planned), 0, 0
    started = time.monotonic() + 0.05
    drain_until = started + seconds + DRAIN_SECONDS
    cores.begin()
    while True:
        now = time.monotonic()
        if i == total and not cores.found:
            cores.end()
        while i < total and started + i * interval <= now:
            if len(engine.open) >= MAX_IN_FLIGHT:
                i += 1
                continue  # never sent: counted as planned, not sent
            due = started + i * interval
            result.lag[int((time.monotonic() - due) * BUCKET)] += 1
            engine.start(planned[i][0], planned[i][1], due)
            result.sent += 1
            i += 1
        if i == total and (not engine.open or now > drain_until):
            break
        wait = started + i * interval - time.monotonic() if i < total else 0.05
        for kind, due, sent, done, outcome, stamp in engine.poll(max(0.0, wait)):
            if outcome == "error":
                continue
            result.answered += 1
            result.bad += outcome == "bad"
            result.stamps.add(stamp.decode())
            result.latency[kind][int((done - due) * BUCKET)] += 1
            result.service[int((done - sent) * BUCKET)] += 1
            window = int((due - started) // 5)
            progress.add(window, 1, done - due > 0.1, (done - due) * 1e6)
        if shown < seconds // 5 and now > started + 5 * (shown + 1) + 0.5:
            progress.show(shown, engine.errors)
            shown += 1
    for window in range(shown, seconds // 5):
        progress.show(window, engine.errors)
    result.unanswered = engine.close()
    result.errors = engine.errors
    return result


def python_saturate(port: int, paths, seconds: float, connections: int) -> site.Load:
    """Step 1 without wrk: ``connections`` clients, back to back."""
    engine = Engine(port)
    planned = itertools.cycle(requests_for(port, plan(paths, 20_000, seed=1)))
    latencies: Counter = Counter()
    bad = 0
    started = time.monotonic()
    stop = started + seconds
    while True:
        now = time.monotonic()
        while now < stop and len(engine.open) < connections:
            kind, request = next(planned)
            engine.start(kind, request, now)
        if now >= stop and not engine.open:
            break
        for _, _, sent, done, outcome, _ in engine.poll(0.05):
            if outcome != "error":
                bad += outcome == "bad"
                latencies[int((done - sent) * BUCKET)] += 1
    answered = sum(latencies.values())
    return site.Load(
        rate=answered / (time.monotonic() - started),
        p99_ms=percentile(latencies, 0.99) * 1000,
        requests=answered,
        bad=bad,
        errors=engine.errors,
    )


# --- The run --------------------------------------------------------------------------------


def postgres_fresh(*, drop_only: bool = False) -> str:
    """A fresh database for the run (dropped afterwards); its URL."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


class Background:
    """The news wire, the ingest worker and the editor, in processes of their own: started
    (and ready) before anything is measured, released with the traffic, always stopped."""

    def __init__(self, args, draft_pk: int):
        self.args, self.draft_pk = args, draft_pk
        self.counters = SPAWN.Array("q", 8)
        self.go, self.stop, self.results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
        self.processes: list = []
        self.wire_port = 0
        self.backlog: dict[str, Any] = {}
        self._wire = None

    def __enter__(self) -> Background:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        args = self.args
        self._wire, child = SPAWN.Pipe()
        self._spawn("news wire", serve_wire, args.feeds, args.ingest_rate, args.backlog, child)
        self.wire_port = self._wire.recv()
        env = {"DIGESTCMS_FETCH_ROUTE": f"127.0.0.1:{self.wire_port}", **ROUTED}
        shared = (self.go, self.stop, self.counters, self.results)
        self._spawn("ingest worker", ingest_main, env, *shared, args.ingest_pause, args.worker_nice)
        self.backlog = self.receive("ingest", "ready", 300)
        self._spawn("editor", editor_main, {}, self.draft_pk, args.seconds, *shared)
        self.receive("editor", "ready", 120)

    def _spawn(self, name: str, target, *args) -> None:
        process = SPAWN.Process(target=target, args=args, name=name, daemon=True)
        process.start()
        self.processes.append(process)

    def pids(self) -> dict[str, int]:
        return {process.name: process.pid for process in self.processes}

    def wire(self, action: str) -> int:
        """Start or stop publishing; the number of articles published so far."""
        return int(site.get(self.wire_port, f"/_wire/{action}")[1])

    def receive(self, name: str, state: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                who, what, data = self.results.get(timeout=0.5)
            except queue.Empty:
                if dead := [p for p in self.processes if p.exitcode not in (None, 0)]:
                    raise SystemExit(
                        f"The {dead[0].name} died (exit code {dead[0].exitcode}); see above"
                    ) from None
                continue
            if (who, what) != (name, state):
                raise SystemExit(f"Unexpected message from the {who}: {what}")
            return data
        raise SystemExit(f"No '{state}' from the {name} within {timeout:.0f} s")

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.go.set()
        if self._wire is not None:
            with contextlib.suppress(OSError):
                self._wire.send("stop")
        for process in self.processes:
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join(5)


class Cores:
    """Cores used while the schedule ran (begin() to end(), called by the generator): by
    gunicorn, the load generator (wrk, or this process), each background process, and
    everything else on the machine."""

    def __init__(self, server: site.Server, pids: dict[str, int]):
        self.server, self.pids = server, pids
        self.found: dict[str, float] = {}

    def begin(self, generator: int | None = None) -> None:
        self.generator = generator
        self.wall, self.busy, self.start = time.perf_counter(), site.machine_busy_s(), self._cpu()

    def _cpu(self) -> dict[str, float]:
        found = {"gunicorn": sum(map(site.process_cpu_s, self.server.pids()))}
        found["generator"] = (
            site.process_cpu_s(self.generator) if self.generator else time.process_time()
        )
        return found | {name: site.process_cpu_s(pid) for name, pid in self.pids.items()}

    def end(self) -> None:
        wall = time.perf_counter() - self.wall
        now = self._cpu()
        found = {name: (now[name] - self.start[name]) / wall for name in now}
        busy = (site.machine_busy_s() - self.busy) / wall
        self.found = found | {"others": max(0.0, busy - sum(found.values()))}


def wait_for_quiet(limit: float, cores: float = QUIET_CORES) -> str:
    """Up to ``limit`` seconds for 5 quiet seconds (others' test suites share the machine)."""
    deadline, busy = time.monotonic() + limit, math.inf
    while time.monotonic() < deadline:
        before = site.machine_busy_s()
        time.sleep(5)
        busy = (site.machine_busy_s() - before) / 5
        if busy < cores:
            return f"the machine was quiet ({busy:.2f} cores busy over 5 s) before step 1"
        print(f"  the machine is busy ({busy:.2f} cores): waiting …", flush=True)
    return f"the machine stayed busy ({busy:.2f} cores) for {limit:.0f} s; measured anyway"


@dataclass
class Report:
    maximum: site.Load
    target: float
    load: OpenLoop
    cores: dict[str, float]
    saves: dict[str, int]
    save_seconds: list[float]
    lost: int
    checks: list[str]
    ingest: dict[str, int]
    messages: list[str]


def progress_line(counters):
    def tick(at: float, rate: float, over: int, worst_ms: float, errors: int) -> None:
        print(
            f"  {at:3.0f} s  {rate:5.0f} answers/s, {over} over 100 ms, slowest {worst_ms:6.1f} ms"
            + (f", {errors} errors" if errors else "")
            + f" | editor {counters[SAVES_OK]}/{counters[SAVES_TRIED]} saved,"
            f" {counters[SAVES_CONFLICT]} conflicts, {counters[SAVES_ERROR]} errors"
            f" | ingest {counters[ROUNDS]} rounds, {counters[NEW_ARTICLES]} new,"
            f" {counters[EXTRACTED]} extracted, {counters[INGEST_FAILED]} failed",
            flush=True,
        )

    return tick


def run(args, workdir: Path) -> Report:
    site.prepare(workdir, args.digests, args.articles)  # django.setup(), data, static files
    from django.db import connection

    draft_pk, _ = prepare_run(args.feeds)
    paths = traffic_paths()
    connection.close()
    print(
        "Mix: " + ", ".join(f"{MIX[k]}% {k}s ({len(paths[k])} URLs)" for k in MIX) + "; "
        f"the editor edits draft digest {draft_pk}; {args.feeds} wire feeds in us-china.",
        flush=True,
    )
    with Background(args, draft_pk) as background:
        backlog = background.backlog
        print(
            f"News wire on 127.0.0.1:{background.wire_port}: {args.feeds} RSS feeds. The "
            f"worker's first round stored {backlog['new']} backlog articles and extracted "
            f"{backlog['extracted']}" + (f" ({backlog['error']})" if backlog["error"] else "."),
            flush=True,
        )
        port = site.free_port()
        log = workdir / "gunicorn.log"
        command = site.gunicorn_command(port, args.workers, log)
        if args.gc_freeze:
            hook = workdir / "gc_freeze.py"
            hook.write_text(GC_FREEZE_HOOK)
            command += ["--config", str(hook)]
        with site.Server(command, dict(os.environ), port) as server:
            report = measure(args, server, background, paths, workdir, draft_pk)
    if log.exists() and log.read_text().strip():
        report.messages.append(f"gunicorn's log:\n{log.read_text().strip()[-3000:]}")
    return report


def measure_max(args, server: site.Server, paths, workdir: Path) -> site.Load:
    """wrk (or the Python stand-in) at saturation: a warm-up run, then the measured one."""
    script = workdir / "mix.lua"
    script.write_text(lua_script(paths))
    url = f"http://127.0.0.1:{server.port}/"
    for seconds in (MAX_WARMUP_SECONDS, MAX_SECONDS):
        watch = site.CpuWatch(server)
        if args.generator == "wrk":
            load = site.run_wrk(url, seconds, args.connections, args.threads, str(script))
        else:
            load = python_saturate(server.port, paths, seconds, args.connections)
        load.cores = watch.cores()
        site.settle(server)
    return load


def measure(args, server, background: Background, paths, workdir: Path, draft_pk: int) -> Report:
    from django.db import connection
    from django.utils import timezone

    from digests.caching import public_stamp

    messages: list[str] = []
    if background.backlog["error"]:
        messages.append(f"backlog round: {background.backlog['error']}")
    print("Warm-up: every URL, until both gunicorn workers hold it …", flush=True)
    site.check_and_warm(server.port, {p: p for kind in MIX for p in paths[kind]})
    if args.quiet_wait:
        messages.append(wait_for_quiet(args.quiet_wait))

    print(
        f"Step 1, the highest rate: {args.generator} at {args.connections} connections "
        f"({MAX_WARMUP_SECONDS} s warm-up, then {MAX_SECONDS} s) …",
        flush=True,
    )
    maximum = measure_max(args, server, paths, workdir)
    gunicorn, loader, others = maximum.cores
    print(
        f"  {maximum.rate:,.0f} req/s, p99 {maximum.p99_ms:.1f} ms, {maximum.bad} non-2xx, "
        f"{maximum.errors} socket errors; cores: gunicorn {gunicorn:.2f}, {args.generator} "
        f"{loader:.2f}, others {others:.2f}",
        flush=True,
    )
    if maximum.bad or maximum.errors:
        messages.append(f"step 1: {maximum.bad} non-2xx, {maximum.errors} socket errors")

    target = maximum.rate * args.share
    if not args.rate_connections:
        args.rate_connections = max(4, math.ceil(target * WAIT_PER_CONNECTION))
    how = (
        f"wrk -t{args.rate_connections} -c{args.rate_connections} with a constant-rate Lua schedule"
        if args.generator == "wrk"
        else "the Python generator (select.epoll)"
    )
    print(
        f"Step 2: {target:,.0f} req/s ({args.share:.0%}) for {args.seconds} s, open loop "
        f"({how}; latency from each request's scheduled time), while the worker ingests and "
        "the editor saves every second …",
        flush=True,
    )
    before = digest_state(draft_pk)
    stamp = public_stamp()
    began_at = timezone.now()
    connection.close()
    watch = Cores(server, background.pids())
    on_wire = background.wire("start")
    background.go.set()
    tick = progress_line(background.counters)
    if args.generator == "wrk":
        connections = args.rate_connections
        load = wrk_rate(server.port, paths, target, args.seconds, connections, workdir, tick, watch)
    else:
        gc.collect()
        gc.disable()  # no collector pauses inside the measured latencies
        try:
            load = python_rate(server.port, paths, target, args.seconds, tick, watch)
        finally:
            gc.enable()
    if not watch.found:
        watch.end()
    cores = watch.found
    load.stamps |= {f"{stamp:x}", f"{public_stamp():x}"}  # the answers' ETags carry theirs
    background.stop.set()
    edited = background.receive("editor", "done", 60)
    ingested = background.receive("ingest", "done", 300)
    published = background.wire("stop") - on_wire
    counters = background.counters

    after = digest_state(draft_pk)
    new, extracted, pending = articles_since(began_at)
    saves = {
        "tried": counters[SAVES_TRIED],
        "ok": counters[SAVES_OK],
        "conflicts": counters[SAVES_CONFLICT],
        "errors": counters[SAVES_ERROR],
    }
    grew = {key: after[key] - before[key] for key in ("version", "edits", "revisions")}
    text_kept = after["highlights"] == edited["text"] or not saves["ok"]
    lost = max(saves["ok"] - grew["version"], 0 if text_kept else 1)
    checks = [
        f"version {before['version']} → {after['version']}",
        f"edit events +{grew['edits']}",
        f"revisions +{grew['revisions']}",
        "the last saved text stored" if text_kept else "THE LAST SAVED TEXT NOT STORED",
    ]
    for key in ("version", "edits", "revisions"):
        if grew[key] != saves["ok"]:
            messages.append(f"{key}: +{grew[key]} for {saves['ok']} successful saves")
    messages += edited["errors"][:10] + ingested["errors"]
    ingest = {
        "rounds": counters[ROUNDS],
        "published": published,
        "new": new,
        "extracted": extracted,
        "pending": pending,
        "failed": counters[INGEST_FAILED],
    }
    return Report(
        maximum=maximum,
        target=target,
        load=load,
        cores=cores,
        saves=saves,
        save_seconds=edited["durations"],
        lost=lost,
        checks=checks,
        ingest=ingest,
        messages=messages,
    )


# --- Report ---------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def judged(met: bool) -> str:
    return "PASS" if met else "FAIL"


def report(result: Report, args, commands: list[str]) -> int:
    load, maximum = result.load, result.maximum
    everything = load.everything()
    p50, p99 = percentile(everything, 0.50), percentile(everything, 0.99)
    achieved = load.answered / load.seconds
    failures = load.bad + load.errors + load.unanswered + (load.planned - load.sent)
    saves, ingest, cores = result.saves, result.ingest, result.cores
    by_kind = " / ".join(ms(percentile(load.latency[k], 0.99)) for k in range(len(MIX)))
    over = sum(n for bucket, n in everything.items() if bucket >= TARGET_P99_MS * BUCKET / 1000)
    save_ms = sorted(result.save_seconds)
    targets = {
        "rate": load.answered >= 0.99 * load.planned,
        "errors": failures == 0,
        "p99": p99 * 1000 < TARGET_P99_MS,
        "saves": saves["conflicts"] + saves["errors"] == 0 and saves["ok"] > 0,
        "lost saves": result.lost == 0
        and not [m for m in result.messages if "successful saves" in m],
        "ingest": ingest["failed"] == 0 and ingest["extracted"] > 0,
    }
    stamps = len(load.stamps - {""})
    generator = f"wrk, {args.rate_connections} connections" if load.generator == "wrk" else "Python"
    rows = [
        (
            f"Highest rate: the mix at saturation ({args.generator}, {args.connections} "
            f"connections, {MAX_SECONDS} s)",
            f"**{maximum.rate:,.0f} req/s** (p99 {maximum.p99_ms:,.1f} ms; {maximum.bad} "
            f"non-2xx, {maximum.errors} socket errors)",
            "",
            "",
        ),
        (f"Target rate: {args.share:.0%} of it", f"{result.target:,.0f} req/s", "", ""),
        (
            f"Achieved over {args.seconds} s (open loop: {generator})",
            f"**{achieved:,.0f} req/s**: {load.answered:,} answers of {load.planned:,} due",
            "the target",
            judged(targets["rate"]),
        ),
        (
            "Errors: non-2xx / socket errors / unanswered / not sent",
            f"**{load.bad} / {load.errors} / {load.unanswered} / {load.planned - load.sent}**",
            "none",
            judged(targets["errors"]),
        ),
        (
            "Cached pages, latency from the scheduled time: p50 / p99",
            f"**{ms(p50)} / {ms(p99)} ms** (p99.9 {ms(percentile(everything, 0.999))}, max "
            f"{ms(percentile(everything, 1.0))}; {over:,} answers ≥ {TARGET_P99_MS:.0f} ms)",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            judged(targets["p99"]),
        ),
        ("p99: digest pages / archive pages / feeds", f"{by_kind} ms", "", ""),
        (
            "p99 from the send (service time alone); sending late by: p99 / max",
            f"{ms(percentile(load.service, 0.99))} ms; {ms(percentile(load.lag, 0.99))} / "
            f"{ms(percentile(load.lag, 1.0))} ms",
            "",
            "",
        ),
        (
            "Public stamp changes during the run",
            f"{stamps - 1}" + (" (nothing published changed: all cached)" if stamps == 1 else ""),
            "",
            "",
        ),
        (
            "Editor's saves: tried / saved / conflicts / errors",
            f"**{saves['tried']} / {saves['ok']} / {saves['conflicts']} / {saves['errors']}**",
            "no conflict or error",
            judged(targets["saves"]),
        ),
        (
            "Lost saves (the database: " + "; ".join(result.checks) + ")",
            f"**{result.lost}**",
            "none",
            judged(targets["lost saves"]),
        ),
        (
            "Save time: median / max",
            (f"{ms(statistics.median(save_ms))} / {ms(save_ms[-1])} ms" if save_ms else "-"),
            "",
            "",
        ),
        (
            "Articles during the run: on the wire / stored / extracted / left pending",
            f"**{ingest['published']} / {ingest['new']} / {ingest['extracted']} / "
            f"{ingest['pending']}** ({ingest['rounds']} rounds)",
            "",
            "",
        ),
        (
            "Ingest rounds with a failure (failed feed or article, exception)",
            f"**{ingest['failed']}**",
            "none",
            judged(targets["ingest"]),
        ),
        (
            "Cores: gunicorn / generator / worker / editor / news wire / others",
            " / ".join(
                f"{cores[name]:.2f}"
                for name in ("gunicorn", "generator", "ingest worker", "editor", "news wire")
            )
            + f" / {cores['others']:.2f}",
            "",
            "",
        ),
    ]
    print()
    print("| Figure | Result | Target | |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for message in result.messages:
        print(f"Note: {message}")
    for command in commands:
        print(f"Command: {command}")
    print(f"Machine: {site.machine()}.")
    print(GENERATOR_NOTE[load.generator])
    missed = [name for name, met in targets.items() if not met]
    print("All targets met." if not missed else "Missed: " + ", ".join(missed) + ".")
    return 0


GENERATOR_NOTE = {
    "wrk": (
        "Step 2's generator: wrk with a Lua script that keeps wrk2's schedule (wrk2 is not in "
        "Debian): each connection, one per thread, sends on a fixed timetable, and each "
        "request is timed from when it was due, so a stall counts against every request it "
        "delays (plain wrk, closed-loop, would not send them: coordinated omission). About "
        "0.1 ms of CPU a request, on the cores gunicorn uses."
    ),
    "python": (
        "Step 2's generator: Python (select.epoll) in this process, a new connection per "
        "request, each sent when due and timed from then (open loop: no coordinated "
        "omission). About 0.15 ms of CPU a request, on the cores gunicorn uses."
    ),
}


def commands(args, argv: list[str] | None) -> list[str]:
    server = " ".join(site.gunicorn_command(0, args.workers, Path("TMP/gunicorn.log")))
    if args.gc_freeze:
        server += " --config TMP/gc_freeze.py"
    server = server.replace(f"{ROOT}/", "").replace(str(ROOT), ".")
    url = "http://127.0.0.1:PORT/"
    if args.generator == "wrk":
        step1 = site.wrk_command(url, MAX_SECONDS, args.connections, args.threads, "TMP/mix.lua")
        duration = math.ceil(LEAD_SECONDS + args.seconds + TAIL_SECONDS)
        connections = args.rate_connections
        step2 = site.wrk_command(url, duration, connections, connections, "TMP/rate.lua")
        step1, step2 = " ".join(step1), " ".join(step2)
    else:
        step1 = f"Python generator, {args.connections} connections, {MAX_SECONDS} s"
        step2 = "Python open-loop generator"
    argv = argv if argv is not None else sys.argv[1:]
    return [
        " ".join([".venv/bin/python", "bench/load.py", *argv]),
        "DJANGO_SETTINGS_MODULE=bench.settings " + server.replace("127.0.0.1:0", "127.0.0.1:PORT"),
        f"step 1: {step1}",
        f"step 2: {step2} ({args.share:.0%} of step 1's rate for {args.seconds} s)",
        ("worker" + (f" (nice {args.worker_nice})" if args.worker_nice else "") + ": ")
        + "call_command('fetch_feeds', all=True); call_command('extract_articles'); "
        f"a {args.ingest_pause:g} s pause; again (DIGESTCMS_FETCH_ROUTE to the news wire: "
        f"{args.feeds} RSS feeds, {args.ingest_rate:g} new articles a second)",
        "editor: digests.workflow.digest_save_edit(digest=<draft>, user=<an Editor>, "
        "expected_version=<the last save's>, highlights=…, sections={'us': …}) every second",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="the run at --share (60)")
    parser.add_argument("--share", type=float, default=0.8, help="of the highest rate (0.8)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--generator", choices=("wrk", "python"), default=None)
    parser.add_argument("--connections", type=int, default=50, help="step 1's (50)")
    parser.add_argument("--threads", type=int, default=2, help="step 1's wrk threads (2)")
    parser.add_argument(
        "--rate-connections",
        type=int,
        default=0,
        help="step 2's wrk connections (default: the rate × 4 ms, at least 4)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers (2)")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() in each gunicorn worker once the app is loaded (a config hook)",
    )
    parser.add_argument("--digests", type=int, default=60, help="editions of the main topic")
    parser.add_argument("--articles", type=int, default=20, help="cited articles per digest")
    parser.add_argument("--feeds", type=int, default=10, help="the news wire's feeds (10)")
    parser.add_argument(
        "--ingest-rate", type=float, default=2.0, help="new articles a second on the wire (2)"
    )
    parser.add_argument("--backlog", type=int, default=5, help="articles per feed at first")
    parser.add_argument(
        "--ingest-pause", type=float, default=1.0, help="seconds between the worker's rounds"
    )
    parser.add_argument(
        "--worker-nice", type=int, default=0, help="the ingest worker's niceness (0)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=180,
        help="seconds to wait for a quiet machine before step 1 (0: don't)",
    )
    args = parser.parse_args(argv)
    if args.generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (`make wrk` installs Debian's)")
    if args.generator is None:
        args.generator = "wrk" if shutil.which("wrk") else "python"
        if args.generator == "python":
            print(
                "wrk is not installed (`make wrk` installs Debian's): using the Python load "
                "generator, which takes more of the cores from gunicorn (see the note below)."
            )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so every process is stopped
    with tempfile.TemporaryDirectory(prefix="digestcms-load-") as tmp:
        workdir = Path(tmp)
        site.use_workdir(workdir)
        if args.db == "postgres":
            os.environ["DATABASE_URL"] = postgres_fresh()
            print(f"Database: a fresh PostgreSQL database, {os.environ['DATABASE_URL']}")
        else:
            print(f"Database: SQLite (WAL), {os.environ['DIGESTCMS_SQLITE_PATH']}")
        try:
            result = run(args, workdir)
        finally:
            if args.db == "postgres":
                with contextlib.suppress(Exception):
                    postgres_fresh(drop_only=True)
        return report(result, args, commands(args, argv))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted; gunicorn and the other processes were stopped.")
