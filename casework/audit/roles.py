"""The application's database role on PostgreSQL: what it may do, and a check that it is
not more than that.

A deployment uses two roles (docker-compose.yml, README "Deployment"): an owner that runs
the migrations and owns the tables, and the application role that the web process
connects as. The owner (or a superuser) could switch the append-only triggers off
(`ALTER TABLE ... DISABLE TRIGGER`, `SET session_replication_role = replica`) and rewrite
history; the application role cannot, because it owns nothing and is no superuser.

`grant_statements` gives the application role what it needs and no more:

- audit tables (every history table, the access log, the admin's log
  `casework_adminlogentry`): SELECT and INSERT only, so no UPDATE, DELETE or TRUNCATE
  even with the triggers gone;
- the audit chains' heads: SELECT, INSERT and UPDATE (they move on every audit row);
- every other table: SELECT, INSERT, UPDATE and DELETE (sessions, throttle records and
  permission rows are deleted in normal use). Django's own `django_admin_log` is one of
  them: nothing writes it (casework.admin logs to the chained AdminLogEntry instead),
  and deleting an account makes Django delete that account's rows there;
- the migrations table: SELECT only;
- sequences: USAGE and SELECT (for the id columns).

`role_problems` is the deploy check (`manage.py check --deploy`, casework.apps): it
reports a connection as a superuser, or as a member of the role that owns an audit table.
"""

from collections.abc import Iterable

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

from casework.audit.append_only import append_only_tables

# Append-only records besides those append_only_tables lists: none today (the admin's log
# is casework.AdminLogEntry, in the registry).
MORE_AUDIT_TABLES: tuple[str, ...] = ()
# Every chain's head moves on with each audit row: the application must update it (never
# delete it; triggers refuse that too).
UPDATED_AUDIT_TABLES = ("casework_auditchainhead",)
READ_ONLY_TABLES = ("django_migrations",)


def audit_tables() -> list[str]:
    return sorted({*append_only_tables(apps), *MORE_AUDIT_TABLES})


def grant_statements(connection: BaseDatabaseWrapper, role: str, tables: Iterable[str]) -> list[str]:
    """The statements that leave `role` with exactly the privileges above on `tables`
    (every table of the schema, as the owner sees them after migrating)."""
    quote = connection.ops.quote_name
    audit = set(audit_tables())
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quote(role)}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quote(role)}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quote(role)}",
    ]
    for table in sorted(tables):
        if table in audit:
            privileges = "SELECT, INSERT"
        elif table in UPDATED_AUDIT_TABLES:
            privileges = "SELECT, INSERT, UPDATE"
        elif table in READ_ONLY_TABLES:
            privileges = "SELECT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f"GRANT {privileges} ON {quote(table)} TO {quote(role)}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}")
    return statements


def role_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """What is wrong with the role `connection` logs in as, for the application; [] if nothing.
    PostgreSQL only (SQLite has no roles)."""
    if connection.vendor != "postgresql":
        return []
    problems = []
    # history-safe: reads the role's attributes and the tables' owners, writes nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        if superuser:
            problems.append(f"the application connects as {user}, a superuser")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(%s) "
            "AND pg_has_role(current_user, c.relowner, 'MEMBER') ORDER BY c.relname",
            [audit_tables()],
        )
        owned = [row[0] for row in cursor.fetchall()]
    if owned and not superuser:
        problems.append(f"the application connects as {user}, the owner of the audit tables ({', '.join(owned)})")
    return problems
