"""Test settings: the real settings, with DEBUG on and fast password hashing.

DATABASE_URL and REDIS_URL still choose PostgreSQL and Redis when set. With
DATABASE_OWNER_URL too (as .ci/run sets them), the test database is created and
migrated as the owner role and the tests connect as the application's role
(tests/conftest.py); DATABASE_SUPERUSER_URL is then the superuser's, for the
few tests that act as one (DATABASE_SUPERUSER_URL below).
"""

import os
import uuid

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tasks run in the test's own process; tests marked `redis` start a real worker
# (tests/conftest.py: celery_worker_on_redis), which turns this off while it runs.
CELERY_TASK_ALWAYS_EAGER = True
# A queue of this test run's own: other runs on the same Redis (a developer's,
# CI's) have workers of their own, with other databases, which must not take
# this run's tasks. Worker processes started by tests are given it too.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TEST_QUEUE") or f"tests-{uuid.uuid4().hex}"
# Most tests log people in with force_login and are about other rules; the tests
# of the second factor, the production page walk and the browser journeys turn
# it back on (the production default) and log bank staff in with a verified device.
ABL_TWO_FACTOR_REQUIRED = False
# The cache in the test's own process (tests/conftest.py empties it before each test).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A PostgreSQL superuser's URL, for the tests that act as one when the tests
# connect as the application's role: tampering with the audit trail past its
# triggers, creating roles and databases (tests/test_database_roles.py).
# Unset, those tests use the default connection's user, as a developer's
# single-role run does.
DATABASE_SUPERUSER_URL = os.environ.get("DATABASE_SUPERUSER_URL", "")
# The webhook tests' receivers listen on 127.0.0.1 (tests/abl/webhooks/receiver.py); the
# tests of the refusal turn this back off.
ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
