"""Settings shared by every environment; values come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DIGESTCMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "django_q",
    "reversion",
    "markdownx",
    "csp",
    "sources",
    "digests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages this process already served, answered before the rest (digests/caching.py).
    "digests.caching.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "digestcms.urls"
WSGI_APPLICATION = "digestcms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digests.context_processors.site",
            ],
        },
    },
]


def database_from_env() -> dict:
    """PostgreSQL (psycopg 3) when DATABASE_URL is set, else the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DIGESTCMS_SQLITE_PATH", str(VAR_DIR / "digestcms.sqlite3")),
        # Kept open between requests, as PostgreSQL's are above: opening a SQLite connection
        # (and running init_command) cost an uncached public page about a fifth of its time.
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # THREATS.md 11: take the write lock at BEGIN so read-then-write
            # transactions wait for each other instead of failing at once.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
            ),
        },
    }


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# AxesStandaloneBackend first: it refuses a locked-out (username, address) before any
# password is checked, then ModelBackend does the real work.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "")

# One cache every process shares, so publishing in the admin or in a worker invalidates the
# public pages every web process serves: Redis when there is one, else files under var/.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "digestcms",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Public pages and feeds: rendered once per change of what is published (digests.caching).
DIGESTCMS_PAGE_CACHE = env_bool("DIGESTCMS_PAGE_CACHE", True)
DIGESTCMS_PAGE_MAX_AGE = int(os.environ.get("DIGESTCMS_PAGE_MAX_AGE", "60"))
DIGESTCMS_RELEASE = os.environ.get("DIGESTCMS_RELEASE", "")  # part of every page's ETag
DIGESTCMS_SITE_NAME = os.environ.get("DIGESTCMS_SITE_NAME", "digestcms")

# --- Reverse proxy and admin login lockout (django-axes; THREATS.md 15) ----------------
# DIGESTCMS_BEHIND_PROXY=1: a proxy terminates TLS and sets X-Forwarded-Proto (prod.py trusts
# it). DIGESTCMS_PROXY_COUNT: how many proxies append to X-Forwarded-For (default 1 behind a
# proxy, else 0, when X-Forwarded-For is ignored); the client address is counted from the right.
DIGESTCMS_BEHIND_PROXY = env_bool("DIGESTCMS_BEHIND_PROXY")
DIGESTCMS_PROXY_COUNT = int(
    os.environ.get("DIGESTCMS_PROXY_COUNT", "1" if DIGESTCMS_BEHIND_PROXY else "0")
)
# Lock a username from one address only, so an attacker cannot lock every editor out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("DIGESTCMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DIGESTCMS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "digestcms.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_VERBOSE = False

# --- Health (/healthz/) ------------------------------------------------------
# The newest successful feed fetch may be this old (seconds) before the check fails.
DIGESTCMS_HEALTH_MAX_FETCH_AGE = int(os.environ.get("DIGESTCMS_HEALTH_MAX_FETCH_AGE", "21600"))
DIGESTCMS_HEALTH_TIMEOUT = float(os.environ.get("DIGESTCMS_HEALTH_TIMEOUT", "2"))

# --- django-q2 (THREATS.md 8-10) --------------------------------------------
# A task may run at most Q_TIMEOUT seconds; the broker hands it out again only
# after Q_RETRY, which must be longer, or a slow task runs twice.
Q_TIMEOUT = int(os.environ.get("DIGESTCMS_Q_TIMEOUT", "120"))
Q_RETRY = int(os.environ.get("DIGESTCMS_Q_RETRY", "180"))
Q_WORKERS = int(os.environ.get("DIGESTCMS_Q_WORKERS", "2"))
Q_CLUSTER = {
    "name": "digestcms",
    "workers": Q_WORKERS,
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "max_attempts": 2,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    # Tasks a cluster takes ahead of its workers: few, or one cluster takes every task while
    # the others idle, and a cluster that dies holds what it took for Q_RETRY seconds.
    "queue_limit": Q_WORKERS,
    "label": "Background tasks",
}
# The database is the broker, with or without Redis: django-q2's Redis broker has no
# receipts, so the tasks a killed cluster had taken die with it (tests/scale). The ORM
# broker hands a task out again Q_RETRY seconds after a cluster took it unless that cluster
# saved its result. Redis, when set, is the shared cache. DIGESTCMS_Q_BROKER=redis trades
# that safety for a lighter database (docs/scaling.md).
Q_BROKER = os.environ.get("DIGESTCMS_Q_BROKER", "orm")
if Q_BROKER == "redis" and REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Content-Security-Policy (django-csp; THREATS.md 12) ------------------------------
# No inline or third-party scripts anywhere; inline style attributes are allowed (the
# admin and our templates use a few), images from us or data: URLs only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Editing (django-markdownx; its endpoints are wrapped staff-only in digestcms/urls.py) ---
MARKDOWNX_MEDIA_PATH = "uploads/"
MARKDOWNX_MARKDOWNIFY_FUNCTION = "digests.rendering.markdownify"  # nh3-cleaned (THREATS.md 12)
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]  # no SVG
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 1600), "quality": 85}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- Fetching ---------------------------------------------------------------
DIGESTCMS_ALLOW_PRIVATE_FETCH = env_bool("DIGESTCMS_ALLOW_PRIVATE_FETCH")
DIGESTCMS_USER_AGENT = os.environ.get(
    "DIGESTCMS_USER_AGENT",
    "digestcms/0.1 (+https://github.com/digestcms; editorial news digest reader)",
)
# Every fetch finishes (or fails) within this many seconds; it must stay well
# under Q_TIMEOUT so a task is never killed mid-fetch.
DIGESTCMS_FETCH_DEADLINE = float(os.environ.get("DIGESTCMS_FETCH_DEADLINE", "30"))
DIGESTCMS_FETCH_MAX_BYTES = int(os.environ.get("DIGESTCMS_FETCH_MAX_BYTES", str(5 * 1024 * 1024)))
DIGESTCMS_FETCH_MAX_REDIRECTS = 3
DIGESTCMS_HOST_DELAY = float(os.environ.get("DIGESTCMS_HOST_DELAY", "1.0"))
# Offline demo only: send every request to this "host:port" instead of resolving
# the URL's host (the Host header and path stay as they are). Empty in production.
DIGESTCMS_FETCH_ROUTE = os.environ.get("DIGESTCMS_FETCH_ROUTE", "")
# Google News article wrappers are resolved against this base (the demo and
# tests point it at a loopback server that speaks the same protocol).
DIGESTCMS_GOOGLE_NEWS_BASE = os.environ.get("DIGESTCMS_GOOGLE_NEWS_BASE", "https://news.google.com")
# Feeds that fail are retried after interval * 2**failures (+ jitter), capped here.
DIGESTCMS_FEED_BACKOFF_CAP = int(os.environ.get("DIGESTCMS_FEED_BACKOFF_CAP", str(24 * 3600)))
DIGESTCMS_EXTRACT_TIME_LIMIT = float(os.environ.get("DIGESTCMS_EXTRACT_TIME_LIMIT", "20"))

# --- The optional LLM drafter (any OpenAI-compatible chat-completions endpoint) ---
DIGESTCMS_LLM_URL = os.environ.get("DIGESTCMS_LLM_URL", "")
DIGESTCMS_LLM_MODEL = os.environ.get("DIGESTCMS_LLM_MODEL", "")
DIGESTCMS_LLM_API_KEY = os.environ.get("DIGESTCMS_LLM_API_KEY", "")
DIGESTCMS_LLM_TIMEOUT = float(os.environ.get("DIGESTCMS_LLM_TIMEOUT", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "trafilatura": {"level": "ERROR"},
        "htmldate": {"level": "ERROR"},
        "django-q": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failed logins and lockouts, not its housekeeping
    },
}
