"""A deactivated account keeps no session (AC-12).

Django refuses an inactive user on the next request but leaves the session row behind, so
reactivating the account would revive the old cookie on whatever phone still holds it.
Deleting the rows the moment the account is deactivated, by any path (the admin, a
script, a service), closes that.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session


def end_sessions_of(user: User) -> int:
    """Delete every session of `user`; the number deleted. Sessions are signed blobs, so
    each is decoded: a few hundred rows for an NGO's staff, on a rare event."""
    doomed = [
        session.pk for session in Session.objects.iterator() if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    deleted, _ = Session.objects.filter(pk__in=doomed).delete()
    return deleted


def end_sessions_when_deactivated(sender, instance: User, **kwargs) -> None:
    if not instance.is_active and instance.pk is not None:
        end_sessions_of(instance)
