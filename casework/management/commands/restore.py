"""Restore a backup into an empty database and prove it:
`python manage.py restore DUMP --manifest M --identity KEY --target-url postgres://.../empty_db`.

Decrypts with the age identity (the private key), pg_restore's into the empty target,
then compares every table's row count and the access log's chain head with the manifest
and runs verify_audit on the restored database (casework.audit.backup)."""

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.base import CommandError
from django.db.utils import load_backend
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.audit.backup import BackupError, restore
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Restore an encrypted backup into an empty PostgreSQL database and verify it against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", type=Path, help=gettext_lazy("the encrypted dump (.dump.age)"))
        parser.add_argument("--manifest", type=Path, required=True, help=gettext_lazy("the manifest written beside it"))
        parser.add_argument(
            "--identity", type=Path, required=True, help=gettext_lazy("the age identity file (private key)")
        )
        parser.add_argument("--target-url", required=True, help=gettext_lazy("the empty database to restore into"))

    def handle(self, *args, dump, manifest, identity, target_url, **options):
        parsed = dict(dj_database_url.parse(target_url))
        if parsed["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(_("Restore into a PostgreSQL database."))
        target_settings: dict[str, Any] = {
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "OPTIONS": {},
            "TIME_ZONE": None,
            "TEST": {},
            **parsed,
        }
        connection = load_backend(target_settings["ENGINE"]).DatabaseWrapper(target_settings, "restore-target")
        try:
            checked = restore(
                dump, manifest_path=manifest, identity=identity, target_settings=target_settings, target=connection
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        finally:
            connection.close()
        for line in checked:
            self.stdout.write(_("OK: %(check)s") % {"check": line})
        self.stdout.write(_("Restore verified."))
