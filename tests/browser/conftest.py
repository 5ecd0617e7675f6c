"""A real browser: Playwright driving Debian's Chromium against the live test server."""

import importlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

CHROMIUM = os.environ.get("DIGESTCMS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """The Editor and Publisher groups of migration 0004, for every browser test.

    The live server needs committed rows, so these tests are transactional, and the flush after
    any earlier transactional test drops what migrations made. (serialized_rollback would
    restore it, but clashes with the content types that flush recreates.)
    """
    migration = importlib.import_module("digests.migrations.0004_roles_and_schedule")
    migration.install(apps, SimpleNamespace(connection=connection))


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"No Chromium at {CHROMIUM}: install Debian's chromium (make test does) to run browser tests."
        )
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed"
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shoot(request):
    """Save a screenshot of the page as a test artefact: shoot(page, "step-name")."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
