"""Write the supervisor's timeline index (casework.models.TimelineRow) again from the
history tables: after history was loaded around the application, or to check the index
(the rows it writes are the ones the history rows' receiver keeps up to date)."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.management.base import TranslatedCommand
from casework.models import TimelineRow
from casework.supervision.timeline_index import rebuild


class Command(TranslatedCommand):
    help = gettext_lazy("Write the timeline's index again from the history.")

    def handle(self, *args, **options):
        with transaction.atomic():
            rebuild()
        self.stdout.write(_("Timeline index rebuilt: %(rows)s rows.") % {"rows": TimelineRow.objects.count()})
