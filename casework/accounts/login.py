"""Login throttling (django-axes): what a locked-out attempt looks like, and what it costs.

After AXES_FAILURE_LIMIT wrong passwords for one username, from whatever addresses, the
username is refused for AXES_COOLOFF_TIME, even with the right password; so is an address
after as many failures from it, whatever usernames it tried. The answer is the page a wrong
password gets, byte for byte and in the same time, so a lock-out tells an attacker nothing
(SE-1, SE-2, SE-10); the lock lapses by itself, and attempts during it do not extend it, so
nobody can lock a supervisor out for good. When an account's lock starts, an access-log row
records it against the account, so the team's supervisor sees it in the access review.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Sum
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django.shortcuts import render

from casework.audit.services import log_access
from casework.core.redirects import path_only
from casework.models import AccessAction

# Set on the request when axes refused it because a lock was already in force: its
# user_locked_out signal is then no news for the access review.
ALREADY_LOCKED = "casework_already_locked"


def locked_out(request, original_response=None, credentials=None):
    # axes refuses a locked username before any password is checked; a wrong password (or
    # an unknown user, see ModelBackend) costs one hash. Spend the same here, or the answer
    # time tells a lock apart.
    make_password(request.POST.get("password", ""))
    form = AuthenticationForm(request)
    error = ValidationError(
        form.error_messages["invalid_login"],
        code="invalid_login",
        params={"username": form.username_field.verbose_name},
    )
    # add_error needs a bound, cleaned form: preset Django's own error store instead.
    form._errors = ErrorDict({NON_FIELD_ERRORS: ErrorList([error])})  # type: ignore[attr-defined]
    context = {"form": form, "next": path_only(request.POST.get("next", ""))}
    return render(request, "registration/login.html", context)


class RequestDataFreeHandler(AxesDatabaseHandler):
    """django-axes' database handler, told nothing of the request's query string or form.

    Axes keeps every failed attempt's GET and POST data in `axes_accessattempt.get_data`
    and `post_data` (masking only the parameters it is told of). A login URL carries
    whatever `next` someone put there, and a form can carry any field, so the handler is
    handed empty ones: the columns stay empty and no search word is kept. Throttling
    needs only the username and the address."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        setattr(request, ALREADY_LOCKED, bool(getattr(request, "axes_locked_out", False)))
        # The same request object, not a copy: axes marks the lock-out on it for the middleware.
        kept = request.GET, request.POST
        request.GET, request.POST = QueryDict(), QueryDict()
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.GET, request.POST = kept

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login clears that username's failures only. Axes' own reset also
        clears every failure from the address, so someone with an account of their own
        could wipe the count against a colleague's username after every four guesses by
        logging in as themselves from the same address."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        from axes.models import AccessAttempt  # after the app registry

        deleted, _by_model = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def report_lock(sender, request, username, ip_address, **kwargs) -> None:
    """A lock has just started (axes' user_locked_out): one access-log row against the
    account, which the team's supervisor reads in the access review. Nothing for an
    unknown username, for an attempt refused by a lock already in force, or for a lock of
    the address alone (one address trying many usernames locks the address, not each
    account it named)."""
    if request is None or not username or getattr(request, ALREADY_LOCKED, False):
        return
    from axes.models import AccessAttempt  # after the app registry

    failures = AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
    if failures < settings.AXES_FAILURE_LIMIT:
        return
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is not None:
        log_access(user=user, action=AccessAction.LOCKED, object_type="user", request=request)
