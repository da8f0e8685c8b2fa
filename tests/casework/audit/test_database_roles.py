"""AU-20: as deployed, the application's database role cannot rewrite the audit trail.

PostgreSQL only. Like every test in tests/casework/audit/, these run as an application
role (SET ROLE) that holds exactly what `manage.py grant_app_role` grants, as the web
process does in docker-compose.yml (tests/app_role.py), and try what an insider with the
application's password would. The tests marked `as_owner` run as the test database's
owner, to check the deploy check against the roles it must refuse."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from casework.audit.roles import audit_tables, grant_statements, role_problems
from casework.audit.services import log_access
from casework.checks import application_database_role, database_logs_no_values
from casework.interviews.services import record_interview
from casework.models import AccessAction, AccessLog
from children.models import Child
from tests.app_role import current_user

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'")

HISTORY = ["children_historicalchild", "families_historicalmother", "casework_historicalinterview"]


def role_name(suffix):
    return f"{connection.settings_dict['NAME'].removeprefix('test_')}_{suffix}"


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def audit_rows(case_a, cw_a):
    record_interview(child=case_a, by=cw_a, held_on=datetime.date(2026, 11, 1), location_type="home")
    log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=case_a.pk)
    return case_a


def refused(sql):
    """The statement fails for want of privilege, not because a trigger stopped it."""
    with pytest.raises(DatabaseError, match="permission denied|must be owner|must be superuser"):
        with transaction.atomic():
            execute(sql)


@pytest.mark.parametrize("table", [*HISTORY, "casework_accesslog"])
def test_the_application_role_may_not_update_delete_or_truncate_an_audit_table(audit_rows, application_role, table):
    assert current_user() == application_role
    before = execute(f'SELECT count(*) FROM "{table}"')[0][0]
    assert before > 0
    refused(f'UPDATE "{table}" SET id = id')
    refused(f'DELETE FROM "{table}"')
    refused(f'TRUNCATE "{table}" CASCADE')
    assert execute(f'SELECT count(*) FROM "{table}"')[0][0] == before


@pytest.mark.parametrize(
    "sql",
    [
        "SET session_replication_role = replica",
        'ALTER TABLE "children_historicalchild" DISABLE TRIGGER ALL',
        'DROP TRIGGER "children_historicalchild_no_update" ON "children_historicalchild"',
        'ALTER TABLE "casework_accesslog" OWNER TO CURRENT_USER',
        "CREATE TABLE wt_scratch (id int)",
    ],
)
def test_the_application_role_cannot_switch_the_triggers_off_or_change_the_schema(audit_rows, application_role, sql):
    refused(sql)


def test_the_application_works_as_the_application_role(db, cw_a, application_role):
    """Opening a case, an interview and an access-log row need nothing the role lacks."""
    from tests import factories

    child = factories.open_case_for(cw_a)
    record_interview(child=child, by=cw_a, held_on=datetime.date(2026, 11, 2), location_type="home")
    row = log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=child.pk)
    assert Child.history.filter(id=child.pk).count() == 1
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_every_audit_table_is_insert_only_for_the_application_role(db):
    role = role_name("app")
    statements = grant_statements(connection, role, connection.introspection.table_names())
    for table in audit_tables():
        assert f'GRANT SELECT, INSERT ON "{table}" TO "{role}"' in statements
    assert "casework_adminlogentry" in audit_tables()
    # Django's own admin log is not written (casework.admin); deleting an account deletes its rows there.
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON "django_admin_log" TO "{role}"' in statements
    assert set(HISTORY) <= set(audit_tables())


@pytest.mark.as_owner
def test_the_deploy_check_fails_for_a_superuser(db):
    assert execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]
    errors = application_database_role(None)
    assert [error.id for error in errors] == ["casework.E101"]
    assert "a superuser" in errors[0].msg


@pytest.mark.as_owner
def test_the_deploy_check_fails_for_the_owner_of_the_audit_tables(db):
    owner = role_name("owner")
    execute(f'CREATE ROLE "{owner}" NOLOGIN NOSUPERUSER')
    execute(f'ALTER TABLE "casework_accesslog" OWNER TO "{owner}"')
    execute(f'SET ROLE "{owner}"')
    try:
        problems = role_problems(connection)
    finally:
        execute("RESET ROLE")
    assert problems == [f"the application connects as {owner}, the owner of the audit tables (casework_accesslog)"]


def test_the_deploy_check_passes_for_the_application_role(application_role):
    assert application_database_role(None) == []


@pytest.mark.as_owner
def test_grant_app_role_gives_the_named_role_its_privileges(db):
    role = role_name("app")
    execute(f'CREATE ROLE "{role}" NOLOGIN')
    call_command("grant_app_role", role=role)
    granted = execute(
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE grantee = %s AND table_name = 'casework_accesslog' ORDER BY privilege_type",
        [role],
    )
    assert [row[0] for row in granted] == ["INSERT", "SELECT"]


def test_the_deploy_check_passes_while_the_server_logs_no_parameter_values(application_role):
    assert database_logs_no_values(None) == []


def test_the_deploy_check_fails_when_the_server_would_log_parameter_values(application_role):
    # A setting any session may change: the check reads what this connection would log with.
    execute("SET log_parameter_max_length_on_error = -1")
    try:
        errors = database_logs_no_values(None)
    finally:
        execute("RESET log_parameter_max_length_on_error")
    assert [error.id for error in errors] == ["casework.E102"]
    assert "log_parameter_max_length_on_error is -1" in errors[0].msg
