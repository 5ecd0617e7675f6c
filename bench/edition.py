"""A whole edition drafted from the database: selection + drafting + writes (issue 4).

    .venv/bin/python bench/edition.py [--sizes 100,1000,10000]

bench/drafting.py times the extractive drafter alone; this times what `draft_digest` does:
select the edition's candidates (window, placements, relevance, near-duplicate stories,
caps, numbering), draft, and store the digest and its article list, on a fresh SQLite
database per size. Articles come from bench/drafting.py's synthesiser.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAY = date(2026, 11, 22)
TARGET_SECONDS = 5.0


def build(n: int):
    from bench.drafting import synthesise
    from digests.models import Perspective, Placement, Topic, TopicFeed
    from sources.models import Article, ArticleFeed, Feed, Source

    topic = Topic.objects.create(
        slug="us-china",
        name="US vs China",
        keywords="China\nUnited States\nU.S.\nBeijing\nWashington\ntariff\ntrade\nTaiwan",
    )
    sides = {
        slug: Perspective.objects.create(topic=topic, slug=slug, name=slug, order=i)
        for i, slug in enumerate(["us", "china"])
    }
    feed = Feed.objects.create(url="http://feeds.example.com/bench.xml")
    TopicFeed.objects.create(topic=topic, feed=feed)
    outlets = {}
    for item in synthesise(n):
        key = (item.perspective, item.outlet)
        if key not in outlets:
            source = Source.objects.create(domain=f"outlet{len(outlets)}.example", name=item.outlet)
            Placement.objects.create(
                topic=topic, source=source, perspective=sides[item.perspective], origin="editor"
            )
            outlets[key] = source
    end = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    articles = [
        Article(
            url=f"http://example.com/a/{item.number}",
            link=f"http://example.com/a/{item.number}",
            title=item.title,
            text=item.text,
            language=item.language,
            source=outlets[(item.perspective, item.outlet)],
            published_at=end - timedelta(minutes=1 + item.number * 1000 // n),
        )
        for item in synthesise(n)
    ]
    Article.objects.bulk_create(articles, batch_size=1000)
    ArticleFeed.objects.bulk_create(
        [
            ArticleFeed(article_id=pk, feed=feed)
            for pk in Article.objects.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    return topic


def run(n: int) -> float:
    from django.core.management import call_command

    from digests import services

    call_command("flush", interactive=False, verbosity=0)
    topic = build(n)
    started = time.perf_counter()
    digest = services.digest_draft(topic=topic, edition_date=DAY).digest
    seconds = time.perf_counter() - started
    listed = digest.entries.filter(included=True).count()
    print(f"{n:>9,} {seconds:>9.2f} {n / seconds:>11,.0f} {listed:>7}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        os.environ["DIGESTCMS_SQLITE_PATH"] = str(Path(tmp) / "edition.sqlite3")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(
            f"{'articles':>9} {'seconds':>9} {'articles/s':>11} {'listed':>7}   (SQLite, one core)"
        )
        times = {n: run(n) for n in sizes}
    for small, large in zip(sizes, sizes[1:], strict=False):
        bound = large * math.log(large) / (small * math.log(small))
        print(
            f"t({large})/t({small}) = {times[large] / times[small]:5.1f}   n·log n ratio = {bound:4.1f}"
        )
    if 1000 in times:
        verdict = "PASS" if times[1000] < TARGET_SECONDS else "FAIL"
        print(f"{verdict}: a 1,000-article edition drafts in {times[1000]:.2f} s (target < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
