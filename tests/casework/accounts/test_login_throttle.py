"""SE-1 and SE-2: repeated wrong passwords lock a (username, address) pair for a while, and
neither a lock-out nor an unknown username can be told apart from a wrong password."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests import factories

URL = reverse("login")


def attempt(client, username, password, address="198.51.100.7"):
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def body(response) -> str:
    """The page without its per-response CSRF tokens (form field and htmx header)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


@pytest.fixture
def client():
    return Client()


def test_five_wrong_passwords_lock_out_the_right_one(client, cw_a):
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password")
    response = attempt(client, "cw_a", factories.PASSWORD)
    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"
    assert "Please enter a correct username and password" in body(response)
    assert "_auth_user_id" not in client.session


def test_a_lock_out_looks_exactly_like_a_wrong_password(client, cw_a):
    wrong = attempt(client, "cw_a", "wrong-password")
    for _ in range(4):
        attempt(client, "cw_a", "wrong-password")
    locked = attempt(client, "cw_a", factories.PASSWORD)
    assert body(locked) == body(wrong)
    assert "Please enter a correct username and password" in body(locked)


def test_an_unknown_username_looks_exactly_like_a_wrong_password(client, cw_a):
    unknown = attempt(client, "nobody-here", "wrong-password")
    wrong = attempt(client, "cw_a", "wrong-password")
    assert (unknown.status_code, body(unknown)) == (wrong.status_code, body(wrong))


def test_failures_from_other_addresses_do_not_lock_out_the_supervisor(client, sup_a):
    for n in range(10):
        attempt(client, "sup_a", "wrong-password", address=f"203.0.113.{n}")
    response = attempt(client, "sup_a", factories.PASSWORD, address="192.0.2.1")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(sup_a.pk)


def test_the_lock_lapses_after_the_cool_off(client, cw_a):
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password")
    # Fifteen minutes later, as the clock will say then.
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    response = attempt(client, "cw_a", factories.PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(cw_a.pk)


def test_a_successful_login_forgets_earlier_failures(client, cw_a):
    for _ in range(4):
        attempt(client, "cw_a", "wrong-password")
    assert attempt(client, "cw_a", factories.PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(cw_a.pk)
    assert not AccessAttempt.objects.filter(username="cw_a").exists()
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    for _ in range(4):
        attempt(client, "cw_a", "wrong-password")
    response = attempt(client, "cw_a", factories.PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(cw_a.pk)


def test_the_password_is_never_stored_with_a_failed_attempt(client, cw_a):
    attempt(client, "cw_a", "my-secret-guess")
    assert "my-secret-guess" not in str(list(AccessAttempt.objects.values()))
