"""System checks of the deployment that only the running database can answer."""

from django.core.checks import Error, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

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
