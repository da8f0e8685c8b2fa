"""Login throttling (django-axes): what a locked-out attempt looks like.

After AXES_FAILURE_LIMIT wrong passwords for one username, from whatever addresses, the
username is refused for AXES_COOLOFF_TIME, even with the right password; so is an address
after as many failures from it, whatever usernames it tried. The answer is the page a wrong
password gets, byte for byte and in the same time, so a lock-out tells an attacker nothing
(SE-1, SE-2, SE-10); the lock lapses by itself, so nobody can lock a supervisor out for good.
"""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.shortcuts import render


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
    context = {"form": form, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context)
