"""Make an encrypted backup: `python manage.py backup --output DIR`.

pg_dump (custom format) piped into age, encrypted to BACKUP_AGE_RECIPIENT, and a manifest
of row counts and the access log's chain head (casework.audit.backup)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.audit.backup import BackupError, backup
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Dump the PostgreSQL database, encrypted to BACKUP_AGE_RECIPIENT, with a manifest.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, required=True, help=gettext_lazy("directory for the dump and its manifest")
        )
        parser.add_argument(
            "--recipient", default=settings.BACKUP_AGE_RECIPIENT, help=gettext_lazy("age public key (age1...)")
        )

    def handle(self, *args, output, recipient, **options):
        if not recipient:
            raise CommandError(_("Set BACKUP_AGE_RECIPIENT (or --recipient) to the age public key backups go to."))
        try:
            dump, manifest = backup(connections[DEFAULT_DB_ALIAS], recipient=recipient, directory=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Backup written: %(path)s") % {"path": dump})
        self.stdout.write(_("Manifest: %(path)s") % {"path": manifest})
