"""Write the supervisor's timeline index (casework.models.TimelineRow) again from the
history tables: after a restore of the history, or to check the index (the rows it writes
are the ones the history-row receiver keeps up to date)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from casework.models import TimelineRow
from casework.supervision.timeline_index import rebuild


class Command(BaseCommand):
    help = "Write the timeline's index again from the history tables."

    def handle(self, *args, **options):
        with transaction.atomic():
            rebuild()
        self.stdout.write(f"{TimelineRow.objects.count()} timeline index rows written from the history.")
