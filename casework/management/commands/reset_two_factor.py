"""A lost or stolen phone: `manage.py reset_two_factor <username> --by <system admin>`.

Removes the person's authenticator and backup codes and ends their sessions; at their next
login they set up a new authenticator. The access log and the record of privilege changes
(which the team's supervisor reads) say which system admin did it.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.accounts import services
from casework.core import roles
from casework.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Reset someone's second factor (lost phone): they enrol again at their next login.")

    def add_arguments(self, parser):
        parser.add_argument("username", help=gettext_lazy("whose authenticator and backup codes to remove"))
        parser.add_argument(
            "--by", required=True, help=gettext_lazy("the system admin doing it (recorded in the access log)")
        )
        parser.add_argument("--reason", default="", help=gettext_lazy("why, for the record of privilege changes"))

    def handle(self, *args, username, by, reason, **options):
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
            admin = users.get_by_natural_key(by)
        except users.model.DoesNotExist:
            raise CommandError(_("No such user.")) from None
        if not admin.is_active or not roles.has_role(admin, roles.SYSTEM_ADMIN):
            raise CommandError(_("%(username)s is not an active system admin.") % {"username": by})
        removed = services.reset_devices(user=user, by=admin, reason=reason)
        self.stdout.write(
            _("Removed %(count)s device(s) of %(username)s; they set up a new one at their next login.")
            % {"count": removed, "username": username}
        )
