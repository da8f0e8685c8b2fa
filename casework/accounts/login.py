"""Login throttling (django-axes): what a locked-out attempt looks like.

After AXES_FAILURE_LIMIT wrong passwords for one username, from whatever addresses, the
username is refused for AXES_COOLOFF_TIME, even with the right password; so is an address
after as many failures from it, whatever usernames it tried. The answer is the page a wrong
password gets, byte for byte and in the same time, so a lock-out tells an attacker nothing
(SE-1, SE-2, SE-10); the lock lapses by itself, so nobody can lock a supervisor out for good.
"""

from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django.shortcuts import render

from casework.core.redirects import path_only


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
        # The same request object, not a copy: axes marks the lock-out on it for the middleware.
        kept = request.GET, request.POST
        request.GET, request.POST = QueryDict(), QueryDict()
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.GET, request.POST = kept
