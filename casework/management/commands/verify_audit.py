"""Check the audit trail: `python manage.py verify_audit [--checkpoints DIR]`.

Every keyed chain (the access log, each history table; casework.audit.registry) is
walked in one snapshot of the database. With --checkpoints, every signed checkpoint in
DIR (written by audit_checkpoint) is checked against it too.

Exit status 0 when every chain verifies (and every checkpoint holds), 1 otherwise, with
the first broken row of each broken table named."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.audit.checkpoints import CheckpointError, CheckpointSet, load_public_key
from casework.audit.queries import verify_audit


class Command(BaseCommand):
    help = "Verify every audit chain (and signed checkpoints) and name the first broken row of each table."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows fetched per round trip")
        parser.add_argument("--checkpoints", type=Path, help="directory of signed checkpoints to check against")
        parser.add_argument(
            "--public-key", help="base64 Ed25519 public key of the checkpoints (default AUDIT_CHECKPOINT_PUBLIC_KEY)"
        )

    def handle(self, *args, chunk_size, checkpoints, public_key, **options):
        checkpoint_set = None
        if checkpoints is not None:
            key_text = public_key or settings.AUDIT_CHECKPOINT_PUBLIC_KEY
            if not key_text:
                raise CommandError("--checkpoints needs the public key: --public-key or AUDIT_CHECKPOINT_PUBLIC_KEY.")
            try:
                checkpoint_set = CheckpointSet.read(checkpoints, load_public_key(key_text))
            except CheckpointError as error:
                raise CommandError(str(error)) from None
        report = verify_audit(chunk_size=chunk_size, checkpoints=checkpoint_set)
        for chain in report.chains:
            state = "intact" if chain.intact else "BROKEN"
            self.stdout.write(
                f"{chain.table}: {state}, {chain.rows_checked} rows, head seq {chain.head_seq} {chain.head_hash}"
            )
        summary = f"{report.rows_checked} rows in {len(report.chains)} chains checked in {report.seconds:.2f} s."
        if checkpoint_set is not None:
            summary += f" {report.checkpoints_checked} checkpoints checked."
        if report.intact:
            self.stdout.write(f"Audit trail intact: {summary}")
            return
        self.stdout.write(summary)
        problems = []
        for chain in report.broken:
            broken = chain.broken
            assert broken is not None
            at = timezone.localtime(broken.at).isoformat() if broken.at is not None else "unknown time"
            problems.append(
                f"{chain.table} chain broken at row id {broken.id} (seq {broken.seq}, at {at}): {broken.reason}."
            )
        problems.extend(f"Checkpoint {finding}." for finding in report.checkpoint_findings)
        raise CommandError("\n".join(problems))
