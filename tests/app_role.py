"""On PostgreSQL, the audit and tamper tests run as the application role, as deployed.

A deployment migrates as the tables' owner and serves as an application role that holds
exactly what `manage.py grant_app_role` grants (casework.audit.roles). The test database
is created and migrated by the test runner's superuser, which stands for the owner here;
these fixtures then switch every connection a test opens to an application role of the
test database's own (`<test database>_app`, e.g. test_h10_gw0_app: one per xdist worker),
with the grants casework.audit.roles gives it:

- `app_role` (session): creates the role once (NOLOGIN: the superuser switches to it with
  SET ROLE, nobody logs in as it) and grants it its privileges; drops it at the end;
- `application_role` (per test, autouse in tests/casework/audit/): SET ROLE on the test's
  connection and on every connection opened during the test (writer threads, the access
  log's private connection), RESET ROLE before the test database is rolled back or
  flushed;
- `as_owner()`: a block run as the owner, for the attacks an insider with the owner's
  password would try (and for what only the owner does: migrations, triggers);
- `@pytest.mark.as_owner`: the whole test runs as the owner (migrations, the deploy check
  of a superuser connection).

On SQLite (no roles) all of this does nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.signals import connection_created

from casework.audit.roles import grant_statements

_current: dict[str, str] = {}


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def role_for_test_database() -> str:
    return f"{connection.settings_dict['NAME']}_app"


def _execute(wrapper, sql: str) -> None:
    # history-safe: role switches and grants, no row of any table
    with wrapper.cursor() as cursor:
        cursor.execute(sql)


@contextmanager
def _own_connection() -> Iterator:
    """A connection of its own, in autocommit: what it does is committed at once, even when
    a test's transaction is already open on the test's connection (the first test that
    asks for the role may be inside one)."""
    private = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        private.ensure_connection()
        yield private
    finally:
        private.close()


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker) -> Iterator[str | None]:
    """The application role of the test database, created once with its grants."""
    if not on_postgresql():
        yield None
        return
    role = role_for_test_database()
    quoted = connection.ops.quote_name(role)
    with django_db_blocker.unblock(), _own_connection() as private, private.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {quoted} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        for statement in grant_statements(private, role, private.introspection.table_names(cursor)):
            cursor.execute(statement)
    yield role
    with django_db_blocker.unblock(), _own_connection() as private, private.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {quoted}")
        cursor.execute(f"DROP ROLE {quoted}")


def _switch(sender, connection, **kwargs) -> None:
    # Connections to the test database only: a restore's scratch database is the owner's.
    if connection.vendor == "postgresql" and connection.settings_dict["NAME"] == _current.get("database"):
        _execute(connection, f"SET ROLE {connection.ops.quote_name(_current['role'])}")


@pytest.fixture
def application_role(request, app_role) -> Iterator[str | None]:
    """This test's connections run as the application role (PostgreSQL)."""
    if app_role is None:
        yield None
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    # The database first, so that its rollback or flush runs after RESET ROLE, as the owner.
    request.getfixturevalue("transactional_db" if transactional else "db")
    _current.update(role=app_role, database=connection.settings_dict["NAME"])
    connection_created.connect(_switch, dispatch_uid="tests.app_role")
    connection.ensure_connection()
    _switch(None, connection)
    try:
        yield app_role
    finally:
        connection_created.disconnect(dispatch_uid="tests.app_role")
        _current.clear()
        for wrapper in connections.all():
            if wrapper.connection is not None and wrapper.vendor == "postgresql":
                try:
                    _execute(wrapper, "RESET ROLE")
                except DatabaseError:
                    # A test that failed inside its transaction: the rollback that follows
                    # undoes the SET ROLE made in it.
                    pass


def current_user() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


@contextmanager
def as_owner() -> Iterator[None]:
    """Run the block as the tables' owner (the session's own user), then switch back."""
    role = _current.get("role")
    if role is None or not on_postgresql():
        yield
        return
    _execute(connection, "RESET ROLE")
    try:
        yield
    finally:
        _execute(connection, f"SET ROLE {connection.ops.quote_name(role)}")


# What PostgreSQL says when the application role lacks a privilege.
NO_PRIVILEGE = "permission denied|must be owner|must be superuser"


def refused_to_both(run, *, by_trigger: str) -> None:
    """`run` fails as the application role (for want of privilege, or by the trigger) and
    again as the owner, who holds every privilege: there the trigger (`by_trigger`, a
    pattern of its message) stops it. Each attempt in a savepoint, so the test goes on."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match=f"{NO_PRIVILEGE}|{by_trigger}"), transaction.atomic():
        run()
    with as_owner(), pytest.raises(DatabaseError, match=by_trigger), transaction.atomic():
        run()
