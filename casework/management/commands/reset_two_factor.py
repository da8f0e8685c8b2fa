"""A lost or stolen phone: `manage.py reset_two_factor <username> --by <system admin>`.

Removes the person's authenticator and backup codes and ends their sessions; at their next
login they set up a new authenticator. The access log records which system admin did it.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework.accounts import services
from casework.core import roles


class Command(BaseCommand):
    help = "Reset someone's second factor (lost phone): they enrol again at their next login."

    def add_arguments(self, parser):
        parser.add_argument("username", help="whose authenticator and backup codes to remove")
        parser.add_argument("--by", required=True, help="the system admin doing it (recorded in the access log)")

    def handle(self, *args, username, by, **options):
        users = get_user_model()._default_manager
        try:
            user = users.get_by_natural_key(username)
            admin = users.get_by_natural_key(by)
        except users.model.DoesNotExist:
            raise CommandError("No such user.") from None
        if not admin.is_active or not roles.has_role(admin, roles.SYSTEM_ADMIN):
            raise CommandError(f"{by} is not an active system admin.")
        removed = services.reset_devices(user=user, by=admin)
        self.stdout.write(f"Removed {removed} device(s) of {username}; they set up a new one at their next login.")
