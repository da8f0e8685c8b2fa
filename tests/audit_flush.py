"""The test runner's escape hatch for the append-only triggers (casework.audit.append_only).

A transactional test (django_db(transaction=True), TransactionTestCase, the live-server
browser tests) is cleaned up by `flush`: DELETE FROM on SQLite, TRUNCATE on PostgreSQL,
both of which the triggers refuse on history tables and the access log. Around that
flush, and only there, the triggers are dropped and reinstalled. Per-test transactions
(plain django_db) roll back and need nothing.

The application has no such switch: dropping a trigger takes the table owner's rights,
and nothing outside this test hook calls casework.audit.append_only.suspended.
"""

from contextlib import ExitStack

import pytest
from django.apps import apps
from django.db import connections
from django.test import TransactionTestCase

from casework.audit import append_only
from casework.audit.chain import start_heads
from casework.audit.registry import chains


def _flush_with_triggers_suspended(original):
    def _fixture_teardown(self):
        with ExitStack() as stack:
            for alias in self._databases_names(include_mirrors=False):
                stack.enter_context(append_only.suspended(connections[alias]))
            original(self)
        # The flush also emptied the chain heads; put back the rows migrate created, so
        # that every audit write costs the same number of queries in every later test.
        tables = [chain.table for chain in chains(apps)]
        for alias in self._databases_names(include_mirrors=False):
            start_heads(connections[alias], tables)

    _fixture_teardown.__wrapped__ = original
    return _fixture_teardown


@pytest.fixture(scope="session", autouse=True)
def append_only_flush_hatch():
    original = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = _flush_with_triggers_suspended(original)
    yield
    TransactionTestCase._fixture_teardown = original
