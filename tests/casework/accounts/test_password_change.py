"""SE-6: a person changes their own password with the current one and a code; a password
set by someone else must be changed at the next login; stored passwords move to Argon2."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from casework.models import AccountSecurity
from tests import factories
from tests.signin import authenticator, code_for, password_step, sign_in

URL = reverse("accounts:password")
NEW = "a-new-long-password-of-my-own"


@pytest.fixture
def client():
    return Client()


def change(client, user, *, old=factories.PASSWORD, token=None):
    token = code_for(authenticator(user)) if token is None else token
    return client.post(URL, {"old_password": old, "new_password1": NEW, "new_password2": NEW, "token": token})


def reset_code_window(user):
    device = authenticator(user)
    device.last_t = -1
    device.save(update_fields=["last_t"])


def test_a_person_changes_their_password_with_the_current_one_and_a_code(client, cw_a):
    sign_in(client, cw_a)
    reset_code_window(cw_a)
    response = change(client, cw_a)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    cw_a.refresh_from_db()
    assert cw_a.check_password(NEW)
    # This session stays signed in.
    assert client.get(reverse("children:list")).status_code == 200


def test_the_change_ends_the_other_sessions(cw_a):
    here, elsewhere = Client(), Client()
    sign_in(here, cw_a)
    sign_in(elsewhere, cw_a)
    reset_code_window(cw_a)
    change(here, cw_a)
    assert elsewhere.get(reverse("children:list"))["Location"].startswith(reverse("login"))
    assert here.get(reverse("children:list")).status_code == 200


def test_a_wrong_current_password_changes_nothing(client, cw_a):
    sign_in(client, cw_a)
    reset_code_window(cw_a)
    response = change(client, cw_a, old="not-my-password")
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    cw_a.refresh_from_db()
    assert cw_a.check_password(factories.PASSWORD)


def test_without_the_second_factor_the_password_stays(client, cw_a):
    """A session left open on a shared computer is not enough to take the account over."""
    sign_in(client, cw_a)
    response = change(client, cw_a, token="000000")
    assert response.status_code == 200 and "token" in response.context["form"].errors
    cw_a.refresh_from_db()
    assert cw_a.check_password(factories.PASSWORD)


def test_a_password_set_by_an_admin_must_be_changed_at_next_login(client, cw_a, case_a):
    # What the admin's "change password" form does.
    cw_a.set_password("set-by-the-system-admin")
    cw_a.save()
    assert AccountSecurity.objects.get(user=cw_a).must_change_password

    sign_in(client, cw_a, password="set-by-the-system-admin")
    response = client.get(case_a.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(URL)
    assert "set by someone else" in client.get(URL).content.decode()

    reset_code_window(cw_a)
    response = change(client, cw_a, old="set-by-the-system-admin")
    assert response.status_code == 302
    assert not AccountSecurity.objects.get(user=cw_a).must_change_password
    assert client.get(case_a.get_absolute_url()).status_code == 200


def test_a_new_account_created_with_a_password_must_change_it(db):
    user = factories.UserFactory.build(username="newcomer", password="")
    user.set_password("chosen-by-the-admin")
    user.save()
    assert AccountSecurity.objects.get(user=user).must_change_password


def test_the_rehash_at_login_flags_nothing(client, cw_a, settings):
    """Upgrading a stored hash at login (casework.accounts.passwords) sets no new password."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    cw_a.password = make_password(factories.PASSWORD, hasher="md5")
    cw_a.save()
    assert password_step(client, "cw_a").status_code == 302
    cw_a.refresh_from_db()
    assert cw_a.password.startswith("argon2$")
    assert not AccountSecurity.objects.filter(user=cw_a, must_change_password=True).exists()


def test_the_password_page_needs_a_signed_in_person(client, cw_a):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Session.objects.count() == 0
