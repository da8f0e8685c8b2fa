"""Query counts that differ by database, for the tests that pin a page's queries."""

from django.db import connection

# The access-log row: on PostgreSQL the head's advance and one statement that inserts the
# row and moves the head's hash (in production, outside a transaction: the head's read and
# one statement that moves it and inserts the row); on SQLite the head's advance, the
# INSERT and the head's hash (casework.audit.services).
ACCESS_LOG_QUERIES = 2 if connection.vendor == "postgresql" else 3
