"""Production: refuses to start without the variables it cannot guess.

`manage.py check --deploy --fail-level WARNING` is clean with these settings (THREATS.md 14);
.ci/run and tests/test_settings.py keep it so.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DIGESTCMS_BEHIND_PROXY, LOGGING, env_bool, env_list

REQUIRED_ENVIRONMENT = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")  # docs/deploy.md

for _name in REQUIRED_ENVIRONMENT:
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production.")

DEBUG = False

# HTTPS only. Behind a proxy that terminates TLS, DIGESTCMS_BEHIND_PROXY=1 makes Django
# believe its X-Forwarded-Proto header; the proxy must overwrite whatever the client sent.
if DIGESTCMS_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DIGESTCMS_SSL_REDIRECT", True)
# The container's own health probe speaks plain HTTP to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# e.g. "https://news.example.org": needed when the admin is reached under another origin
# than the Host header Django sees (some proxies, a second domain).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line on stdout; gunicorn's own loggers join in (its access log gives
# each request's method, path, status and duration).
LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": "digestcms.logging.JsonLinesFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        **LOGGING["loggers"],
        "django": {"level": "INFO", "propagate": True},  # drops Django's own console handler
        "django.server": {"level": "INFO", "propagate": True},
        "gunicorn.error": {"level": "INFO", "propagate": True},
        "gunicorn.access": {"level": "INFO", "propagate": True},
    },
}
