"""The signed-in person's own pages: where they start, their preferences, quick exit, the
second factor (enrolment and verification) and their password."""

import base64
import calendar

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from casework.accounts import passwords, services
from casework.accounts.forms import EnrolForm, PasswordChangeForm, PreferencesForm, SecondFactorForm
from casework.core import roles
from casework.core.redirects import path_only
from casework.models import Preferences
from casework.web import language as interface_language
from casework.web.middleware import renew_session, session_seconds_left


class LoginView(DjangoLoginView):
    """Django's login, with `next` cut to its path: a query string (search words) handed in
    by anyone is neither rendered on the page nor followed after login."""

    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return path_only(url)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    prefs, _created = Preferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        prefs = form.save()
        response = redirect("accounts:preferences")
        if prefs.language:
            interface_language.remember(request, response, prefs.language)
            translation.activate(prefs.language)
        messages.success(request, _("Preferences saved."))
        return response
    return render(request, "casework/accounts/preferences.html", {"form": form})


def _end_session(request, destination: str):
    """Log out, delete the session row, and tell the browser to drop our cookies, cache and
    storage: nothing of the application stays on a shared or searched phone (SE-4, SE-11);
    only interviews that wait to be sent are kept, encrypted (casework.offline)."""
    keep_offline = request.POST.get("keep_offline") == "1"
    logout(request)
    response = redirect(destination)
    # Interviews logged offline and not yet sent stay in the browser's storage, encrypted
    # under the offline PIN (static/js/offline.js removed the cases before sending this).
    response["Clear-Site-Data"] = '"cache", "cookies"' if keep_offline else '"cache", "cookies", "storage"'
    return response


@require_POST
def switch_language(request):
    """The switch on every page, the login page included. Signed in, the choice is kept
    in the person's preferences; either way the browser remembers it (a cookie). Back to
    the page it came from (same site only), whose address carries no language."""
    code = request.POST.get("language", "")
    back = request.POST.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "home" if request.user.is_authenticated else "login"
    response = redirect(back)
    if interface_language.is_supported(code):
        interface_language.remember(request, response, code)
        if request.user.is_authenticated:
            Preferences.objects.update_or_create(user=request.user, defaults={"language": code})
    return response


@csrf_exempt
@require_POST
def quick_exit(request):
    """End the session at once and leave for a neutral page. No CSRF check: anyone may log
    anyone out of here, and a stale token must never stand between a caseworker and the exit."""
    return _end_session(request, "accounts:neutral")


@require_POST
def sign_out(request):
    """The ordinary Log out button: as quick exit, but back to the login page."""
    return _end_session(request, settings.LOGOUT_REDIRECT_URL)


@require_GET
def neutral(request):
    """Where quick exit lands: an ordinary calendar with nothing of the application on it."""
    today = timezone.localdate()
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(today.year, today.month)
    context = {"today": today, "weeks": weeks, "day_names": [WEEKDAYS_ABBR[day] for day in range(7)]}
    return render(request, "casework/accounts/neutral.html", context)


@login_required
@require_GET
def home(request):
    """Each role starts where its work is; a data admin never lands on a list of cases."""
    if roles.has_role(request.user, roles.DATA_ADMIN):
        return redirect("aggregates:dashboard")
    if roles.has_role(request.user, roles.SYSTEM_ADMIN) and not (
        roles.has_role(request.user, roles.CASEWORKER) or roles.has_role(request.user, roles.SUPERVISOR)
    ):
        return redirect("admin:index")
    return redirect("children:list")


@require_GET
def session_status(request):
    """Asked by static/js/casework.js: before a form is sent, and when the user chooses to
    stay signed in (this request always renews the idle limit, which other pages do at most
    once a minute). Signed in, it answers who (so that a
    form typed by one person is never sent under another's sign-in), how long the session
    lasts and the current CSRF token (signing in again replaces it). Signed out, or
    signed in without the second factor yet (a form sent now would not be saved): 401,
    with no redirect to follow."""
    if not request.user.is_authenticated or not request.user.is_verified():
        return JsonResponse({"signed_in": False}, status=401)
    renew_session(request)
    return JsonResponse(
        {
            "signed_in": True,
            "user": request.user.pk,
            "seconds_left": session_seconds_left(request),
            "csrf_token": get_token(request),
        }
    )


def _next_page(request) -> str:
    """Where the sign-in steps lead on: `next` cut to its path, as on the login page, or home."""
    return path_only(request.POST.get("next") or request.GET.get("next") or "") or resolve_url("home")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """The second step of signing in: a code from the authenticator app or a backup code."""
    if request.user.is_verified():
        return redirect(_next_page(request))
    if not services.has_second_factor(request.user):
        return redirect("accounts:enrol")
    form = SecondFactorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(_next_page(request))
    return render(request, "casework/accounts/two_factor.html", {"form": form, "next": _next_page(request)})


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """First login: set up the authenticator app from a QR code drawn here (no outside
    service sees the secret), confirm it with a code, and get ten backup codes, shown once."""
    if request.user.is_verified() or services.has_second_factor(request.user):
        # Adding a device needs the second factor itself; a password alone adds nothing.
        return redirect("accounts:two-factor")
    device = services.start_enrolment(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_enrolment(user=request.user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            context = {"codes": codes, "next": _next_page(request)}
            return render(request, "casework/accounts/backup_codes.html", context)
        form.add_error("token", _("That code is not valid. Check the time on your phone and try the next code."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    secret = base64.b32encode(device.bin_key).decode()
    # segno's own SVG, built from the device's key and the username: no user-typed markup.
    page: dict[str, object] = {"form": form, "qr": mark_safe(qr), "secret": secret, "next": _next_page(request)}  # noqa: S308
    return render(request, "casework/accounts/enrol.html", page)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's own password: the current one, the new one twice, and a code."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # This session stays signed in; every other session of the account ends.
        update_session_auth_hash(request, form.user)
        request.session.pop(passwords.MUST_CHANGE, None)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    due = bool(request.session.get(passwords.MUST_CHANGE))
    return render(request, "casework/accounts/password_change.html", {"form": form, "due": due})
