"""Product-independent tools for fault tests: processes, ports, loopback sites, databases.

Nothing here imports the project: every process under test is a real subprocess
(``manage.py …``, a small Django script, gunicorn) against a real database that the test
prepared, so a SIGKILL, a stopped PostgreSQL or a full disk behaves as it would in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
RESULT = "RESULT:"
SHARED_POSTGRES = os.environ.get(
    "FAULTS_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432"
)
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))


# --- Ports and processes ------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice, so parallel runs differ)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(
    settings: str = "digestcms.settings.test",
    *,
    var_dir: Path,
    sqlite_path: Path | None = None,
    database_url: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment for a child Django process: its own var folder and database.

    ``DATABASE_URL`` and ``REDIS_URL`` of the calling process are dropped, so a child never
    writes to a database (or a cache) the test did not choose.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": settings,
        "DIGESTCMS_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if sqlite_path is not None:
        env["DIGESTCMS_SQLITE_PATH"] = str(sqlite_path)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env |= extra
    return env


def manage(
    *args: str, env: dict[str, str], timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess:
    """Run ``manage.py args…`` to the end; with ``check`` a non-zero exit fails with its output."""
    proc = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def script_source(code: str) -> str:
    """A Django script: setup first, then ``code``; ``result(obj)`` prints the JSON answer."""
    preamble = textwrap.dedent(
        f"""
        import json, os, sys, time
        import django
        django.setup()

        def result(obj):
            print({RESULT!r} + json.dumps(obj, default=str), flush=True)
        """
    )
    return preamble + textwrap.dedent(code)


def run_script(code: str, *, env: dict[str, str], timeout: float = 120):
    """Run a Django script in a fresh process and return what it passed to ``result()``."""
    proc = subprocess.run(
        [PYTHON, "-c", script_source(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"script exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return parse_result(proc.stdout)


def parse_result(stdout: str):
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT)]
    if not lines:
        raise AssertionError(f"the script gave no result; its output:\n{stdout}")
    return json.loads(lines[-1][len(RESULT) :])


class Child:
    """A running subprocess whose output is read by threads (it never blocks on a full pipe)."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path = ROOT):
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: killed together, never our signals
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout, True)),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr, False)),
        ]
        for reader in self._readers:
            reader.daemon = True
            reader.start()

    @classmethod
    def script(cls, code: str, *, env: dict[str, str]) -> Child:
        return cls([PYTHON, "-c", script_source(code)], env=env)

    @classmethod
    def manage(cls, *args: str, env: dict[str, str]) -> Child:
        return cls([PYTHON, "manage.py", *args], env=env)

    def _read(self, stream, into: list[str], announce: bool) -> None:
        for line in stream:
            into.append(line)
            if announce:
                self._lines.put(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return f"--- stdout\n{''.join(self.stdout)}\n--- stderr\n{''.join(self.stderr)}"

    def wait_for_line(self, text: str, timeout: float = 30) -> str:
        """The first stdout line containing ``text``; fails if the process exits or time runs out."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    self.join_readers()
                    raise AssertionError(
                        f"{self.argv[:3]} exited {self.proc.returncode} before printing "
                        f"{text!r}\n{self.output()}"
                    ) from None
                continue
            if text in line:
                return line
        raise AssertionError(f"no {text!r} within {timeout}s\n{self.output()}")

    def kill(self) -> int:
        """SIGKILL the process group (the worker gets no chance to clean up); its exit code."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(10)
        self.join_readers()
        return code

    def terminate(self, timeout: float = 10) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = self.kill()
        self.join_readers()
        return code

    def wait(self, timeout: float = 120) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.argv[:3]} still running after {timeout}s") from None
        self.join_readers()
        return code

    def join_readers(self) -> None:
        for reader in self._readers:
            reader.join(5)

    def result(self):
        return parse_result("".join(self.stdout))


# --- A loopback web site that can hang on chosen paths -------------------------------------


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


class LoopbackSite:
    """A threaded HTTP server on 127.0.0.1 serving ``pages``; paths in ``stall`` hang.

    A request for a stalled path sets ``stalled`` (so the test knows the client is mid-run)
    and waits until ``release()`` before answering. ``hits`` counts requests per path.
    """

    def __init__(self, pages: dict[str, Page] | None = None, stall: set[str] | None = None):
        self.pages: dict[str, Page] = dict(pages or {})
        self.stall: set[str] = set(stall or ())
        self.hits: dict[str, int] = {}
        self.stalled = threading.Event()
        self.stalled_paths: list[str] = []
        self._released = threading.Event()
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.hits[path] = site.hits.get(path, 0) + 1
                    hang = path in site.stall
                if hang:
                    site.stalled_paths.append(path)
                    site.stalled.set()
                    site._released.wait(120)
                page = site.pages.get(path) or Page(b"not here", "text/plain", 404)
                try:
                    self.send_response(page.status)
                    self.send_header("Content-Type", page.content_type)
                    self.send_header("Content-Length", str(len(page.body)))
                    self.end_headers()
                    self.wfile.write(page.body)
                except OSError:
                    pass  # the client was killed while we waited: that is the point

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def release(self) -> None:
        """Stop stalling: hung requests answer now, later ones at once."""
        with self._lock:
            self.stall.clear()
        self._released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def loopback_site(pages=None, stall=None) -> Iterator[LoopbackSite]:
    site = LoopbackSite(pages, stall)
    try:
        yield site
    finally:
        site.close()


# --- HTTP client ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float


def http_get(url: str, timeout: float = 15) -> Answer:
    """GET ``url``; an HTTP error status is an answer too (with its body), not an exception."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept": "text/html,*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    return Answer(status, raw.decode("utf-8", "replace"), headers, time.monotonic() - started)


def wait_for_http(url: str, *, timeout: float = 30, status: int = 200) -> Answer:
    end = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < end:
        try:
            answer = http_get(url, timeout=5)
            if answer.status == status:
                return answer
            last = answer.status
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {last!r})")


# --- Databases -----------------------------------------------------------------------------


def migrate(env: dict[str, str]) -> None:
    manage("migrate", "--noinput", "-v", "0", env=env, timeout=180)


def sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def copy_sqlite(template: Path, target: Path) -> Path:
    """A fresh copy of a migrated (closed, checkpointed) SQLite file."""
    shutil.copyfile(template, target)
    return target


def pg_url(base: str, dbname: str) -> str:
    return f"{base.rstrip('/')}/{dbname}".replace("postgresql://", "postgres://", 1)


def _pg_admin(base: str, sql: str) -> None:
    import psycopg  # the project's driver; imported here so SQLite-only runs never need it

    with psycopg.connect(
        f"{base.rstrip('/')}/postgres".replace("postgres://", "postgresql://", 1),
        autocommit=True,
        connect_timeout=3,
    ) as conn:
        conn.execute(sql)


def pg_answers(base: str) -> str:
    """ "" when PostgreSQL at ``base`` accepts us, else why not."""
    try:
        _pg_admin(base, "SELECT 1")
    except Exception as error:  # any failure means: skip, saying why
        return f"{type(error).__name__}: {error}".strip().splitlines()[0]
    return ""


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def pg_create(base: str, dbname: str, template: str | None = None) -> str:
    """CREATE DATABASE (optionally copying a migrated template); returns its DATABASE_URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    _pg_admin(base, f'CREATE DATABASE "{dbname}"{copy}')
    return pg_url(base, dbname)


def pg_drop(base: str, dbname: str) -> None:
    with contextlib.suppress(Exception):  # best effort: a test failing must not hide behind this
        _pg_admin(base, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


class PrivatePostgres:
    """A throw-away PostgreSQL cluster owned by the ``postgres`` user, on its own port.

    Only this cluster is ever stopped: the machine's shared one is never touched.
    ``unavailable()`` says why one cannot be made here (not root, binaries missing, …).
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))  # under /tmp: postgres can reach it
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.base_url = f"postgresql://postgres@127.0.0.1:{self.port}"

    @staticmethod
    def unavailable() -> str:
        if os.geteuid() != 0:
            return "a private PostgreSQL cluster needs root (to run initdb as the postgres user)"
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / tool).exists():
                return f"PostgreSQL binaries missing: no {PG_BIN / tool} (set FAULTS_PG_BIN)"
        if not shutil.which("runuser"):
            return "runuser is missing"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no postgres user to own a private cluster"
        return ""

    def _as_postgres(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init(self) -> None:
        shutil.chown(self.dir, "postgres")
        self.dir.chmod(0o700)
        done = self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=40"
        )
        done = self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "30",
            "start",
        )
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{self.tail()}")

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: open connections are cut, as in a failover or a crash."""
        done = self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )
        if done.returncode and self.running():
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr or done.stdout}")

    def running(self) -> bool:
        done = self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status")
        return done.returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def create(self, dbname: str, template: str | None = None) -> str:
        return pg_create(self.base_url, dbname, template)

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        return ""

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if self.running():
                self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Mounts ---------------------------------------------------------------------------------


def mount_tmpfs(path: Path, size: str) -> str:
    """Mount a tmpfs of ``size`` on ``path``; "" on success, else why not."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if not shutil.which("mount"):
        return "there is no mount command"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return f"mount -t tmpfs failed: {(done.stderr or done.stdout).strip()}"
    return ""


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True, timeout=10)


def unmount(path: Path) -> None:
    subprocess.run(["umount", str(path)], check=False, timeout=30, capture_output=True)
