"""Signing in for the benchmarks: every account needs its second factor.

`verify(client, user)` does for a Django test client what a code typed at the second step
does (the session remembers the device that verified it). `code_for_key(hex_key)` is the
code an authenticator app with that key shows now (RFC 6238), for the benchmarks that log in
over HTTP.
"""

import hashlib
import hmac
import struct
import time

# A fixed authenticator key for the benchmark users (hex, as django-otp stores it).
BENCH_KEY = "3132333435363738393031323334353637383930"


def verify(client, user) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY  # needs the app registry, ready by now
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"key": BENCH_KEY, "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def code_for_key(hex_key: str, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# Run with `manage.py shell -c`: gives USERNAME the benchmark's authenticator.
GIVE_AUTHENTICATOR = f"""
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
user = get_user_model().objects.get(username=USERNAME)
TOTPDevice.objects.filter(user=user).delete()
TOTPDevice.objects.create(user=user, name="bench", key={BENCH_KEY!r}, confirmed=True)
# Its password was set by the benchmark, not by the user: no change demanded at login.
from casework.models import AccountSecurity
AccountSecurity.objects.filter(user=user).update(must_change_password=False)
"""
