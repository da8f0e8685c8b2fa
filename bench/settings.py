"""Settings for bench/throughput.py only: production settings served over plain HTTP on
loopback.

The access log is always on here as in production: there is no setting that turns it off.
The benchmark's "off" server runs bench/wsgi_without_access_log.py instead, which replaces
the log's writer in that server's processes only.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from casework.settings import *  # noqa: E402,F403
from casework.settings import STORAGES  # noqa: E402

# Plain HTTP on 127.0.0.1: cookies without the Secure flag, no HSTS, no manifest.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "sessionid"  # a __Host- cookie needs HTTPS
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
