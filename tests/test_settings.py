"""Settings that keep background work and SQLite safe (THREATS.md 8-11)."""

import json
import logging
import os
import secrets
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


def test_the_database_is_the_broker_with_or_without_redis():
    for env in ({}, {"REDIS_URL": "redis://127.0.0.1:6379/3"}):
        q = settings_in_subprocess("digestcms.settings.base", **env)["Q"]
        assert q["orm"] == "default" and "redis" not in q
        assert q["queue_limit"] == q["workers"]  # no cluster hoards what another could run


def test_redis_is_the_broker_only_when_asked_for():
    q = settings_in_subprocess(
        "digestcms.settings.base", REDIS_URL="redis://127.0.0.1:6379/3", DIGESTCMS_Q_BROKER="redis"
    )["Q"]
    assert q["redis"] == "redis://127.0.0.1:6379/3" and "orm" not in q


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


# --- Production (THREATS.md 14) -----------------------------------------------------------

PROD_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def prod_env(**overrides) -> dict:
    """A clean environment with dummy-but-valid production values (nothing is connected to)."""
    unrelated = PROD_REQUIRED + (
        "REDIS_URL",
        "CSRF_TRUSTED_ORIGINS",
        "DIGESTCMS_BEHIND_PROXY",
        "DIGESTCMS_PROXY_COUNT",
        "DIGESTCMS_SSL_REDIRECT",
        "LOG_LEVEL",
        # The browser tests' fixture sets this for Playwright's event loop; a production
        # process never has it (check --deploy refuses it: async.E001).
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    env = {k: v for k, v in os.environ.items() if k not in unrelated}
    env.update(
        DJANGO_SETTINGS_MODULE="digestcms.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="news.example.org",
        DATABASE_URL="postgres://digestcms:pw@db.internal:5432/digestcms",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def prod_setting(expression: str, **env) -> object:
    code = (
        f"import json, digestcms.settings.prod as s; print(json.dumps({expression}, default=str))"
    )
    result = run_python(code, prod_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("missing", PROD_REQUIRED)
def test_production_names_each_missing_variable(missing):
    result = run_python("import digestcms.settings.prod", prod_env(**{missing: None}))
    assert result.returncode != 0
    assert f"{missing} must be set in the environment for production." in result.stderr


def check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy(prod_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_behind_a_proxy_with_redis():
    result = check_deploy(
        prod_env(DIGESTCMS_BEHIND_PROXY="1", REDIS_URL="redis://redis.internal:6379/0")
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_catches_a_weak_secret_key():
    result = check_deploy(prod_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_check_deploy_refuses_to_start_without_the_variables():
    result = check_deploy(prod_env(SECRET_KEY=None, ALLOWED_HOSTS=None, DATABASE_URL=None))
    assert result.returncode != 0
    assert "must be set in the environment for production" in result.stderr


def test_production_is_https_only_with_secure_cookies():
    values = prod_setting(
        "[s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS]"
    )
    assert values == [False, True, 31536000, True, True, ["news.example.org"]]


def test_the_proxy_ssl_header_is_trusted_only_when_asked():
    assert prod_setting("getattr(s, 'SECURE_PROXY_SSL_HEADER', None)") is None
    header = prod_setting("s.SECURE_PROXY_SSL_HEADER", DIGESTCMS_BEHIND_PROXY="1")
    assert header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod_setting("s.DIGESTCMS_PROXY_COUNT", DIGESTCMS_BEHIND_PROXY="1") == 1
    assert prod_setting("s.DIGESTCMS_PROXY_COUNT") == 0


def test_csrf_trusted_origins_come_from_the_environment():
    origins = prod_setting(
        "s.CSRF_TRUSTED_ORIGINS",
        CSRF_TRUSTED_ORIGINS="https://news.example.org, https://admin.example.org",
    )
    assert origins == ["https://news.example.org", "https://admin.example.org"]


def test_redis_is_the_shared_cache_when_configured():
    cache = prod_setting("s.CACHES['default']", REDIS_URL="redis://redis.internal:6379/1")
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://redis.internal:6379/1"
    assert prod_setting("s.CACHES['default']['BACKEND']").endswith("FileBasedCache")


def test_production_logs_one_json_object_per_line_on_stdout():
    code = (
        "import django, logging; django.setup(); "
        "from django.test import RequestFactory; "
        "request = RequestFactory().get('/some/page/'); "
        "logging.getLogger('django.request').warning("
        "'Not Found: %s', request.path, extra={'status_code': 404, 'request': request}); "
        "logging.getLogger('sources.ingest').info('fetched', extra={'feed_id': 7}); "
        "logging.getLogger('sources.ingest').debug('not shown')"
    )
    result = run_python(code, prod_env())
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    not_found, fetched = lines
    assert not_found["level"] == "WARNING" and not_found["logger"] == "django.request"
    assert not_found["message"] == "Not Found: /some/page/"
    assert (not_found["method"], not_found["path"], not_found["status"]) == (
        "GET",
        "/some/page/",
        404,
    )
    assert not_found["time"].endswith("+00:00")
    assert (fetched["logger"], fetched["message"], fetched["feed_id"]) == (
        "sources.ingest",
        "fetched",
        7,
    )


def test_the_json_formatter_reads_gunicorn_access_lines_and_tracebacks():
    from digestcms.logging import JsonLinesFormatter

    formatter = JsonLinesFormatter()
    atoms = {"m": "GET", "U": "/healthz/", "s": "200", "D": 1534, "h": "10.0.0.2"}
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s %(s)s", (atoms,), None
    )
    line = json.loads(formatter.format(access))
    assert line["message"] == "GET /healthz/ 200"
    assert (line["method"], line["path"], line["status"], line["duration_ms"]) == (
        "GET",
        "/healthz/",
        200,
        1.5,
    )
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "it failed", (), sys.exc_info())
    line = json.loads(formatter.format(failed))
    assert "ValueError: boom" in line["exception"]
    assert "\n" not in formatter.format(failed)
