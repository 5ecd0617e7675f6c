"""Settings for the benchmarks: production's choices, on loopback over plain HTTP.

bench/site.py's and bench/load.py's gunicorn and bench/ingest.py's pipeline and workers run
with these, so what is measured is what production runs (DEBUG off: with it on, Django logs
every query and, on SQLite, runs one more to quote its parameters).

Like digestcms.settings.prod (DEBUG off, whitenoise's compressed manifest storage, secure
cookies) but without what needs a real deployment: the embedded SQLite file as `make run`
uses it, unless the benchmark sets DATABASE_URL (bench/ingest.py's PostgreSQL run); no HTTPS
redirect or HSTS (loopback speaks plain HTTP). The database, the file cache and STATIC_ROOT
live in the benchmark's temporary directory, through DIGESTCMS_SQLITE_PATH,
DIGESTCMS_VAR_DIR and STATIC_ROOT.
"""

from digestcms.settings.base import *  # noqa: F403
from digestcms.settings.base import LOGGING

DEBUG = False
SECRET_KEY = "bench-only-not-secret-3f9a2c71"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
