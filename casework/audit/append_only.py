"""Append-only tables: database triggers that refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) on every audit table (casework.audit.registry), and that refuse to
delete an audit chain's head or move it backwards.

The application never changes or removes these rows, so the database refuses it for
everyone, including a mistaken service, the Django admin, a shell session or someone
holding the application's database password. What the triggers cover is the list in
casework.audit.registry: every simple-history table of casework, children and families,
found through the app registry (a new tracked model is covered by the next call), and
the models named in AUDIT_MODELS (the access log) and FROZEN_MODELS (published releases
of the aggregates). The chain heads
(`casework_auditchainhead`) get triggers of their own: no DELETE (or TRUNCATE), and no
UPDATE that lowers a head's sequence number or renames it.

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

from django.apps.registry import Apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from casework.audit.chain import start_heads
from casework.audit.registry import HEAD_TABLE, append_only_tables, chains

ACCESS_LOG_TABLE = "casework_accesslog"
PG_FUNCTION = "casework_refuse_change"
PG_HEAD_FUNCTION = "casework_refuse_head_rewind"
HEAD_MESSAGE = "audit chain heads cannot be deleted or moved backwards"

__all__ = ["append_only_tables", "protected_tables", "install_append_only_triggers"]


def protected_tables(apps: Apps) -> list[str]:
    """The audit tables, then the chain heads (once the migration graph has them)."""
    tables = append_only_tables(apps)
    try:
        apps.get_model("casework", "AuditChainHead")
    except LookupError:
        return tables
    return [*tables, HEAD_TABLE]


def _names(table: str) -> dict[str, str]:
    return {"update": f"{table}_no_update", "delete": f"{table}_no_delete", "truncate": f"{table}_no_truncate"}


def expected_triggers(vendor: str, table: str) -> set[str]:
    names = _names(table)
    if vendor == "postgresql":
        return {names["update"], names["delete"], names["truncate"]}
    return {names["update"], names["delete"]}


def _head_sql(vendor: str) -> list[str]:
    names = _names(HEAD_TABLE)
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{names["update"]}" BEFORE UPDATE ON "{HEAD_TABLE}" '
            f"WHEN NEW.seq < OLD.seq OR NEW.chain <> OLD.chain BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
            f'CREATE TRIGGER IF NOT EXISTS "{names["delete"]}" BEFORE DELETE ON "{HEAD_TABLE}" '
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
        ]
    return [
        f'CREATE OR REPLACE TRIGGER "{names["update"]}" BEFORE UPDATE ON "{HEAD_TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {PG_HEAD_FUNCTION}()",
        f'CREATE OR REPLACE TRIGGER "{names["delete"]}" BEFORE DELETE ON "{HEAD_TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION {PG_HEAD_FUNCTION}()",
        f'CREATE OR REPLACE TRIGGER "{names["truncate"]}" BEFORE TRUNCATE ON "{HEAD_TABLE}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_HEAD_FUNCTION}()",
    ]


def _install_sql(vendor: str, table: str) -> list[str]:
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"append-only triggers are not written for {vendor}")
    if table == HEAD_TABLE:
        return _head_sql(vendor)
    names = _names(table)
    message = f"{table} is append-only: UPDATE and DELETE are refused"
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{names[op]}" BEFORE {op.upper()} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for op in ("update", "delete")
        ]
    return [
        f'CREATE OR REPLACE TRIGGER "{names["update"]}" BEFORE UPDATE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f'CREATE OR REPLACE TRIGGER "{names["delete"]}" BEFORE DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f'CREATE OR REPLACE TRIGGER "{names["truncate"]}" BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

PG_HEAD_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_HEAD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq AND NEW.chain = OLD.chain THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{HEAD_MESSAGE}: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def install(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION_SQL)
            cursor.execute(PG_HEAD_FUNCTION_SQL)
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
    """RunPython operation: (re)install the triggers on every audit table that exists at
    this point of the migration graph, and start the chain of every new, empty audit
    table. Later migrations that alter or add a history table (or another audit table)
    end with this call."""
    tables = protected_tables(apps)
    install(schema_editor.connection, tables)
    if HEAD_TABLE in tables:
        start_heads(schema_editor.connection, [chain.table for chain in chains(apps)])


def drop_append_only_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop(schema_editor.connection, protected_tables(apps))


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Drop the triggers, run the block, reinstall them whatever happens.

    The one escape hatch, for the test runner's flush only (tests/audit_flush.py): the
    application never calls it, and it needs the rights of the tables' owner (DROP
    TRIGGER), which a production application role should not hold."""
    # The live registry, not a migration's: imported here because this module is also
    # imported by migrations, before the app registry is ready.
    from django.apps import apps

    tables = [table for table in protected_tables(apps) if table in connection.introspection.table_names()]
    drop(connection, tables)
    try:
        yield
    finally:
        install(connection, tables)
