"""python manage.py export_aggregates --format csv|json [--output FILE] [--user USERNAME] [--release N]

The latest published release of the anonymised aggregates (or release N), the same
records as the dashboard's downloads, to standard output or a file. When nothing has been
published yet, the first release is published now (reason "first release, published by
export_aggregates"); later releases come from `publish_release` or the releases page. Every
run is in the access log: with --user, as that data admin; without, as an operator at the
console (no user).
"""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.aggregates import export as aggregates
from casework.aggregates import queries
from casework.aggregates.services import publish_release
from casework.audit.services import log_access
from casework.core import roles
from casework.management.base import TranslatedCommand
from casework.models import AccessAction
from families.models import Province


class Command(TranslatedCommand):
    help = gettext_lazy("Export the anonymised aggregates (suppressed like the dashboard) as CSV or JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(aggregates.WRITERS), default="csv")
        parser.add_argument("--output", help=gettext_lazy("file to write (standard output when not given)"))
        parser.add_argument(
            "--user", help=gettext_lazy("the data admin on whose behalf the export runs (for the access log)")
        )
        parser.add_argument(
            "--province", choices=Province.values, default="", help=gettext_lazy("one province's groups only")
        )
        parser.add_argument("--year", type=int, help=gettext_lazy("interview months of this year only"))
        parser.add_argument(
            "--release", type=int, help=gettext_lazy("an earlier release by number (default: the latest)")
        )

    def handle(self, *args, **options):
        user: User | AnonymousUser = AnonymousUser()
        if options["user"]:
            admin = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if admin is None or not roles.has_role(admin, roles.DATA_ADMIN):
                raise CommandError(_("--user must name an active data admin."))
            user = admin
        fmt = options["format"]
        if options["release"]:
            release = queries.release(options["release"])
            if release is None:
                raise CommandError(_("There is no release %(number)s.") % {"number": options["release"]})
        else:
            release = queries.latest_release() or publish_release(
                by=user if isinstance(user, User) else None, reason="first release, published by export_aggregates"
            )
        records = aggregates.release_records(release)
        if options["year"] and options["year"] not in aggregates.available_years(records):
            raise CommandError(_("There are no interview months in %(year)s.") % {"year": options["year"]})
        filters = aggregates.Filters(province=options["province"], year=options["year"])
        chosen = aggregates.select(records, filters)
        # The log row is written before any byte leaves, so an export cut short is still on record.
        log_access(
            user=user,
            action=AccessAction.EXPORT,
            object_type="aggregates",
            detail={
                "format": fmt,
                **filters.as_detail(),
                "release": release.number,
                "records": len(chosen),
                "source": "command",
                "output": "file" if options["output"] else "stdout",
            },
        )
        buffer = io.StringIO()
        aggregates.WRITERS[fmt](chosen, buffer, release)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as stream:
                stream.write(buffer.getvalue())
        else:
            self.stdout.write(buffer.getvalue(), ending="")
