"""The test suite: fast hashing, loopback fetching allowed, no politeness delay."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DIGESTCMS_ALLOW_PRIVATE_FETCH = True
DIGESTCMS_HOST_DELAY = 0.0
DIGESTCMS_FETCH_DEADLINE = 10.0

VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not Django's in-memory default: WAL, IMMEDIATE transactions and
    # concurrent writers behave as they do in production only on a real file.
    # One file per test process, so two runs at once never share (or delete) a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
elif os.environ.get("DIGESTCMS_TEST_DATABASE"):
    # PostgreSQL: two suites at once on one server each need their own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DIGESTCMS_TEST_DATABASE"]}  # noqa: F405

# Static files straight from the app folders; collectstatic is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# One process: an in-memory cache keeps tests apart (a fixture clears it before each test).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
