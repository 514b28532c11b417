"""The pytest suite: real PostGIS, fast hashing, no outgoing mail."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Parallel developers (or CI jobs) can each keep their own reusable test database.
DATABASES["default"]["TEST"] = {"NAME": env.str("GIRREPO_TEST_DB", default="test_girrepo")}  # noqa: F405
