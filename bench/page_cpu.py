"""Django's part of bench/site.py's figures: CPU per request of each URL, in-process.

    .venv/bin/python bench/page_cpu.py [--requests 300]

The same throwaway data as bench/site.py (its ``prepare``), then Django's WSGI handler is
called directly, with no server and no network: for each URL, 50 warm-up requests, then
``--requests`` timed with ``time.process_time``, page cache on and then off
(``DIGESTCMS_PAGE_CACHE``). Unlike requests per second, this does not depend on what else
the machine runs, only on its speed: compare the ratios to the static file, or old and new
code run back to back.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import site  # noqa: E402

WARMUP = 50


def wsgi_get(app, path: str) -> tuple[str, int]:
    """(status line, body length) of a plain GET, as wrk sends it (no gzip, no validators)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    started: list[str] = []
    body = app(environ, lambda status, headers, *_: started.append(status))
    try:
        return started[0], sum(len(chunk) for chunk in body)
    finally:
        getattr(body, "close", lambda: None)()


def cpu_ms(app, path: str, requests: int) -> float:
    status, _ = wsgi_get(app, path)
    if not status.startswith("200"):
        raise SystemExit(f"{path} answered {status}: nothing measured")
    for _ in range(WARMUP):
        wsgi_get(app, path)
    started = time.process_time()
    for _ in range(requests):
        wsgi_get(app, path)
    return (time.process_time() - started) / requests * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed per URL (default 300)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digestcms-pagecpu-") as tmp:
        site.use_workdir(Path(tmp))
        paths = site.prepare(Path(tmp), 60, 20)
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler

        app = WSGIHandler()
        print("| URL | page cache | CPU ms/request | ÷ static file's |")
        print("|---|---|---|---|")
        for cache in (True, False):
            settings.DIGESTCMS_PAGE_CACHE = cache
            static = None
            for kind, path in paths.items():
                ms = cpu_ms(app, path, args.requests)
                static = static or ms
                label = "on" if cache else "off"
                print(f"| {kind} | {label} | {ms:.2f} | {ms / static:.1f}× |", flush=True)
    print(f"Command: .venv/bin/python bench/page_cpu.py --requests {args.requests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
