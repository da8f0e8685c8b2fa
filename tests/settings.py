"""Test settings: the production settings, read from the environment as always, with the
values the tests assume. DEBUG stays off so tests see what production does.

Every variable casework/settings.py reads is pinned here, whatever the shell exports (a
developer's `DEBUG=1` or `SESSION_IDLE_SECONDS=5` must not change what the tests see), except
DATABASE_URL, which chooses the database the tests run on (unset: SQLite; .ci/run also runs
them on PostgreSQL). tests/policy/test_setup.py checks that the list stays complete and that
hostile values in the environment change nothing.
"""

import os

PINNED_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-not-for-any-deployment-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "CSRF_TRUSTED_ORIGINS": "",
    "DATABASE_CONN_MAX_AGE": "60",
    "DATABASE_PREPARE_THRESHOLD": "5",
    "TIME_ZONE": "Asia/Shanghai",
    "LOG_LEVEL": "INFO",
    "SESSION_IDLE_SECONDS": "1800",
    # The test client speaks plain HTTP; the redirect itself is checked by `check --deploy`.
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "31536000",
    "TRUSTED_PROXY_COUNT": "0",
    "TRUSTED_PROXIES": "",
    "AGGREGATES_MIN_CELL": "5",
    "SINGLE_SYSTEM_ADMIN": "0",
    "AGGREGATES_RELEASES_PER_MONTH": "1",
    "AGGREGATES_MIN_TABLE_CHANGE": "10",
    "DEMO_PASSWORD": "demo-password",
    "DATABASE_APP_ROLE": "",
    "BACKUP_AGE_RECIPIENT": "",
    "AUDIT_CHAIN_KEY": "test-only-audit-chain-key-not-for-any-deployment",
    "AUDIT_CHAIN_KEY_FILE": "",
    "AUDIT_CHECKPOINT_SIGNING_KEY_FILE": "",
    "AUDIT_CHECKPOINT_PUBLIC_KEY": "",
}
os.environ.update(PINNED_ENVIRONMENT)
# Management commands answer in the operator's language (casework.management.base): the
# tests read their English unless a test sets LANG itself.
for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(variable, None)
os.environ["LANG"] = "C.UTF-8"

from casework.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
