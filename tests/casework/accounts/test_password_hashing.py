"""Passwords are stored with Argon2id sized for our machines; a hash made before (PBKDF2, or
Argon2 with other parameters) is rewritten at the user's next login."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher
from django.urls import reverse

from casework import settings as production
from casework.core.passwords import CaseworkArgon2PasswordHasher
from tests import factories


@pytest.fixture
def real_hasher(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def test_a_new_password_is_hashed_with_argon2id(real_hasher, cw_a):
    cw_a.set_password(factories.PASSWORD)
    assert cw_a.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(cw_a.password), CaseworkArgon2PasswordHasher)


def test_an_old_pbkdf2_hash_is_upgraded_at_login(client, real_hasher, cw_a):
    cw_a.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, PBKDF2PasswordHasher().salt())
    cw_a.save()
    response = client.post(reverse("login"), {"username": "cw_a", "password": factories.PASSWORD})
    assert response.status_code == 302
    cw_a.refresh_from_db()
    assert cw_a.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert cw_a.check_password(factories.PASSWORD)
