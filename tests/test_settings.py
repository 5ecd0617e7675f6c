"""Settings that keep background work and SQLite safe (THREATS.md 8-11)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def settings_in_subprocess(module: str, **env) -> dict:
    """Import a settings module in a fresh interpreter with the given environment."""
    code = (
        "import json, importlib; "
        f"m = importlib.import_module({module!r}); "
        "print(json.dumps({'Q': m.Q_CLUSTER, 'DB': m.DATABASES['default']}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_task_can_never_outlive_its_retry_window():
    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"]
    assert (
        q["timeout"] > settings.DIGESTCMS_FETCH_DEADLINE * 3 + settings.DIGESTCMS_EXTRACT_TIME_LIMIT
    )


def test_failed_tasks_are_not_retried_forever_and_missed_runs_do_not_burst():
    q = settings.Q_CLUSTER
    assert 1 <= q["max_attempts"] <= 3
    assert q["ack_failures"] is True
    assert q["catch_up"] is False


def test_the_orm_broker_by_default_and_redis_when_configured():
    plain = settings_in_subprocess("digestcms.settings.base")
    assert plain["Q"]["orm"] == "default" and "redis" not in plain["Q"]
    with_redis = settings_in_subprocess(
        "digestcms.settings.base", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    assert with_redis["Q"]["redis"] == "redis://127.0.0.1:6379/3" and "orm" not in with_redis["Q"]


def test_database_url_selects_postgresql_through_psycopg():
    config = settings_in_subprocess(
        "digestcms.settings.base", DATABASE_URL="postgres://u:p@db.internal:5432/digests"
    )["DB"]
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"]) == ("db.internal", "digests")


def test_the_default_database_is_sqlite_in_wal_with_immediate_transactions():
    config = settings_in_subprocess("digestcms.settings.base")["DB"]
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.django_db
def test_wal_is_really_on_for_the_sqlite_connection():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only: this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_production_refuses_to_start_without_its_variables():
    code = "import digestcms.settings.prod"
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "must be set in the environment" in result.stderr


def test_trafilatura_imports_with_lxml_6():
    result = subprocess.run(
        [sys.executable, "-c", "import trafilatura, lxml_html_clean; print('ok')"],
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "ok", result.stderr
