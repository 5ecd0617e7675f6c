"""Two checkouts' pipelines against the bare libraries, in alternation (A/B).

    git worktree add /tmp/base <commit>
    .venv/bin/python bench/ingest_ab.py /tmp/base . [--db sqlite|postgres] [--rounds 3] [--weight 2]

bench/ingest.py's first phase only (bare libraries and pipeline, feed by feed, on a fresh
database), run for each checkout in turn, ABBA order, on one corpus and one demo server.
This host's speed moves by up to 40% from minute to minute, so one run of each, minutes
apart, cannot tell a change of a few percent from the weather; alternating several runs
can. Each run is a fresh process that imports the checkout's own code; the corpus, the
server and the comparison (bench/ingest.py's ``compare``) are this checkout's. The other
checkout needs bench/settings.py (from commit 96c6ff4 on; copy it in for older ones) and
shares this checkout's virtualenv. Printed per run: bare and pipeline seconds, the
pipeline process's CPU seconds (wall minus CPU is what it waited for), and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_once(root: str, db: str, corpus: Any, server_pid: int, out: Any) -> None:
    """Process target: the compare phase with ``root``'s code (its env is already set)."""
    sys.path.insert(0, root)
    os.chdir(root)
    sys.modules.pop("bench", None)  # the parent's bench package came from ROOT
    from django.core.management import call_command

    import sources
    from bench import ingest

    for module in (ingest, sources):  # this checkout's code, not the parent's
        assert Path(module.__file__).is_relative_to(root), module.__file__
    ingest.django_setup()
    call_command("migrate", verbosity=0)
    result = ingest.SuiteResult(db=db, command="")
    ingest.compare(result, ingest.Bare(corpus), corpus, server_pid)
    out.put((result.bare_s, result.pipeline_s, result.pipeline_cpu_s))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("roots", nargs=2, help="the two checkouts, A then B")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=20)
    sys.path.insert(0, str(ROOT))
    from bench import ingest
    from bench.corpus import build_corpus

    parser.add_argument(
        "--weight",
        type=ingest.weight_arg,
        default=ingest.TARGET_WEIGHT,
        help="page weight (bench/ingest.py)",
    )
    args = parser.parse_args(argv)
    roots = [str(Path(root).resolve()) for root in args.roots]

    ratios: dict[str, list[float]] = {root: [] for root in roots}
    with tempfile.TemporaryDirectory(prefix="digestcms-ab-") as tmp:
        corpus = build_corpus(
            Path(tmp) / "corpus", feeds=args.feeds, articles=args.articles, weight=args.weight
        )
        server, conn, port = ingest.start_server(corpus)
        try:
            for n in range(args.rounds * 2):
                root = roots[(n + n // 2) % 2]  # A B B A A B ...
                ratios[root].append(measure(root, args.db, corpus, port, server.pid, tmp))
        finally:
            conn.send("stop")
            server.join(timeout=10)
    for label, root in zip("AB", roots, strict=True):
        runs = ratios[root]
        print(
            f"{label} {root}: mean {statistics.mean(runs):.3f}, "
            f"runs {', '.join(f'{r:.3f}' for r in runs)}"
        )


def measure(root: str, db: str, corpus: Any, port: int, server_pid: int, tmp: str) -> float:
    from bench import ingest

    if db == "postgres" and (reason := ingest.postgres_reset(create=True)):
        raise SystemExit(reason)
    bare, pipeline, cpu = ingest.run_spawned(
        run_once,
        (root, db, corpus, server_pid),
        db=db,
        port=port,
        workdir=Path(tempfile.mkdtemp(dir=tmp)),
        timeout=1800,
    )
    print(
        f"[{time.strftime('%H:%M:%S')}] {db} {root}: bare {bare:.2f} s, pipeline "
        f"{pipeline:.2f} s (CPU {cpu:.2f} s), ratio {pipeline / bare:.3f}",
        flush=True,
    )
    return pipeline / bare


if __name__ == "__main__":
    main()
