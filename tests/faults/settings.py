"""Production-like settings for web processes in fault tests.

``digestcms.settings.prod`` redirects plain HTTP to HTTPS and wants collected static files,
so this takes ``base`` as production does and changes only what a loopback test needs:
DEBUG off (the 500 page, never Django's debug page), a fixed key, loopback hosts, loopback
fetching, fast password hashing. The cache is base's shared one (files under
DIGESTCMS_VAR_DIR), so page caching behaves as in production.
"""

from digestcms.settings.base import *  # noqa: F403
from digestcms.settings.base import VAR_DIR

DEBUG = False
SECRET_KEY = "faults-only-not-secret-2f8c1e0b7a6d"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DIGESTCMS_ALLOW_PRIVATE_FETCH = True
DIGESTCMS_HOST_DELAY = 0.0
DIGESTCMS_FETCH_DEADLINE = 10.0
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

VAR_DIR.mkdir(parents=True, exist_ok=True)
