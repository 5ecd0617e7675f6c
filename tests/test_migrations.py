"""Migrations: every one can be undone and done again, and none is missing for the models.

Each step runs `manage.py` in a process of its own on a database made for the test: a new
SQLite file, and also a new PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="digestcms.settings.test", DIGESTCMS_VAR_DIR=str(tmp_path))
    return env


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    env = clean_env(tmp_path)
    if request.param == "sqlite":
        env["DIGESTCMS_SQLITE_PATH"] = str(tmp_path / "migrations.sqlite3")
        yield env
        return
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: runs when the suite does (DATABASE_URL, as in .ci/run).")
    import psycopg

    db = connection.settings_dict
    server = (
        f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}"
        f":{db['PORT'] or 5432}"
    )
    name = f"digestcms_migrations_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{server}/{name}".replace("postgresql://", "postgres://", 1)
    try:
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_every_migration_is_reversible_and_can_be_applied_again(fresh_database):
    # digests depends on sources, so it goes first; sources zero then undoes the rest.
    steps = [
        ("migrate", "--noinput"),
        ("migrate", "digests", "zero", "--noinput"),
        ("migrate", "sources", "zero", "--noinput"),
        ("migrate", "--noinput"),
    ]
    for step in steps:
        result = manage(fresh_database, *step)
        assert result.returncode == 0, f"manage.py {' '.join(step)}:\n{result.stderr[-3000:]}"
    shown = manage(fresh_database, "showmigrations", "sources", "digests").stdout
    assert "[ ]" not in shown and shown.count("[X]") >= 8, shown


def test_no_model_change_is_missing_a_migration(tmp_path):
    env = clean_env(tmp_path)
    env["DIGESTCMS_SQLITE_PATH"] = str(tmp_path / "unused.sqlite3")
    result = manage(env, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
