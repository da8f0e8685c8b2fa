"""The signed-in person's own pages: where they start, their preferences, and quick exit."""

import calendar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.accounts.forms import PreferencesForm
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
    storage: nothing of the application stays on a shared or searched phone (SE-4, SE-11)."""
    logout(request)
    response = redirect(destination)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
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
    lasts and the current CSRF token (signing in again replaces it). Signed out: 401, with
    no redirect to follow."""
    if not request.user.is_authenticated:
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
