"""The casework WSGI application with the access log's writer replaced: gunicorn's app
for the "access log off" server of bench/throughput.py, which measures what the log costs.

The application has no switch that turns the access log off (no setting can silence it;
tests/casework/audit/test_log_access.py checks that), so the benchmark patches the writer
in its own server processes only:

    gunicorn bench.wsgi_without_access_log -b 127.0.0.1:18766

log_access still builds each row (user, action, client address, detail as JSON) and
returns it unsaved; what the "off" server leaves out is the database work: the chain
head's lock, the insert and its commit.
"""

import importlib

from casework.wsgi import application

# Imported once Django is set up (by the import above): the writer's module imports models.
services = importlib.import_module("casework.audit.services")

if not callable(getattr(services, "_write", None)):
    # Assigning a missing name would succeed and patch nothing: the "off" server would log.
    raise RuntimeError("casework.audit.services._write is gone; update bench/wsgi_without_access_log.py")


def _write_nothing(row):
    """The row as log_access built it, not saved."""
    return row


services._write = _write_nothing

__all__ = ["application"]
