import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, QueryDict
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control

from casework.accounts import passwords, services
from casework.core.redirects import path_only
from casework.web.htmx import is_htmx


class NoStoreMiddleware:
    """Case pages must never sit in a browser or proxy cache on a shared machine."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


# Everything the pages need is served by the application itself: no inline script, no
# third-party origin. A leak through an injected script or a framed page is closed here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """A lost database connection answers 503 with "nothing was saved, try again" rather
    than a bare error; the next request reconnects (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logging.getLogger("casework.database").error("database unavailable during %s %s", request.method, request.path)
        # The broken connection is closed by Django's own end-of-request clean-up and the
        # next request opens a fresh one (CONN_HEALTH_CHECKS).
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response


def session_seconds_left(request) -> int:
    """How long the signed-in session lasts without another request: what is left of the
    idle limit since the session was last renewed, or of the eight hours if that is
    sooner. The page warns before it ends."""
    now = time.time()
    started = request.session.get(SessionLifetimeMiddleware.STARTED, now)
    renewed = request.session.get(SessionLifetimeMiddleware.RENEWED, now)
    idle_left = settings.SESSION_COOKIE_AGE - (now - renewed)
    return max(0, int(min(idle_left, settings.SESSION_MAX_SECONDS - (now - started))))


def renew_session(request) -> None:
    """Restart the idle limit now: the session is saved (with a new expiry) at the end of
    this request."""
    request.session[SessionLifetimeMiddleware.RENEWED] = time.time()


class SessionLifetimeMiddleware:
    """A session ends SESSION_MAX_SECONDS after login however active it is: a laptop left
    logged in on a working day does not stay open overnight. The idle limit is Django's
    SESSION_COOKIE_AGE, renewed by saving the session, which this middleware does at most
    once every SESSION_RENEW_SECONDS: saving it on every request cost each page a second
    commit (docs/benchmarks.md), and the idle limit is then exact to within that minute."""

    STARTED = "casework_session_started"
    RENEWED = "casework_session_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(self.STARTED, now)
            if now - started > settings.SESSION_MAX_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(self.RENEWED, 0) >= settings.SESSION_RENEW_SECONDS:
                renew_session(request)
        response = self.get_response(request)
        if request.user.is_authenticated:
            # The page's warning before the session ends (static/js/casework.js) counts from this.
            response["X-Session-Seconds"] = str(session_seconds_left(request))
        return response


@receiver(user_logged_in, dispatch_uid="casework.web.middleware.start_session_lifetime")
def start_session_lifetime(sender, request, user, **kwargs):
    """Login saves the session anyway: start both clocks there, so the first page after it
    writes nothing."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SessionLifetimeMiddleware.STARTED] = now
        request.session[SessionLifetimeMiddleware.RENEWED] = now


class LoginNextWithoutQueryMiddleware:
    """Every redirect to the login page (login_required, an ended session) carries in
    `next` the path of the page only, never its query string: a search query would
    otherwise sit in the address bar, the browser history and the login form
    (casework.core.redirects). htmx requests get no redirect at all
    (HtmxLoginRedirectMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login = resolve_url(settings.LOGIN_URL)
        if "Location" in response and response["Location"].split("?")[0] == login:
            response["Location"] = login_url_for(response["Location"], login)
        return response


def login_url_for(location: str, login: str) -> str:
    next_path = path_only(QueryDict(urlsplit(location).query).get("next", ""))
    if not next_path:
        return login
    query = QueryDict(mutable=True)
    query["next"] = next_path
    # As Django's redirect_to_login writes it: slashes left readable.
    return f"{login}?{query.urlencode(safe='/')}"


class HtmxLoginRedirectMiddleware:
    """When a session has ended, an htmx request (a search as the user types, an edit in
    place) would follow the redirect and get the login page swapped into a fragment of the
    old page, or, loaded whole, lose what was typed. It answers 401 instead, with no
    address to go to (a login `next` would carry the search words): static/js/casework.js
    keeps the form as it is, says the session ended and offers to sign in again in another
    tab and save from here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_htmx(request) and response.status_code == 302:
            login = resolve_url(settings.LOGIN_URL)
            if response["Location"].split("?")[0] == login:
                ended = HttpResponse(status=401)
                ended["HX-Reswap"] = "none"
                return ended
        return response


class SignInCompleteMiddleware:
    """Signing in is the password, then the second factor, then (if someone else set the
    password) a new password of one's own. Until this session has done all three the person
    reaches only the pages that do them, logout, quick exit and the language switch: a
    password alone opens no case page, no aggregate and no admin page (SE-7). `next`
    carries the page's path only, as on the login page; htmx gets 401 with nothing to
    follow, as when a session ends."""

    OPEN_PATHS = (
        "login",
        "logout",
        "accounts:two-factor",
        "accounts:enrol",
        "accounts:quick-exit",
        "accounts:neutral",
        "accounts:language",
        "accounts:session",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or self._open(request.path):
            return self.get_response(request)
        if not user.is_verified():
            step = "accounts:two-factor" if services.has_second_factor(user) else "accounts:enrol"
            return self._send_to(request, step)
        if request.session.get(passwords.MUST_CHANGE) and request.path != resolve_url("accounts:password"):
            return self._send_to(request, "accounts:password")
        return self.get_response(request)

    def _send_to(self, request, step: str) -> HttpResponse:
        if is_htmx(request):
            unfinished = HttpResponse(status=401)
            unfinished["HX-Reswap"] = "none"
            return unfinished
        return redirect_to_login(path_only(request.path), resolve_url(step))

    def _open(self, path: str) -> bool:
        return path.startswith(settings.STATIC_URL) or path in {resolve_url(name) for name in self.OPEN_PATHS}
