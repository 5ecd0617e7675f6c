"""A test-only task the scale test enqueues: one topic's edition, drafted and scheduled.

It does what the per-topic schedule and then an editor do (draft, submit, schedule the
publishing), and reports which qcluster ran it: each qcluster the test starts leads its own
process group, so the worker's process group names its cluster.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from digests import tasks, workflow
from digests.models import Digest, Topic

PUBLISHER = "scale-publisher"


def draft_and_schedule(topic_id: int) -> dict:
    drafted = tasks.draft_todays_edition(topic_id)
    topic = Topic.objects.get(pk=topic_id)
    digest = Digest.objects.get(topic=topic, edition_date=timezone.localdate(timezone=topic.zone))
    user = User.objects.get(username=PUBLISHER)
    workflow.digest_submit(digest=digest, user=user)
    workflow.digest_publish(digest=digest, user=user, at=timezone.now() + timedelta(seconds=1))
    return {"cluster": os.getpgrp(), "worker": os.getpid(), "drafted": drafted}
