"""The interface language: English, Korean or Simplified Chinese.

Before login the browser's language (Accept-Language) or the language chosen with the
switch on the login page (a cookie) applies, as Django's LocaleMiddleware reads them. A
signed-in person's choice is kept in their Preferences and copied into the session at
login, so it follows them to any device without a query per request. The language is
never part of a URL: a case's address is the same in every language.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from casework.models import Preferences

SESSION_KEY = "casework_language"


def is_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def remember(request: HttpRequest, response: HttpResponse, code: str) -> None:
    """Use `code` from now on in this browser (cookie) and this session."""
    if not is_supported(code):
        return
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = code
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )


@receiver(user_logged_in, dispatch_uid="casework.web.language.apply_preferred_language")
def apply_preferred_language(sender, request, user, **kwargs):
    """At login the person's own language, if they chose one, replaces the browser's."""
    code = Preferences.objects.filter(user=user).values_list("language", flat=True).first()
    if request is not None and code and is_supported(code):
        request.session[SESSION_KEY] = code


class PreferredLanguageMiddleware:
    """After authentication: the session's language (set at login or by the switch) wins
    over the cookie and the browser's Accept-Language that LocaleMiddleware read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if code and is_supported(code):
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if code and is_supported(code) and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            # The browser keeps the language after logout, for the login page.
            remember(request, response, code)
        return response
