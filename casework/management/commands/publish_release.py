"""python manage.py publish_release --user USERNAME --reason TEXT

Publishes the next release of the anonymised aggregates on behalf of a data admin (the
same service as the releases page: a reason is required, at most
`AGGREGATES_RELEASES_PER_MONTH` a calendar month, in the access log), for a schedule such
as a monthly cron job. Prints the release's number.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.aggregates.services import publish_release
from casework.core import roles
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Publish the next release of the anonymised aggregates (with a reason).")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help=gettext_lazy("the data admin who publishes the release"))
        parser.add_argument("--reason", required=True, help=gettext_lazy("why a new release is published"))

    def handle(self, *args, **options):
        admin = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if admin is None or not roles.has_role(admin, roles.DATA_ADMIN):
            raise CommandError(_("--user must name an active data admin."))
        try:
            release = publish_release(by=admin, reason=options["reason"])
        except ValidationError as refusal:
            raise CommandError(" ".join(refusal.messages)) from refusal
        self.stdout.write(
            _("Release %(number)s published (%(records)s records).")
            % {"number": release.number, "records": len(release.records)}
        )
