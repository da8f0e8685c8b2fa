"""System checks of the deployment that only the running database can answer."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from casework.access.queries import office_accounts_in_case_roles
from casework.audit.roles import role_problems


@register(Tags.security, deploy=True)
def application_database_role(app_configs, **kwargs):
    """`check --deploy` fails when the application connects as a superuser or as the owner
    of the audit tables: either could switch the append-only triggers off."""
    try:
        problems = role_problems(connections[DEFAULT_DB_ALIAS])
    except DatabaseError as error:
        return [
            Warning(
                f"Could not check the database role the application connects as ({type(error).__name__}).",
                id="casework.W101",
            )
        ]
    return [
        Error(
            f"{problem}: it could switch off the append-only triggers and rewrite the audit trail.",
            hint="Connect as the application role and run migrations as the owner (README, Deployment).",
            id="casework.E101",
        )
        for problem in problems
    ]


@register(Tags.security, Tags.database)
def separation_of_duties(app_configs=None, databases=None, **kwargs):
    """No system admin, data admin or staff account holds a case role or a team (the
    services refuse it; this catches a raw group change). A database check: `migrate`,
    which every deployment start runs, stops while such an account exists."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    try:
        usernames = office_accounts_in_case_roles()
    except DatabaseError:  # before the first migration there are no tables to look in
        return []
    return [
        Error(
            f"Account {username} runs the system or the aggregates and also holds a case role or a team.",
            hint="Remove the case role or the team in the admin (Roles and teams): the two are kept apart.",
            id="casework.E002",
        )
        for username in usernames
    ]


@register(Tags.security, deploy=True)
def single_system_admin(app_configs, **kwargs):
    """The two-person rule is off: one system admin alone can grant case access."""
    if not settings.SINGLE_SYSTEM_ADMIN:
        return []
    return [
        Warning(
            "SINGLE_SYSTEM_ADMIN is on: a system admin's grants of roles and teams take effect without a "
            "second system admin's approval.",
            hint="Appoint a second system admin and set SINGLE_SYSTEM_ADMIN=0 (README, Security).",
            id="casework.W102",
        )
    ]


# What the server must log of a failed statement: placeholders, never parameter values
# (casework/settings.py binds them on the server; docker-compose.yml sets it, and the
# statement logging that log_parameter_max_length would govern is off there).
SERVER_LOG_SETTINGS = {"log_parameter_max_length_on_error": "0"}


@register(Tags.security, deploy=True)
def database_logs_no_values(app_configs, **kwargs):
    """`check --deploy` fails when PostgreSQL would write the values of a failed statement's
    parameters (a child's or a mother's name) to its log."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []
    found = {}
    try:
        # history-safe: reads server settings, writes nothing
        with connection.cursor() as cursor:
            for name in SERVER_LOG_SETTINGS:
                cursor.execute(f"SHOW {name}")
                found[name] = cursor.fetchone()[0]
    except DatabaseError as error:
        return [
            Warning(f"Could not read the database server's log settings ({type(error).__name__}).", id="casework.W103")
        ]
    return [
        Error(
            f"The database server logs parameter values: {name} is {found[name]}, not {wanted}.",
            hint="Set it to 0 in the server's configuration (docker-compose.yml's db command).",
            id="casework.E102",
        )
        for name, wanted in SERVER_LOG_SETTINGS.items()
        if found[name] != wanted
    ]
