"""/healthz/: database, broker and feed freshness as JSON, 200 or 503, never cached."""

import json
import os
import socket
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_feed

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture(autouse=True)
def _orm_broker(settings):
    settings.REDIS_URL = ""
    settings.DIGESTCMS_HEALTH_MAX_FETCH_AGE = 6 * HOUR


def healthz(**headers):
    response = Client().get("/healthz/", **headers)
    return response, json.loads(response.content)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_with_no_feeds_yet():
    response, body = healthz()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "broker": "orm"}
    assert body["checks"]["feeds"] == {"ok": True, "note": "no feeds yet"}


def test_never_cached():
    response, _ = healthz()
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_a_recent_successful_fetch_is_healthy():
    make_feed(last_succeeded_at=timezone.now() - timedelta(minutes=20))
    response, body = healthz()
    assert response.status_code == 200
    assert body["checks"]["feeds"]["ok"] is True
    assert 1100 < body["checks"]["feeds"]["age_seconds"] < 1300


def test_a_stale_last_fetch_fails():
    make_feed(last_succeeded_at=timezone.now() - timedelta(hours=7))
    make_feed("http://example.com/other.xml", last_succeeded_at=timezone.now() - timedelta(hours=9))
    response, body = healthz()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["feeds"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_the_freshness_limit_is_a_setting(settings):
    make_feed(last_succeeded_at=timezone.now() - timedelta(hours=7))
    settings.DIGESTCMS_HEALTH_MAX_FETCH_AGE = 8 * HOUR
    assert healthz()[0].status_code == 200


def test_one_fresh_feed_is_enough_and_inactive_feeds_do_not_count():
    make_feed(last_succeeded_at=timezone.now() - timedelta(days=3))
    make_feed("http://example.com/b.xml", last_succeeded_at=timezone.now() - timedelta(hours=1))
    make_feed("http://example.com/old.xml", active=False)
    assert healthz()[0].status_code == 200


def test_new_feeds_get_time_for_their_first_fetch_but_not_forever():
    feed = make_feed()
    response, body = healthz()
    assert response.status_code == 200
    assert body["checks"]["feeds"]["note"] == "no successful fetch yet"
    feed.created_at = timezone.now() - timedelta(hours=7)
    feed.save()
    assert healthz()[0].status_code == 503


def test_redis_that_does_not_answer_fails_quickly_and_keeps_its_address_secret(settings):
    settings.DIGESTCMS_HEALTH_TIMEOUT = 0.5
    settings.REDIS_URL = f"redis://:hunter2-secret@127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    response, body = healthz()
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert body["checks"]["broker"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True
    text = response.content.decode()
    assert "hunter2" not in text and "127.0.0.1" not in text


@pytest.mark.redis
def test_redis_that_answers_is_healthy(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: no Redis to ping")
    settings.REDIS_URL = url
    response, body = healthz()
    assert response.status_code == 200
    assert body["checks"]["broker"] == {"ok": True, "broker": "orm", "redis": True}


def test_plain_http_probe_is_not_redirected_in_production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    assert Client().get("/healthz/").status_code == 200
    assert Client().get("/search/").status_code == 301


def test_head_works_and_writes_are_refused():
    assert Client().head("/healthz/").status_code == 200
    assert Client().post("/healthz/").status_code == 405


def test_a_probe_can_ask_for_some_checks_only():
    make_feed(last_succeeded_at=timezone.now() - timedelta(days=2))
    response, body = healthz(QUERY_STRING="checks=database,broker")
    assert response.status_code == 200
    assert set(body["checks"]) == {"database", "broker"}
    assert healthz(QUERY_STRING="checks=feeds")[0].status_code == 503
    response, body = healthz(QUERY_STRING="checks=database,<script>")
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
