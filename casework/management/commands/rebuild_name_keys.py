"""Rewrite the name search keys of every case: for cases recorded before the keys existed,
and after an upgrade of the reading libraries (pypinyin, hanja, korean-romanizer, OpenCC)
changed how a name reads."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.management.base import TranslatedCommand
from casework.names.keys import write_name_keys
from children.models import Child


class Command(TranslatedCommand):
    help = gettext_lazy("Rewrite the name search keys of every case.")

    def handle(self, *args, **options):
        cases = written = 0
        ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 500):
            batch = Child.objects.filter(pk__in=ids[start : start + 500])
            written += write_name_keys(children=batch)
            cases += len(ids[start : start + 500])
        self.stdout.write(
            _("Name keys rebuilt: %(keys)s keys for %(cases)s cases.") % {"keys": written, "cases": cases}
        )
