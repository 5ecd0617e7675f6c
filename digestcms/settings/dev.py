"""Local development and the offline demo (`make run`)."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, VAR_DIR, env_list

VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-7c1d6b0e9d8a4f"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

# Static files straight from the app folders; collectstatic is for production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
