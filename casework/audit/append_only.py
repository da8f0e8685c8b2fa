"""Append-only tables: database triggers that refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) on every history table and on the access log.

The application never changes or removes these rows, so the database refuses it for
everyone, including a mistaken service, the Django admin, a shell session or someone
holding the application's database password. What the triggers cover:

- every simple-history table (`Historical*` models) of casework, children and families,
  found through the app registry, so a new tracked model is covered by the next call;
- `casework_accesslog`;
- `casework_aggregatesrelease` (a published release of the aggregates is frozen).

Installing is idempotent. Two things remove triggers and must be followed by a call of
`install_append_only_triggers`:

1. Django's SQLite schema editor rebuilds a table (create new, copy, drop old, rename)
   for most ALTERs, and the rebuild silently drops the table's triggers. A migration that
   alters a history table or the access log therefore ends with
   `migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop)`
   (tests/casework/audit/test_append_only.py fails when a table lacks its triggers).
2. The test runner's flush (see `suspended`), the only sanctioned way to empty them.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.options import Options

TRACKED_APPS = ("casework", "children", "families")
ACCESS_LOG_TABLE = "casework_accesslog"
# Published releases of the anonymised aggregates are frozen once written.
RELEASE_TABLE = "casework_aggregatesrelease"
PG_FUNCTION = "casework_refuse_change"


def append_only_tables(apps: Apps) -> list[str]:
    """Table names of the history models of TRACKED_APPS, then the access log.
    `apps` is django.apps.apps or a migration's historical registry."""
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in TRACKED_APPS and model.__name__.startswith("Historical") and _has_field(meta):
            tables.append(meta.db_table)
    frozen = [meta.db_table for meta in (m._meta for m in apps.get_models()) if meta.db_table == RELEASE_TABLE]
    return sorted(tables) + [ACCESS_LOG_TABLE] + frozen


def _has_field(meta: "Options[Any]") -> bool:
    return any(field.name == "history_type" for field in meta.get_fields())


def _names(table: str) -> dict[str, str]:
    return {"update": f"{table}_no_update", "delete": f"{table}_no_delete", "truncate": f"{table}_no_truncate"}


def expected_triggers(vendor: str, table: str) -> set[str]:
    names = _names(table)
    if vendor == "postgresql":
        return {names["update"], names["delete"], names["truncate"]}
    return {names["update"], names["delete"]}


def _install_sql(vendor: str, table: str) -> list[str]:
    names = _names(table)
    message = f"{table} is append-only: UPDATE and DELETE are refused"
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{names[op]}" BEFORE {op.upper()} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for op in ("update", "delete")
        ]
    if vendor == "postgresql":
        return [
            f'CREATE OR REPLACE TRIGGER "{names["update"]}" BEFORE UPDATE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
            f'CREATE OR REPLACE TRIGGER "{names["delete"]}" BEFORE DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
            f'CREATE OR REPLACE TRIGGER "{names["truncate"]}" BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def install(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION_SQL)
        for table in tables:
            for sql in _install_sql(connection.vendor, table):
                cursor.execute(sql)


def drop(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for name in expected_triggers(connection.vendor, table):
                if connection.vendor == "postgresql":
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
                else:
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def installed_triggers(connection: BaseDatabaseWrapper) -> dict[str, set[str]]:
    """Enabled triggers per table, as the database reports them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
    return found


def missing_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict[str, set[str]]:
    present = installed_triggers(connection)
    missing = {}
    for table in tables:
        lacking = expected_triggers(connection.vendor, table) - present.get(table, set())
        if lacking:
            missing[table] = lacking
    return missing


def install_append_only_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython operation: (re)install the triggers on every append-only table that
    exists at this point of the migration graph. Later migrations that alter or add a
    history table (or the access log) end with this call."""
    install(schema_editor.connection, append_only_tables(apps))


def drop_append_only_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop(schema_editor.connection, append_only_tables(apps))


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Drop the triggers, run the block, reinstall them whatever happens.

    The one escape hatch, for the test runner's flush only (tests/audit_flush.py): the
    application never calls it, and it needs the rights of the tables' owner (DROP
    TRIGGER), which a production application role should not hold."""
    # The live registry, not a migration's: imported here because this module is also
    # imported by migrations, before the app registry is ready.
    from django.apps import apps

    tables = [table for table in append_only_tables(apps) if table in connection.introspection.table_names()]
    drop(connection, tables)
    try:
        yield
    finally:
        install(connection, tables)
