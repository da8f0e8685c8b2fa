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
from django.core.management.base import BaseCommand, CommandError

from casework.audit.checkpoints import CheckpointError, load_signing_key, new_signing_key, write_checkpoint


class Command(BaseCommand):
    help = "Write a signed checkpoint of every audit chain's head to a directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="directory the checkpoint file is written to")
        parser.add_argument("--key", type=Path, help="Ed25519 private key (default AUDIT_CHECKPOINT_SIGNING_KEY_FILE)")
        parser.add_argument("--new-key", type=Path, help="create a key pair: the private key is written here")

    def handle(self, *args, output, key, new_key, **options):
        if new_key is not None:
            try:
                public = new_signing_key(new_key)
            except FileExistsError:
                raise CommandError(f"{new_key} exists; a key is never overwritten.") from None
            self.stdout.write(f"Private key written to {new_key}. Public key (AUDIT_CHECKPOINT_PUBLIC_KEY):")
            self.stdout.write(public)
            return
        if output is None:
            raise CommandError("--output DIR is required.")
        key_path = key or settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE
        if not key_path:
            raise CommandError("No signing key: --key FILE or AUDIT_CHECKPOINT_SIGNING_KEY_FILE.")
        try:
            path = write_checkpoint(output, load_signing_key(key_path))
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Checkpoint written to {path}")
