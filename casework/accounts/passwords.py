"""A password set by someone else must be changed at the next login.

Whoever sets a password other than its owner (the system admin in the admin, on creating an
account or resetting it, or anyone from the shell) knows it, and could sign in as that
person. So any save that sets a new password flags the account, unless the owner's own
password change marks it as theirs (OWNER_CHOSE). Re-hashing at login (a stored password
upgraded to Argon2) sets no new password and flags nothing: Django clears the raw password
before that save.
"""

from casework.models import AccountSecurity

# Set on the user instance by the owner's own password change before it saves.
OWNER_CHOSE = "_casework_password_chosen_by_owner"
# Set in the session at login while the account's password must be changed: the
# middleware reads the session, not the database, on every request.
MUST_CHANGE = "casework_must_change_password"


def flag_password_set_by_someone_else(sender, instance, created=False, raw=False, **kwargs) -> None:
    # Django keeps the raw password on the instance from set_password() until the save.
    if raw or getattr(instance, "_password", None) is None:
        return
    if getattr(instance, OWNER_CHOSE, False):
        return
    AccountSecurity.objects.update_or_create(user=instance, defaults={"must_change_password": True})


def remember_a_due_password_change(sender, request, user, **kwargs) -> None:
    if request is not None and AccountSecurity.objects.filter(user_id=user.pk, must_change_password=True).exists():
        request.session[MUST_CHANGE] = True
