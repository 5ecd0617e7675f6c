"""The test suite: fast hashing, loopback fetching allowed, no politeness delay."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DIGESTCMS_ALLOW_PRIVATE_FETCH = True
DIGESTCMS_HOST_DELAY = 0.0
DIGESTCMS_FETCH_DEADLINE = 10.0
