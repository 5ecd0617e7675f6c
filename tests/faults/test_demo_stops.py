"""Ctrl-C on `make run`, or closing its terminal, stops the site and the worker it started,
whatever happened to our output: nothing is left running behind the editor's back."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time

import pytest

from tests.faults.helpers import PYTHON, ROOT, free_port, wait_for_http

pytestmark = pytest.mark.slow


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    return True


def read_until(fd: int, text: str, timeout: float) -> str:
    """What the process wrote on ``fd`` up to and including the line holding ``text``."""
    seen, end = b"", time.monotonic() + timeout
    while text.encode() not in seen:
        left = end - time.monotonic()
        assert left > 0, f"no {text!r} within {timeout}s:\n{seen.decode(errors='replace')}"
        if select.select([fd], [], [], min(left, 1.0))[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"the demo exited before {text!r}:\n{seen.decode(errors='replace')}"
            seen += chunk
    return seen.decode(errors="replace")


@pytest.mark.parametrize(
    ("stop", "output"),
    [("SIGINT", "kept"), ("SIGINT", "closed"), ("SIGHUP", "closed")],
    ids=["ctrl-c", "ctrl-c-with-pipe-closed", "terminal-closed"],
)
def test_stopping_the_demo_stops_its_site_and_worker(sqlite_db, stop, output):
    port = free_port()
    read_end, write_end = os.pipe()
    demo = subprocess.Popen(
        [PYTHON, "manage.py", "rundemo", f"127.0.0.1:{port}", "--demo-port", "0"],
        cwd=ROOT,
        env=sqlite_db.env("digestcms.settings.dev"),
        stdin=subprocess.DEVNULL,
        stdout=write_end,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, as the terminal's foreground job is
    )
    os.close(write_end)
    worker = None
    try:
        said = read_until(read_end, "Quit the server", timeout=180)
        worker = int(said.split("Worker running the schedules (pid ", 1)[1].split(")", 1)[0])
        assert wait_for_http(f"http://127.0.0.1:{port}/").status == 200
        assert alive(worker)
        if output == "closed":
            # `make run | tee log`: Ctrl-C kills tee too, so our next write hits a closed pipe;
            # a closed terminal window takes our output with it.
            os.close(read_end)
        # Ctrl-C: the terminal sends SIGINT to the foreground group (rundemo and runserver);
        # closing the terminal sends SIGHUP (SIGTERM, from `kill`, takes the same path).
        # The worker has a session of its own: only rundemo stops it, once, cleanly.
        os.killpg(demo.pid, getattr(signal, stop))
        demo.wait(30)
        deadline = time.monotonic() + 20
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), f"the worker (pid {worker}) outlived the demo"
        if output == "kept":
            assert "Stopping the worker" in read_until(read_end, "Stopping the worker", 5)
    finally:
        for pid in (demo.pid, worker):
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.killpg(pid, signal.SIGKILL)
        demo.wait(10)
        with contextlib.suppress(OSError):
            os.close(read_end)
