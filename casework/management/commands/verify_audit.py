"""Check the access log's hash chain: `python manage.py verify_audit`.

Exit status 0 when the chain is intact, 1 with the first broken row named when not."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.audit.queries import verify_chain


class Command(BaseCommand):
    help = "Verify the access log's hash chain and name the first broken row."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows fetched per round trip")

    def handle(self, *args, chunk_size, **options):
        report = verify_chain(chunk_size=chunk_size)
        summary = f"{report.rows_checked} rows checked in {report.seconds:.2f} s."
        broken = report.broken
        if broken is None:
            self.stdout.write(f"Access log chain intact: {summary}")
            self.stdout.write(
                f"Head: seq {report.head_seq}, hash {report.head_hash} (keep it elsewhere to detect truncation)."
            )
            return
        at = timezone.localtime(broken.at).isoformat() if broken.at is not None else "unknown time"
        self.stdout.write(summary)
        raise CommandError(
            f"Access log chain broken at row id {broken.id} (seq {broken.seq}, at {at}): {broken.reason}."
        )
