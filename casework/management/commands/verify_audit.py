"""Check the audit trail: `python manage.py verify_audit [--checkpoints DIR]`.

Every keyed chain (the access log, each history table; casework.audit.registry) is
walked in one snapshot of the database. With --checkpoints, every signed checkpoint in
DIR (written by audit_checkpoint) is checked against it too.

Exit status 0 when every chain verifies (and every checkpoint holds), 1 otherwise, with
the first broken row of each broken table named."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.audit.checkpoints import CheckpointError, CheckpointSet, load_public_key
from casework.audit.queries import verify_audit
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Verify every audit chain (and signed checkpoints) and name the first broken row of each table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help=gettext_lazy("rows fetched per round trip"))
        parser.add_argument(
            "--checkpoints", type=Path, help=gettext_lazy("directory of signed checkpoints to check against")
        )
        parser.add_argument(
            "--public-key",
            help=gettext_lazy("base64 Ed25519 public key of the checkpoints (default AUDIT_CHECKPOINT_PUBLIC_KEY)"),
        )

    def handle(self, *args, chunk_size, checkpoints, public_key, **options):
        checkpoint_set = None
        if checkpoints is not None:
            key_text = public_key or settings.AUDIT_CHECKPOINT_PUBLIC_KEY
            if not key_text:
                raise CommandError(
                    _("--checkpoints needs the public key: --public-key or AUDIT_CHECKPOINT_PUBLIC_KEY.")
                )
            try:
                checkpoint_set = CheckpointSet.read(checkpoints, load_public_key(key_text))
            except CheckpointError as error:
                raise CommandError(str(error)) from None
        report = verify_audit(chunk_size=chunk_size, checkpoints=checkpoint_set)
        for chain in report.chains:
            line = _("%(table)s: intact, %(rows)s rows, head seq %(seq)s %(hash)s")
            if not chain.intact:
                line = _("%(table)s: BROKEN, %(rows)s rows, head seq %(seq)s %(hash)s")
            self.stdout.write(
                line
                % {"table": chain.table, "rows": chain.rows_checked, "seq": chain.head_seq, "hash": chain.head_hash}
            )
        summary = _("%(rows)s rows in %(chains)s chains checked in %(seconds).2f s.") % {
            "rows": report.rows_checked,
            "chains": len(report.chains),
            "seconds": report.seconds,
        }
        if checkpoint_set is not None:
            summary += " " + _("%(count)s checkpoints checked.") % {"count": report.checkpoints_checked}
        if report.intact:
            self.stdout.write(_("Audit trail intact: %(summary)s") % {"summary": summary})
            return
        self.stdout.write(summary)
        problems = []
        for chain in report.broken:
            broken = chain.broken
            assert broken is not None
            at = timezone.localtime(broken.at).isoformat() if broken.at is not None else _("unknown time")
            problems.append(
                _("%(table)s chain broken at row id %(id)s (seq %(seq)s, at %(at)s): %(reason)s.")
                % {"table": chain.table, "id": broken.id, "seq": broken.seq, "at": at, "reason": broken.reason}
            )
        problems.extend(_("Checkpoint %(finding)s.") % {"finding": finding} for finding in report.checkpoint_findings)
        raise CommandError("\n".join(problems))
