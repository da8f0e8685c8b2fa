"""SE-1, SE-2, SE-10: repeated wrong passwords lock the username (from whatever address) and
the address (whatever username) for a while, and neither a lock-out nor an unknown username
can be told apart from a wrong password, by its page or by its time."""

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


def test_forty_addresses_then_the_right_password_from_a_forty_first_is_locked(client, sup_a):
    """The attack of issue 9: an IPv6 attacker has addresses to spare."""
    for n in range(40):
        attempt(client, "sup_a", "wrong-password", address=f"2001:db8::{n:x}")
    response = attempt(client, "sup_a", factories.PASSWORD, address="2001:db8::ffff")
    assert response.status_code == 200 and "Please enter a correct username and password" in body(response)
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address_for_every_username(client, cw_a):
    for n in range(5):
        attempt(client, f"guess-{n}", "wrong-password", address="198.51.100.9")
    locked = attempt(client, "cw_a", factories.PASSWORD, address="198.51.100.9")
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    # The user themselves, from their own address, is not locked out by someone else's guesses.
    response = attempt(client, "cw_a", factories.PASSWORD, address="192.0.2.1")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(cw_a.pk)


def test_a_forged_forwarded_header_does_not_step_around_the_lock(client, cw_a, settings):
    """Behind a configured proxy, a client that reaches the application port directly sends
    a fresh X-Forwarded-For each time: the header is not believed, its address stays locked."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for n in range(5):
        client.post(
            URL,
            {"username": f"guess-{n}", "password": "wrong"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = client.post(
        URL,
        {"username": "cw_a", "password": factories.PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_through_the_configured_proxy_the_forwarded_address_is_the_one_throttled(client, cw_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for n in range(5):
        client.post(
            URL,
            {"username": f"guess-{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    # Another client behind the same proxy is not locked out by the first one's guesses.
    response = client.post(
        URL,
        {"username": "cw_a", "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(cw_a.pk)


def test_the_lock_holds_for_half_an_hour(client, cw_a):
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password")
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=29))
    assert attempt(client, "cw_a", factories.PASSWORD).status_code == 200


def test_the_lock_lapses_after_the_cool_off(client, cw_a):
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password")
    # Half an hour later, as the clock will say then.
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31))
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
