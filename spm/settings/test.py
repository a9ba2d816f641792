"""Tests: fast hashing, in-memory e-mail; database and Redis still come from the environment."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-secret-key-not-for-production-0123456789abcdef")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process keeps its own cache even when REDIS_URL is set (CI): a Redis database shared by
# concurrent test runs would hand one run's cached figures to another (tests/spm/test_cache_backend.py
# exercises the Redis cache itself).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Unit tests run Celery eagerly; the marked integration test starts a real worker on REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
SPM_BACKGROUND_TASKS = False  # tests that need it turn it on (tests/api/test_background_tasks.py)
# Serve static files straight from static/ (no collectstatic before tests; the browser test needs them).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
SSO_ALLOW_HTTP_ISSUER = True  # the SSO tests run their provider on http://127.0.0.1
