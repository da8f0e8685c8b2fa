"""Give the application's database role its privileges: `python manage.py grant_app_role`.

Run by the owner right after `migrate` (docker-compose.yml's migrate service), so every
table a migration created is covered. The role is DATABASE_APP_ROLE or --role; what it
gets is in casework.audit.roles. PostgreSQL only."""

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.audit.roles import grant_statements
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Grant the application role SELECT/INSERT (and UPDATE, DELETE where it must) on every table.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", default=settings.DATABASE_APP_ROLE, help=gettext_lazy("the application's database role")
        )

    def handle(self, *args, role, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            raise CommandError(_("Database roles exist on PostgreSQL only."))
        if not role:
            raise CommandError(_("Name the application role: DATABASE_APP_ROLE or --role."))
        statements = grant_statements(connection, role, connection.introspection.table_names())
        # history-safe: GRANT and REVOKE statements, no row of any table
        with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            _("Granted %(role)s its privileges on %(tables)s tables.") % {"role": role, "tables": len(statements) - 4}
        )
