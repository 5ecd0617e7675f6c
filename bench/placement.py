"""Placement of 10,000 outlets: target under 5 s (issue 3).

    .venv/bin/python bench/placement.py [--sources 10000] [--db sqlite|postgres]

Builds a fresh database with one topic (United States / China), one feed and N outlets
with one article each (a third known to the registry, a third with a country-code domain,
a third unknown), then times: classifying the outlets' countries, the first placement run
(every placement created) and a re-run (nothing to change).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
PG_URL = "postgres://postgres@127.0.0.1:5432/digestcms_bench_placement"


def setup_django(db: str, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if db == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        subprocess.run(
            [
                "dropdb",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--if-exists",
                PG_URL.rsplit("/", 1)[1],
            ],
            check=True,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_URL.rsplit("/", 1)[1]], check=True
        )
    else:
        os.environ["DIGESTCMS_SQLITE_PATH"] = str(workdir / "placement.sqlite3")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n: int):
    from sources import services as source_services
    from sources.models import Article, ArticleFeed, Source
    from sources.registry import read_registry_file
    from tests.factories import make_feed, make_topic

    source_services.registry_sync()
    known = [e.domain for e in read_registry_file()]
    domains = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            domains.append(f"edition{i}.{known[i % len(known)]}")
        elif kind == 1:
            domains.append(f"outlet{i}.{['cn', 'de', 'jp', 'us', 'hk', 'az'][i % 6]}")
        else:
            domains.append(f"outlet{i}.example.com")
    Source.objects.bulk_create([Source(domain=d, name=d) for d in domains], batch_size=2000)
    feed = make_feed("http://feeds.example.com/bench.xml")
    topic = make_topic(feeds=[(feed, None)])
    sources = list(Source.objects.values_list("pk", "domain"))
    Article.objects.bulk_create(
        [Article(url=f"http://{d}/a", link=f"http://{d}/a", source_id=pk) for pk, d in sources],
        batch_size=2000,
    )
    ArticleFeed.objects.bulk_create(
        [
            ArticleFeed(article_id=pk, feed=feed)
            for pk in Article.objects.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    return topic


def timed(label: str, fn) -> float:
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"  {label:<34} {seconds:7.2f} s   {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(args.db, Path(tmp))
        from digests import services
        from digests.models import Placement
        from sources import services as source_services

        print(f"Building {args.sources} outlets on {args.db} …")
        topic = build(args.sources)
        print(f"Placement of {args.sources} outlets ({args.db}, one topic, 2 perspectives):")
        classify = timed("classify countries (registry, TLD)", source_services.sources_classify)
        first = timed("first placement run", lambda: services.placements_refresh(topics=[topic]))
        again = timed(
            "re-run, nothing to change", lambda: services.placements_refresh(topics=[topic])
        )
        placed = Placement.objects.placed().count()
        total = classify + first
        print(f"  placed {placed}, needs review {Placement.objects.needs_review().count()}")
        verdict = "PASS" if total < TARGET_SECONDS else "FAIL"
        print(
            f"classify + place: {total:.2f} s = {total / TARGET_SECONDS:.2f}× the {TARGET_SECONDS:.0f} s "
            f"target [{verdict}]; re-run {again:.2f} s"
        )


if __name__ == "__main__":
    main()
