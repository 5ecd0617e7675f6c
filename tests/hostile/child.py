"""The corpus run in processes of their own, for an honest peak-memory figure.

``python -m tests.hostile.child measure RESULT -- CMD…`` runs each command (``;;`` between
commands) as its own child and writes their exit codes and peak RSS (``wait4``, and
``getrusage(RUSAGE_CHILDREN)`` of this small process) to RESULT. Measuring from here, not
from pytest, matters: Linux carries a parent's RSS into a child's ``ru_maxrss`` across
fork+exec, so a child of a 300 MB pytest would report 300 MB before doing anything.

``python -m tests.hostile.child run SPEC RESULT``: what ``manage.py fetch_feeds --all`` then
``manage.py extract_articles --retry-failed`` do, in one process (as a long-lived worker
would), with one test hook: ``*.test`` host names resolve to the loopback servers the parent
test runs. The database is whatever the environment names (a temporary SQLite file).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PEAKS: list[float] = []


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    PEAKS.append(peak)
    return peak


def measure(result_path: str, argv: list[str]) -> int:
    commands, current = [], []
    for arg in argv:
        if arg == ";;":
            commands.append(current)
            current = []
        else:
            current.append(arg)
    commands.append(current)
    report = []
    for command in commands:
        start = time.monotonic()
        process = subprocess.Popen(command)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        report.append(
            {
                "command": command[-3:],
                "returncode": process.returncode,
                "peak_mb": usage.ru_maxrss / 1024,
                "seconds": time.monotonic() - start,
            }
        )
        if process.returncode:
            break
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    Path(result_path).write_text(json.dumps({"runs": report, "children_peak_mb": children}))
    return 0


def run(spec_path: str, result_path: str) -> None:
    _peak_mb()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestcms.settings.test")
    import django

    django.setup()
    from django.conf import settings

    from sources import fetching
    from sources.models import Article, Feed
    from tests.hostile import run as corpus_run
    from tests.hostile.corpus import Case
    from tests.hostile.server import loopback_resolver

    spec = json.loads(Path(spec_path).read_text())
    settings.DIGESTCMS_FETCH_DEADLINE = spec["deadline"]
    settings.DIGESTCMS_ALLOW_PRIVATE_FETCH = True
    settings.DIGESTCMS_HOST_DELAY = 0.0
    fetching.resolve = loopback_resolver
    _peak_mb()
    cases = [
        Case(
            name=f["name"],
            category="",
            what="",
            feed_url=f["url"],
            extract_only=tuple(f["extract_only"]) if f["extract_only"] is not None else None,
        )
        for f in spec["feeds"]
    ]
    start = time.monotonic()
    feed_ids = corpus_run.register(cases)
    outputs = corpus_run.ingest(cases, feed_ids, after_fetch=_peak_mb)
    statuses = {
        status: Article.objects.filter(extraction_status=status).count()
        for status in Article.Extraction.values
    }
    result = {
        "seconds": time.monotonic() - start,
        "fetch": outputs.fetch,
        "extract": outputs.extract,
        "marked": outputs.marked,
        "articles": Article.objects.count(),
        "failed_feeds": Feed.objects.filter(consecutive_failures__gt=0).count(),
        "statuses": statuses,
        "peak_at_start_mb": PEAKS[0],
        "peak_after_setup_mb": PEAKS[1],
        "peak_after_fetch_mb": PEAKS[2],
        "peak_mb": _peak_mb(),
    }
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        sys.exit(measure(sys.argv[2], sys.argv[4:]))  # argv[3] is "--"
    run(sys.argv[2], sys.argv[3])
