"""SE-4, SE-11: logging out leaves nothing of ours on the device. The CSRF token lives in
the session, so the session cookie is the only cookie the application ever sets, and
logout deletes it and asks the browser to clear the rest."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.signin import authenticator, code_for


def csrf_token(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def sign_in(client, username) -> None:
    """Both steps through the real forms, each with the CSRF token its page carries."""
    device = authenticator(get_user_model().objects.get(username=username))
    token = csrf_token(client.get(reverse("login")))
    response = client.post(
        reverse("login"), {"username": username, "password": factories.PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    token = csrf_token(client.get(reverse("accounts:two-factor")))
    response = client.post(reverse("accounts:two-factor"), {"token": code_for(device), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_session_cookie_is_the_only_cookie_ever_set(cw_a, case_a):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "cw_a")
    client.get(case_a.get_absolute_url())
    client.get(reverse("accounts:preferences"))
    assert set(client.cookies) == {settings.SESSION_COOKIE_NAME}
    assert "csrftoken" not in client.cookies


def test_the_session_cookie_has_the_host_prefix_in_production(client, cw_a):
    sign_in(client, "cw_a")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    # __Host-: Secure, path /, no Domain; the browser refuses it otherwise.
    assert cookie.key.startswith("__Host-")
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    # A session-lifetime cookie: gone when the browser closes.
    assert not cookie["expires"] and not cookie["max-age"]


def test_a_form_posted_with_the_token_from_the_session_is_accepted(cw_a):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "cw_a")
    page = client.get(reverse("accounts:preferences"))
    response = client.post(reverse("accounts:preferences"), {"csrfmiddlewaretoken": csrf_token(page)})
    assert response.status_code in (200, 302)
    assert client.post(reverse("accounts:preferences"), {}).status_code == 403


def test_after_logout_no_cookie_of_ours_is_left(cw_a, case_a):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "cw_a")
    page = client.get(reverse("accounts:preferences"))
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": csrf_token(page)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # Every cookie the logout answer sets is a deletion.
    assert {key: (cookie.value, cookie["max-age"]) for key, cookie in response.cookies.items()} == {
        settings.SESSION_COOKIE_NAME: ("", 0)
    }
    assert Session.objects.count() == 0


def test_logout_is_post_only(client, cw_a):
    client.force_login(cw_a)
    assert client.get(reverse("logout")).status_code == 405
    assert Session.objects.count() == 1
