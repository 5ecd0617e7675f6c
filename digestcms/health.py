"""/healthz/: is this process able to serve, and is the background work keeping up?

Three cheap checks (the database answers, the task broker answers, some feed was fetched
successfully recently), answered as JSON with 200 or 503 and never cached. Failures name the
kind of error only; the details (hosts, URLs) go to the log, not to whoever asks.
"""

import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.models import OrmQ

from sources.models import Feed

logger = logging.getLogger(__name__)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    """The task queue is readable, and Redis (the shared cache, or the broker) answers a PING."""
    found = {"ok": True, "broker": "redis" if "redis" in settings.Q_CLUSTER else "orm"}
    if settings.REDIS_URL:
        timeout = settings.DIGESTCMS_HEALTH_TIMEOUT
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            client.ping()
        finally:
            client.close()
        found["redis"] = True
    if found["broker"] == "orm":
        OrmQ.objects.using(settings.Q_CLUSTER.get("orm", "default")).exists()
    return found


def check_feeds() -> dict:
    """The newest successful fetch of an active feed is recent; no feeds yet is fine."""
    max_age = timedelta(seconds=settings.DIGESTCMS_HEALTH_MAX_FETCH_AGE)
    now = timezone.now()
    feeds = Feed.objects.active().aggregate(
        last_success=Max("last_succeeded_at"), first_added=Min("created_at")
    )
    if feeds["first_added"] is None:
        return {"ok": True, "note": "no feeds yet"}
    last_success = feeds["last_success"]
    if last_success is None:
        # New feeds get a grace period of one max_age for their first fetch.
        waiting = now - feeds["first_added"]
        return {
            "ok": waiting <= max_age,
            "note": "no successful fetch yet",
            "waiting_seconds": int(waiting.total_seconds()),
            "max_age_seconds": int(max_age.total_seconds()),
        }
    age = now - last_success
    return {
        "ok": age <= max_age,
        "last_success": last_success.isoformat(),
        "age_seconds": int(age.total_seconds()),
        "max_age_seconds": int(max_age.total_seconds()),
    }


CHECKS = {"database": check_database, "broker": check_broker, "feeds": check_feeds}


def run_checks(names=CHECKS) -> dict[str, dict]:
    results = {}
    for name in names:
        check = CHECKS[name]
        try:
            results[name] = check()
        except Exception as error:  # a health check reports failures, it never raises
            logger.warning("Health check %s failed: %r", name, error)
            results[name] = {"ok": False, "error": type(error).__name__}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """All checks, or those named in ?checks=database,broker (a web container's own probe
    should not fail because the workers fell behind; monitoring asks for everything)."""
    wanted = [name for name in request.GET.get("checks", "").split(",") if name]
    unknown = sorted(set(wanted) - set(CHECKS))
    if unknown:
        known = ", ".join(CHECKS)
        return JsonResponse({"status": "fail", "error": f"checks are: {known}"}, status=400)
    checks = run_checks(wanted or CHECKS)
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks},
        status=200 if healthy else 503,
    )
