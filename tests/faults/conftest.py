"""Databases for fault tests: a migrated SQLite file or PostgreSQL database per test.

Children (workers, web servers) are real processes, so the database must be committed and
reachable from outside this process: pytest-django's per-test transaction cannot be used.
Each backend is migrated once per session into a template; each test gets a copy.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faults import helpers


@dataclass
class Database:
    """One test's database and the environment a child process needs to use it."""

    kind: str  # "sqlite" or "postgres"
    var_dir: Path
    sqlite_path: Path | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def env(self, settings: str = "digestcms.settings.test", **extra: str) -> dict[str, str]:
        return helpers.django_env(
            settings,
            var_dir=self.var_dir,
            sqlite_path=self.sqlite_path,
            database_url=self.url,
            **(self.extra | extra),
        )


@pytest.fixture(scope="session")
def sqlite_template() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="faults-sqlite-"))
    path = folder / "template.sqlite3"
    helpers.migrate(helpers.django_env(var_dir=folder, sqlite_path=path))
    yield path
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database on the machine's PostgreSQL (127.0.0.1:5432), dropped at the end."""
    if why := helpers.pg_answers(helpers.SHARED_POSTGRES):
        pytest.skip(f"PostgreSQL does not answer at {helpers.SHARED_POSTGRES}: {why}")
    name = helpers.unique_name("faults_tpl")
    url = helpers.pg_create(helpers.SHARED_POSTGRES, name)
    folder = Path(tempfile.mkdtemp(prefix="faults-pgvar-"))
    try:
        helpers.migrate(helpers.django_env(var_dir=folder, database_url=url))
        yield name
    finally:
        helpers.pg_drop(helpers.SHARED_POSTGRES, name)
        shutil.rmtree(folder, ignore_errors=True)


def sqlite_database(template: Path, tmp_path: Path) -> Database:
    var = tmp_path / "var"
    var.mkdir()
    path = helpers.copy_sqlite(template, tmp_path / "db.sqlite3")
    return Database("sqlite", var, sqlite_path=path)


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path) -> Database:
    return sqlite_database(sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> Iterator[Database]:
    """The test runs once on a SQLite file and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_database(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    template = request.getfixturevalue("postgres_template")
    name = helpers.unique_name("faults")
    url = helpers.pg_create(helpers.SHARED_POSTGRES, name, template=template)
    var = tmp_path / "var"
    var.mkdir()
    try:
        yield Database("postgres", var, url=url)
    finally:
        helpers.pg_drop(helpers.SHARED_POSTGRES, name)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[helpers.PrivatePostgres]:
    """A private cluster this module may stop and start; skipped (saying why) when impossible."""
    if why := helpers.PrivatePostgres.unavailable():
        pytest.skip(why)
    cluster = helpers.PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
    except (RuntimeError, OSError) as error:
        cluster.destroy()
        pytest.skip(f"could not start a private PostgreSQL cluster: {error}")
    try:
        yield cluster
    finally:
        cluster.destroy()
