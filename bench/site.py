"""Public site under load: gunicorn with 2 workers on loopback, measured by wrk (issue 6).

    .venv/bin/python bench/site.py [--seconds 10] [--connections 50] [--loader wrk|python]

A throwaway SQLite database gets realistic published data through the project's own
workflow (`digests.workflow.digest_publish`): two topics, 60 daily editions of one over two
months (September and October 2026) and 14 of the other, 20 cited articles each, bullets
citing them. `collectstatic` writes whitenoise's hashed, compressed files to a temporary
STATIC_ROOT. gunicorn then serves it all (settings: bench/settings.py, production's
choices over plain HTTP) twice: page cache on, and off (`DIGESTCMS_PAGE_CACHE=0`).

Each run checks every URL answers 200, then measures them one at a time, each page after a
second of warm-up: the static file (the stylesheet, as whitenoise serves it), the digest
page, the static file, the topic archive, the static file, the site-wide Atom feed, the
static file (with the cache off, the static file only first and last). A page's ratio is
against the mean of the static runs just before and after it, so a neighbour's busy minute
hits both sides alike; gunicorn's CPU time per request, also printed, does not depend on
what else runs. wrk runs as
`wrk -t2 -c50 -d10s --timeout 30s --latency URL` and shares the machine's cores with
gunicorn; without wrk a small asyncio load generator stands in.

Targets: the digest page at ≥ 50% of the static file's rate with caching on, ≥ 10% with it
off; p99 latency under 50 ms at 50 connections (judged with caching on, as deployed).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

END = date(2026, 10, 31)  # fixed, so /<topic>/ always shows a full month (October)
SECOND_TOPIC_DIGESTS = 14
TARGET_CACHED_RATIO = 0.50
TARGET_UNCACHED_RATIO = 0.10
TARGET_P99_MS = 50.0
WARMUP_SECONDS = 1
STATIC_NAME = "digests/digest.css"


# --- Realistic data -----------------------------------------------------------------------

OUTLETS = {
    "us": [
        ("reuters.com", "Reuters"),
        ("apnews.com", "Associated Press"),
        ("nytimes.com", "The New York Times"),
        ("washingtonpost.com", "The Washington Post"),
        ("bloomberg.com", "Bloomberg"),
        ("cnn.com", "CNN"),
        ("wsj.com", "The Wall Street Journal"),
        ("politico.com", "Politico"),
        ("npr.org", "NPR"),
        ("cnbc.com", "CNBC"),
        ("foxnews.com", "Fox News"),
        ("axios.com", "Axios"),
    ],
    "china": [
        ("news.cn", "Xinhua"),
        ("news.cgtn.com", "CGTN"),
        ("chinadaily.com.cn", "China Daily"),
        ("globaltimes.cn", "Global Times"),
        ("people.cn", "People's Daily"),
        ("scmp.com", "South China Morning Post"),
        ("caixinglobal.com", "Caixin Global"),
        ("ecns.cn", "ECNS"),
        ("81.cn", "China Military Online"),
        ("newsus.cgtn.com", "CGTN America"),
    ],
}
SUBJECTS = [
    "Beijing",
    "Washington",
    "The Commerce Department",
    "China's foreign ministry",
    "The White House",
    "Taiwan's defence ministry",
    "U.S. lawmakers",
    "Chinese exporters",
    "The People's Bank of China",
    "American chipmakers",
    "The Pentagon",
    "China's commerce ministry",
    "Treasury officials",
    "State media",
]
VERBS = [
    "warned against",
    "announced new limits on",
    "pushed back on",
    "signalled fresh talks over",
    "defended",
    "criticised",
    "expanded",
    "tightened",
    "questioned",
    "welcomed",
]
OBJECTS = [
    "export controls on advanced chips",
    "tariffs on electric vehicles",
    "rare-earth shipments",
    "military drills near Taiwan",
    "a planned leaders' summit",
    "student visa rules",
    "soybean purchases",
    "investment screening rules",
    "patrols in the South China Sea",
    "sanctions on drone makers",
    "the yuan's exchange rate",
    "cooperation on fentanyl",
]
TAILS = [
    ", raising concerns among allies in the region",
    " ahead of a new round of trade talks",
    ", according to officials familiar with the matter",
    " as markets weighed the risk of further escalation",
    ", a move analysts called largely symbolic",
    " after weeks of public sparring between the two capitals",
    "",
]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}"


def headline(rng: random.Random) -> str:
    return sentence(rng).split(",")[0].title().replace("'S ", "'s ")


def bullets(rng: random.Random, count: int, numbers: list[int]) -> str:
    lines = []
    for _ in range(count):
        cited = sorted(rng.sample(numbers, k=min(len(numbers), rng.randint(1, 3))))
        lines.append(f"- {sentence(rng)} [{', '.join(map(str, cited))}]")
    return "\n".join(lines)


def google_news_url(rng: random.Random) -> str:
    """A wrapper link like the seed's: long, which is what the source list carries."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return f"https://news.google.com/rss/articles/CBMi{''.join(rng.choices(alphabet, k=240))}?oc=5"


def publish_edition(topic, day: date, *, articles: int, rng: random.Random, publisher):
    """One edition, built as an editor leaves it and published through the workflow."""
    from digests import workflow
    from digests.models import Digest, DigestArticle, DigestSection
    from sources.models import Source
    from tests.factories import make_article, perspective

    sides = {slug: perspective(topic, slug) for slug in ("us", "china")}
    digest = Digest.objects.create(
        topic=topic,
        edition_date=day,
        title=f"{topic.name} News - {day.isoformat()}",
        slug=f"{topic.slug}-{day.isoformat()}",
        status=Digest.Status.IN_REVIEW,
    )
    numbers = {"us": [], "china": []}
    for n in range(1, articles + 1):
        side = "us" if n <= articles // 2 else "china"
        domain, name = rng.choice(OUTLETS[side])
        source = Source.objects.get_or_create(domain=domain, defaults={"name": name})[0]
        url = (
            google_news_url(rng)
            if n % 2
            else f"https://www.{domain}/{day:%Y/%m/%d}/{topic.slug}-story-{n}"
        )
        title = headline(rng)
        article = make_article(url, source=source, title=title)
        DigestArticle.objects.create(
            digest=digest,
            article=article,
            position=n,
            perspective=sides[side],
            relevance=round(rng.uniform(0.3, 0.9), 2),
            cited_title=title,
            cited_url=url,
            cited_outlet=name,
            cited_language="en-US",
            cited_date=day,
        )
        numbers[side].append(n)
    digest.highlights = bullets(rng, 5, list(range(1, articles + 1)))
    digest.save(update_fields=["highlights"])
    for side, cited in numbers.items():
        DigestSection.objects.create(
            digest=digest, perspective=sides[side], body=bullets(rng, rng.randint(4, 6), cited)
        )
    return workflow.digest_publish(digest=digest, user=publisher)


def build_site(digests: int, articles: int) -> dict[str, str]:
    """Fill the database; return the benchmarked paths by kind."""
    from tests.factories import make_publisher, make_topic

    rng = random.Random(6)
    publisher = make_publisher("bench-publisher")
    main = make_topic("us-china", "US vs China")
    second = make_topic("us-china-tech", "US vs China: Technology")
    for topic, count in ((main, digests), (second, SECOND_TOPIC_DIGESTS)):
        for back in range(count - 1, -1, -1):
            publish_edition(
                topic, END - timedelta(days=back), articles=articles, rng=rng, publisher=publisher
            )
    return {
        "digest page": f"/{main.slug}/{END.isoformat()}/",
        "topic archive": f"/{main.slug}/",
        "Atom feed": "/feeds/atom/",
    }


def prepare(workdir: Path, digests: int, articles: int) -> dict[str, str]:
    """Migrate, fill and collect static files in this process (same settings as the server)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    paths = build_site(digests, articles)
    built = time.perf_counter() - started
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((workdir / "static" / "staticfiles.json").read_text())
    paths = {"static file": f"/static/{manifest['paths'][STATIC_NAME]}", **paths}
    print(
        f"Data: {digests} + {SECOND_TOPIC_DIGESTS} published digests (two topics, "
        f"{articles} cited articles each), built in {built:.1f} s; static files collected."
    )
    return paths


# --- The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, workers: int, log: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn", "digestcms.wsgi:application"),
        *("--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)),
        *("--error-logfile", str(log), "--log-level", "warning"),
    ]


class Server:
    """gunicorn in a process group of its own, always stopped on the way out."""

    def __init__(self, command: list[str], env: dict[str, str], port: int):
        self.command, self.env, self.port = command, env, port
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, start_new_session=True
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode} at start-up")
            try:
                get(self.port, "/")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s")

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(wait)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue

    def pids(self) -> list[int]:
        """The master and its workers."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return [master, *map(int, children.read_text().split())]
        except OSError:
            return [master]


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check_and_warm(port: int, paths: dict[str, str]) -> None:
    """Every URL must answer 200 before it is measured; a few requests reach both workers."""
    for kind, path in paths.items():
        for _ in range(8):
            status, body = get(port, path)
            if status != 200:
                raise SystemExit(
                    f"{kind} {path} answered {status}, not 200: {body[:300]!r}; nothing measured"
                )


# --- CPU others used ----------------------------------------------------------------------


def machine_busy_s() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuWatch:
    """Cores used by gunicorn, by the load generator, and by everything else, over a run."""

    def __init__(self, server: Server):
        self.server = server
        self.wall, self.busy = time.perf_counter(), machine_busy_s()
        self.server_s = sum(map(process_cpu_s, server.pids()))
        self.loader_s = children_cpu_s() + time.process_time()

    def cores(self) -> tuple[float, float, float]:
        wall = time.perf_counter() - self.wall
        server = sum(map(process_cpu_s, self.server.pids())) - self.server_s
        loader = children_cpu_s() + time.process_time() - self.loader_s
        others = machine_busy_s() - self.busy - server - loader
        return server / wall, loader / wall, max(0.0, others) / wall


# --- Load generators ----------------------------------------------------------------------


@dataclass
class Load:
    rate: float  # requests/s
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx answers
    errors: int  # socket errors and timeouts
    cores: tuple[float, float, float] = (0.0, 0.0, 0.0)  # server, load generator, others


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(output: str) -> Load:
    def number(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output)
        if match is None:
            if default is None:
                raise SystemExit(f"Cannot read wrk's output ({pattern}):\n{output}")
            return default
        return match.group(1)

    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if p99 is None:
        raise SystemExit(f"wrk printed no 99th percentile:\n{output}")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Load(
        rate=float(number(r"Requests/sec:\s+([\d.]+)")),
        p99_ms=float(p99.group(1)) * UNITS_MS[p99.group(2)],
        requests=int(number(r"(\d+) requests in")),
        bad=int(number(r"Non-2xx or 3xx responses:\s+(\d+)", "0")),
        errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def wrk_command(
    url: str, seconds: int, connections: int, threads: int, script: str | None = None
) -> list[str]:
    # --timeout: an uncached feed waits seconds in gunicorn's queue; wrk's default (2 s)
    # would count it as an error and leave it out of the latencies.
    return [
        *("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"),
        *(("--script", script) if script else ()),
        *("--timeout", "30s", "--latency", url),
    ]


def run_wrk(
    url: str, seconds: int, connections: int, threads: int, script: str | None = None
) -> Load:
    """``script``: a wrk Lua script (bench/load.py's mixed traffic); none for one URL."""
    done = subprocess.run(
        wrk_command(url, seconds, connections, threads, script),
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 60,
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


async def _client(port: int, path: str, stop: float, latencies: list[float], counts: dict):
    """One keep-alive connection, reopened whenever the server closes it (gunicorn's sync
    workers close after every answer)."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    reader = writer = None
    while time.perf_counter() < stop:
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            if re.search(rb"(?i)\r\nconnection:\s*close", head) or not length:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["errors"] += 1
            if writer is not None:
                writer.close()
            writer = None
            continue
        latencies.append(time.perf_counter() - started)
        counts["bad"] += not 200 <= status < 400
    if writer is not None:
        writer.close()


def run_python(port: int, path: str, seconds: int, connections: int) -> Load:
    latencies: list[float] = []
    counts = {"bad": 0, "errors": 0}

    async def main() -> float:
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(
            *(_client(port, path, stop, latencies, counts) for _ in range(connections))
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return Load(len(latencies) / elapsed, p99 * 1000, len(latencies), **counts)


# --- The runs -----------------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    cache: str
    load: Load
    ratio: float  # to the static file's rate, measured just before and just after

    @property
    def cpu_ms(self) -> float:
        """gunicorn's CPU per request (master and workers): what others' load cannot skew."""
        return self.load.cores[0] / self.load.rate * 1000


def measure(server: Server, args, path: str, seconds: int) -> Load:
    url = f"http://127.0.0.1:{server.port}{path}"
    watch = CpuWatch(server)
    if args.loader == "wrk":
        load = run_wrk(url, seconds, args.connections, args.threads)
    else:
        load = run_python(server.port, path, seconds, args.connections)
    load.cores = watch.cores()
    settle(server)
    if load.bad:
        raise SystemExit(f"{url}: {load.bad} answers were not 2xx/3xx; the figures are void")
    if not load.requests:
        raise SystemExit(f"{url}: no request finished in {seconds} s")
    return load


def settle(server: Server, timeout: float = 30.0) -> None:
    """Wait for the requests still queued when the load generator stopped: gunicorn's sync
    workers serve them all (to closed sockets), and they must not slow the next URL."""
    deadline = time.monotonic() + timeout
    last = sum(map(process_cpu_s, server.pids()))
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = sum(map(process_cpu_s, server.pids()))
        if now - last < 0.02:  # under 7% of a core: idle
            return
        last = now


def show(cache: str, kind: str, load: Load) -> None:
    server, loader, others = load.cores
    errors = f", {load.errors} socket errors" if load.errors else ""
    print(
        f"  cache {cache:>3}  {kind:<13} {load.rate:>7.0f} req/s  p99 {load.p99_ms:7.1f} ms"
        f"  cores: gunicorn {server:.2f}, load generator {loader:.2f}, others {others:.2f}"
        f"{errors}",
        flush=True,
    )


def run_server(args, env: dict[str, str], paths: dict[str, str], cache: str, log: Path):
    """One server: the static file before and after the pages, and between them when the
    cache is on (there the digest page's ratio is close to its target; with the cache off it
    is far from it, and the time is better saved)."""
    port = free_port()
    env = {**env, "DIGESTCMS_PAGE_CACHE": "1" if cache == "on" else "0"}
    pages = [kind for kind in paths if kind != "static file"]
    between = cache == "on"
    order = ["static file"]
    for at, page in enumerate(pages, 1):
        order += [page, "static file"] if between or at == len(pages) else [page]
    statics: list[Load] = []
    loads: dict[str, Load] = {}
    with Server(gunicorn_command(port, args.workers, log), env, port) as server:
        check_and_warm(port, paths)
        for kind in order:
            if kind != "static file" or not statics:  # the static file is warm by then
                measure(server, args, paths[kind], WARMUP_SECONDS)
            load = measure(server, args, paths[kind], args.seconds)
            show(cache, kind, load)
            if kind == "static file":
                statics.append(load)
            else:
                loads[kind] = load
    rows = [Row("static file", cache, combined(statics), 1.0)]
    for at, kind in enumerate(pages):
        around = statics[at : at + 2] if between else statics
        rows.append(Row(kind, cache, loads[kind], loads[kind].rate / mean_rate(around)))
    spread = ", ".join(f"{load.rate:.0f}" for load in statics)
    return rows, spread


def mean_rate(loads: list[Load]) -> float:
    return statistics.fmean(load.rate for load in loads)


def combined(loads: list[Load]) -> Load:
    return Load(
        rate=statistics.fmean(load.rate for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        requests=sum(load.requests for load in loads),
        bad=sum(load.bad for load in loads),
        errors=sum(load.errors for load in loads),
        cores=tuple(statistics.fmean(c) for c in zip(*(load.cores for load in loads), strict=True)),
    )


# --- Report -------------------------------------------------------------------------------


def targets(row: Row) -> list[tuple[str, bool]]:
    """The issue's targets this row is judged on: (what, met)."""
    found = []
    if row.kind == "digest page":
        target = TARGET_CACHED_RATIO if row.cache == "on" else TARGET_UNCACHED_RATIO
        found.append((f"≥ {target:.0%} of static", row.ratio >= target))
    if row.cache == "on" and row.kind != "static file":
        found.append((f"p99 < {TARGET_P99_MS:.0f} ms", row.load.p99_ms < TARGET_P99_MS))
    return found


def report(rows: list[Row], spreads: dict[str, str], args, commands: list[str]) -> int:
    print()
    print(
        "| URL | page cache | req/s | p99 ms | ÷ static | gunicorn CPU ms/req "
        "| others' cores | targets |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        judged = "; ".join(f"{what}: {'PASS' if met else 'FAIL'}" for what, met in targets(row))
        print(
            f"| {row.kind} | {row.cache} | {row.load.rate:,.0f} | {row.load.p99_ms:,.1f} "
            f"| {row.ratio:.0%} | {row.cpu_ms:.2f} | {row.load.cores[2]:.2f} | {judged} |"
        )
    print()
    for cache, spread in spreads.items():
        print(f"Static file, cache {cache}: {spread} req/s in turn (its row: the mean, worst p99).")
    print(
        "Each page is divided by the mean of the static runs just before and after it "
        "(cache off: of the first and the last)."
    )
    for command in commands:
        print(f"Command: {command}")
    print(
        f"Machine: {machine()}. The load generator and gunicorn's {args.workers} workers share "
        "these cores; 'others' is what other processes took meanwhile (0.3 or more skews the "
        "rates; gunicorn's CPU per request is not skewed). No answer was other than 2xx/3xx "
        "(the run stops at the first)."
    )
    print(
        f"Targets: digest page ≥ {TARGET_CACHED_RATIO:.0%} of the static file's rate with caching "
        f"on, ≥ {TARGET_UNCACHED_RATIO:.0%} with it off; p99 < {TARGET_P99_MS:.0f} ms at "
        f"{args.connections} connections (pages, caching on; with it off, p99 is shown only)."
    )
    missed = [
        f"{r.kind}, cache {r.cache}: {what}" for r in rows for what, met in targets(r) if not met
    ]
    print("All targets met." if not missed else "Missed: " + "; ".join(missed))
    return 0


def machine() -> str:
    load = Path("/proc/loadavg").read_text().split()[0]
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"Linux {platform.release()}, Python {platform.python_version()}, load {load} at the end"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each measurement (default 10)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers")
    parser.add_argument("--digests", type=int, default=60, help="editions of the main topic")
    parser.add_argument("--articles", type=int, default=20, help="cited articles per digest")
    parser.add_argument("--loader", choices=("wrk", "python"), default=None)
    args = parser.parse_args(argv)
    if args.loader == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (`make wrk` installs Debian's)")
    if args.loader is None:
        args.loader = "wrk" if shutil.which("wrk") else "python"
        if args.loader == "python":
            print(
                "wrk is not installed (`make wrk` installs Debian's): using the Python load "
                "generator instead (asyncio, one process). It is slower than wrk and takes a "
                "core's worth of CPU from the server, so its rates are lower bounds."
            )
    return args


def use_workdir(workdir: Path) -> None:
    """Point this process and the servers it starts at the throwaway database and files."""
    for name in ("DATABASE_URL", "REDIS_URL"):  # SQLite and the file cache, always
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DIGESTCMS_VAR_DIR=str(workdir),
        DIGESTCMS_SQLITE_PATH=str(workdir / "site.sqlite3"),
        STATIC_ROOT=str(workdir / "static"),
        LOG_LEVEL="WARNING",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped
    with tempfile.TemporaryDirectory(prefix="digestcms-site-") as tmp:
        workdir = Path(tmp)
        use_workdir(workdir)
        paths = prepare(workdir, args.digests, args.articles)
        for kind, path in paths.items():
            print(f"  {kind:<13} {path}")
        url = "http://127.0.0.1:PORT/URL"
        loader = (
            " ".join(wrk_command(url, args.seconds, args.connections, args.threads))
            if args.loader == "wrk"
            else f"Python load generator, {args.connections} connections, {args.seconds} s"
        )
        server = " ".join(gunicorn_command(0, args.workers, Path("TMP/gunicorn.log")))
        server = server.replace(f"{ROOT}/", "").replace(str(ROOT), ".")
        commands = [
            " ".join([".venv/bin/python", "bench/site.py", *(argv or sys.argv[1:])]),
            "DJANGO_SETTINGS_MODULE=bench.settings [DIGESTCMS_PAGE_CACHE=0] "
            + server.replace("127.0.0.1:0", "127.0.0.1:PORT"),
            loader,
        ]
        print(f"Load: {loader}, after {WARMUP_SECONDS} s of warm-up per URL")
        rows, spreads = [], {}
        for cache in ("on", "off"):
            log = workdir / f"gunicorn-{cache}.log"
            found, spreads[cache] = run_server(args, dict(os.environ), paths, cache, log)
            rows += found
            if log.exists() and log.read_text().strip():
                print(f"gunicorn's log (cache {cache}):\n{log.read_text().strip()}")
        return report(rows, spreads, args, commands)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted; gunicorn was stopped.")
