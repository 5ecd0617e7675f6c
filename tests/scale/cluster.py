"""The scale test's machinery: a fresh PostgreSQL database, a Redis database, qcluster processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_DBS = (14, 15)  # kept for this test; a lock says which one a run is using
LOCK_KEY = "digestcms-scale-test-lock"


def postgres_problem() -> str:
    try:
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=2).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL does not answer at 127.0.0.1:5432 as user postgres ({reason})"
    return ""


def redis_problem() -> str:
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at 127.0.0.1:6379 ({exc})"
    return ""


class ScaleDatabase:
    """A PostgreSQL database made for one run (the workers need committed data), then dropped."""

    def __init__(self):
        self.name = f"digestcms_scale_{os.getpid()}"
        self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.conn: psycopg.Connection | None = None

    def connect(self) -> psycopg.Connection:
        self.conn = psycopg.connect(f"{PG_SERVER}/{self.name}", autocommit=True)
        return self.conn

    def value(self, sql: str, *params):
        return self.conn.execute(sql, params).fetchone()[0]

    def rows(self, sql: str, *params) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class ScaleRedis:
    """One of the Redis databases kept for this test, emptied before and after the run."""

    def __init__(self):
        self.url = ""
        self.client: redis.Redis | None = None
        for number in REDIS_DBS:
            client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
            if client.set(LOCK_KEY, os.getpid(), nx=True, ex=900):
                self.url, self.client = f"{REDIS_SERVER}/{number}", client
                self._empty()
                break

    def _empty(self) -> None:
        for key in self.client.scan_iter():
            if key != LOCK_KEY.encode():
                self.client.delete(key)

    def queued(self) -> int:
        """Tasks waiting in django-q2's Redis list (its queue when Redis is the broker)."""
        return sum(self.client.llen(key) for key in self.client.scan_iter("django_q:*:q"))

    def release(self) -> None:
        if self.client is not None:
            self._empty()
            self.client.delete(LOCK_KEY)


def run_manage(env: dict, *args: str, timeout: float = 180) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def run_action(env: dict, *args: str, timeout: float = 120) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.scale.actions", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"actions {args[0]} failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class Cluster:
    """One ``manage.py qcluster``: the leader of its own process group (it forks its workers)."""

    label: str
    env: dict
    log_dir: Path

    def __post_init__(self):
        self.agent = f"digestcms-scale-test/{self.label}"
        self.log_path = self.log_dir / f"qcluster-{self.label}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BASE_DIR,
            env={**self.env, "DIGESTCMS_USER_AGENT": self.agent},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.proc.pid

    def processes(self) -> int:
        count = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            count += fields[0] != "Z" and int(fields[2]) == self.pgid
        return count

    def wait_ready(self, workers: int, timeout: float = 60) -> None:
        """Up when the leader, its sentinel, the workers, the monitor and the pusher all run."""
        deadline = time.monotonic() + timeout
        while self.processes() < workers + 4:
            assert self.proc.poll() is None, f"qcluster {self.label} exited:\n{self.log_tail()}"
            assert time.monotonic() < deadline, f"qcluster {self.label} not up:\n{self.log_tail()}"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the whole group: the cluster gets no chance to hand anything back."""
        os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> None:
        """Ask the cluster to stop (it finishes its running tasks first)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGTERM)

    def stop(self, grace: float = 10) -> None:
        self.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)  # what is left of the group, if anything
        if self.proc.poll() is None:
            self.proc.wait(10)
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]
