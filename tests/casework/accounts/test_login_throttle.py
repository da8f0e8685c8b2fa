"""SE-1, SE-2, SE-10: repeated wrong passwords lock the username (from whatever address) and
the address (whatever username) for a while, and neither a lock-out nor an unknown username
can be told apart from a wrong password, by its page or by its time. The start of an
account's lock is in the access log, where the team's supervisor sees it."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from casework.models import AccessLog
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


def some_time_ago(minutes: int) -> None:
    """Move every recorded failure back in time, as the clock will see them later."""
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=minutes))


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


def test_attempts_during_a_lock_do_not_extend_it(client, cw_a):
    """Otherwise one guess every 29 minutes would keep a known username locked for good."""
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password")
    some_time_ago(minutes=29)
    for _ in range(3):
        attempt(client, "cw_a", "wrong-password", address="203.0.113.66")
    some_time_ago(minutes=31)
    assert attempt(client, "cw_a", factories.PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(cw_a.pk)


def test_logging_in_as_oneself_does_not_wipe_the_failures_against_a_colleague(client, cw_a, cw_a2):
    """Axes' own reset clears the address's failures too: four guesses at a colleague's
    password, one login of one's own from the same address, and four more, without end."""
    for _ in range(4):
        attempt(client, "cw_a2", "guess", address="203.0.113.5")
    assert attempt(client, "cw_a", factories.PASSWORD, address="203.0.113.5").status_code == 302
    client.post(reverse("logout"))
    attempt(client, "cw_a2", "guess", address="203.0.113.6")
    response = attempt(client, "cw_a2", factories.PASSWORD, address="192.0.2.1")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_lock_is_recorded_once_against_the_account_in_the_access_log(client, cw_a):
    for _ in range(8):
        attempt(client, "cw_a", "wrong-password", address="203.0.113.9")
    rows = list(AccessLog.objects.filter(action="locked").values_list("user_id", "username", "address"))
    assert rows == [(cw_a.pk, "cw_a", "203.0.113.9")]


def test_a_lock_on_an_unknown_username_records_no_account(client, cw_a):
    for _ in range(6):
        attempt(client, "nobody-here", "wrong-password")
    assert not AccessLog.objects.filter(action="locked").exists()


def test_an_address_locked_for_trying_many_usernames_records_no_account(client, cw_a):
    """The address is locked, not cw_a, whose one failure only happened to be the fifth."""
    for name in ["anna", "bora", "chen", "dong"]:
        attempt(client, name, "wrong-password", address="203.0.113.50")
    attempt(client, "cw_a", "wrong-password", address="203.0.113.50")
    assert not AccessLog.objects.filter(action="locked").exists()


def test_the_teams_supervisor_sees_the_lock_in_the_access_review(client, cw_a, sup_a, sup_b):
    for _ in range(5):
        attempt(client, "cw_a", "wrong-password", address="203.0.113.9")
    client.force_login(sup_a)
    response = client.get(reverse("supervision:access"), {"kind": "locked"})
    assert [(r.username, r.action, r.address) for r in response.context["page"]] == [("cw_a", "locked", "203.0.113.9")]
    assert "Locked out" in response.content.decode()
    client.force_login(sup_b)
    assert list(client.get(reverse("supervision:access"), {"kind": "locked"}).context["page"]) == []
