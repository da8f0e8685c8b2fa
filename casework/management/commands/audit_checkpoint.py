"""Write a signed checkpoint of every audit chain's head:
`python manage.py audit_checkpoint --output DIR`.

Run it from cron, a systemd timer or a compose service (README, "Audit trail"), with DIR
on another volume or machine than the database, and the Ed25519 private key
(AUDIT_CHECKPOINT_SIGNING_KEY_FILE) readable by that job alone. `verify_audit
--checkpoints DIR` then proves that nothing up to each checkpoint was rewritten.

`--new-key FILE` creates a key pair instead: the private key goes to FILE (mode 0600),
the public key, for AUDIT_CHECKPOINT_PUBLIC_KEY, is printed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.audit.checkpoints import CheckpointError, load_signing_key, new_signing_key, write_checkpoint
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Write a signed checkpoint of every audit chain's head to a directory.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help=gettext_lazy("directory the checkpoint file is written to"))
        parser.add_argument(
            "--key", type=Path, help=gettext_lazy("Ed25519 private key (default AUDIT_CHECKPOINT_SIGNING_KEY_FILE)")
        )
        parser.add_argument(
            "--new-key", type=Path, help=gettext_lazy("create a key pair: the private key is written here")
        )

    def handle(self, *args, output, key, new_key, **options):
        if new_key is not None:
            try:
                public = new_signing_key(new_key)
            except FileExistsError:
                raise CommandError(_("%(path)s exists; a key is never overwritten.") % {"path": new_key}) from None
            self.stdout.write(
                _("Private key written to %(path)s. Public key (AUDIT_CHECKPOINT_PUBLIC_KEY):") % {"path": new_key}
            )
            self.stdout.write(public)
            return
        if output is None:
            raise CommandError(_("--output DIR is required."))
        key_path = key or settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE
        if not key_path:
            raise CommandError(_("No signing key: --key FILE or AUDIT_CHECKPOINT_SIGNING_KEY_FILE."))
        try:
            path = write_checkpoint(output, load_signing_key(key_path))
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Checkpoint written to %(path)s") % {"path": path})
