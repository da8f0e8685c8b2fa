"""Give an account a role from the console, through the audited service: the first
system admin after `createsuperuser`, or a second one. The change takes effect at once
(the console is not a person the two-person rule could ask) and is recorded with an empty
actor, "the console"."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.access.services import grant_role
from casework.core import roles
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Give an account a role (caseworker, supervisor, data_admin, system_admin), recorded.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=roles.ROLES)
        parser.add_argument("--reason", required=True, help=gettext_lazy("why, for the record of privilege changes"))

    def handle(self, *args, username, role, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no account named %(username)s.") % {"username": username})
        try:
            grant_role(user=user, role=role, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(_("%(username)s: %(role)s granted and recorded.") % {"username": username, "role": role})
