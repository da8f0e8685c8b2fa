"""Signing in through the real forms: the password, then a TOTP code computed here as the
person's authenticator app would (RFC 6238: HMAC-SHA1 of the 30-second counter)."""

import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

# A known authenticator key (hex, as django-otp stores it), so tests can compute codes.
KNOWN_KEY = "3132333435363738393031323334353637383930"


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    """The code the app shows now (or at `at`, seconds since the epoch)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = time.time() if at is None else at
    return f"{generator.token():0{device.digits}d}"


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator with the known key."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="phone", defaults={"key": KNOWN_KEY, "confirmed": True}
    )
    return device


def password_step(client, username, password=factories.PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def sign_in(client, user, password=factories.PASSWORD):
    """Both steps. The code is the current one; a test that signs in twice within one
    30-second window gets a fresh window (a code is accepted once, as it should be)."""
    device = authenticator(user)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    response = password_step(client, user.username, password)
    assert response.status_code == 302, response
    response = client.post(reverse("accounts:two-factor"), {"token": code_for(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response
