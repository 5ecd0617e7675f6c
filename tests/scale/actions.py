"""What the scale test asks of its database, run in a subprocess with Django set up:

    python -m tests.scale.actions setup OPML_FILE
    python -m tests.scale.actions enqueue '[["sources.tasks.fetch_due_feeds"], ...]'
    python -m tests.scale.actions summary

Each prints one JSON object. The test process keeps its own (pytest-django) database, so it
reaches the scale database only through these commands and plain SQL.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta


def setup(opml_file: str) -> dict:
    """Feeds and topics from OPML, as an operator would; a Publisher; the schedules held back.

    The migrations install "Fetch due feeds" (every 5 minutes), "Extract waiting articles"
    (every 15) and "Publish scheduled digests" (every minute), and import_opml one "Draft
    digest" schedule per topic. The test fires each tick itself (enqueueing the very task
    the scheduler would), so the schedules must not fire on their own meanwhile: a second
    "Fetch due feeds" would re-enqueue a feed the killed worker held and hide whether its
    task was retried.
    """
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.utils import timezone
    from django_q.models import Schedule

    from digests.models import Topic
    from tests.scale.tasks import PUBLISHER

    call_command("import_opml", opml_file, verbosity=0)
    held = Schedule.objects.update(next_run=timezone.now() + timedelta(days=1))
    user = User.objects.create_user(PUBLISHER, is_staff=True)
    user.groups.add(Group.objects.get(name="Publisher"))
    return {"topics": dict(Topic.objects.values_list("slug", "pk")), "schedules_held": held}


def enqueue(tasks: str) -> dict:
    from django_q.tasks import async_task

    return {"ids": [async_task(func, *args) for func, *args in json.loads(tasks)]}


def summary() -> dict:
    from django.db.models import Count
    from django_q.models import Task

    from digests.models import Digest, DigestEvent, Topic

    tasks = [
        {
            "func": t.func,
            "args": list(t.args or ()),
            "success": t.success,
            "result": t.result if isinstance(t.result, dict | int | str | None) else repr(t.result),
            "attempts": t.attempt_count,
        }
        for t in Task.objects.all()
    ]
    digests = {
        topic.slug: [
            {
                "status": d.status,
                "drafter": d.drafter,
                "cited": d.entries.filter(included=True, position__isnull=False).count(),
                "sections": [s.body for s in d.sections.all()],
            }
            for d in Digest.objects.filter(topic=topic)
        ]
        for topic in Topic.objects.all()
    }
    publishes = dict(
        DigestEvent.objects.filter(action="publish")
        .values("digest__topic__slug")
        .annotate(n=Count("id"))
        .values_list("digest__topic__slug", "n")
    )
    return {"tasks": tasks, "digests": digests, "publish_events": publishes}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    result = {"setup": setup, "enqueue": enqueue, "summary": summary}[command](*args)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
