"""Settings for bench/throughput.py only: production settings served over plain HTTP on
loopback, with one switch production does not have.

BENCH_ACCESS_LOG=0 turns the access log off (casework.audit.access_logging_enabled), so
the benchmark can measure what the log costs. The switch exists only in this module:
casework/settings.py has none, and without this module the log is always on.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from casework.settings import *  # noqa: E402,F403
from casework.settings import STORAGES, env_bool  # noqa: E402

ACCESS_LOG_ENABLED = env_bool("BENCH_ACCESS_LOG", True)

# Plain HTTP on 127.0.0.1: cookies without the Secure flag, no HSTS, no manifest.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
