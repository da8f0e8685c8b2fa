"""Sign-in changes: enrolling the second factor, checking it, resetting someone's devices,
and the password someone else set.

Every account signs in with a password and then a second factor: a TOTP code from an
authenticator app (django-otp), or one of ten single-use backup codes. A session counts as
signed in only once the second factor is verified in it (casework.web.middleware.
SignInCompleteMiddleware); until then the person reaches only these pages.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.access.services import record_devices_reset
from casework.accounts.sessions import end_sessions_of
from casework.audit.services import log_access
from casework.models import AccessAction, AccountSecurity

BACKUP_CODE_COUNT = 10


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_enrolment(*, user: User) -> TOTPDevice:
    """The account's unconfirmed authenticator, made once and shown until confirmed. The
    caller has checked that the account has no confirmed one: with a password alone nobody
    may add a second factor to an account that already has one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        # The name shows in nothing the person sees; the authenticator app shows the username only.
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows, and issue ten fresh backup codes
    (returned once, to be shown once; stored as django-otp stores them). None if the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=backup, token=code) for code in codes]  # history-safe: sign-in secrets, not case data
    )
    return codes


def verified_device(*, user: User, token: str) -> Device | None:
    """The confirmed device that accepts this code, if any. A TOTP code is accepted once (a
    code seen over a shoulder cannot be replayed in its window), a backup code is used up,
    and each device slows down repeated wrong codes (django-otp's throttling)."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(token):
                return device
    return None


@transaction.atomic
def reset_devices(*, user: User, by: User, request: HttpRequest | None = None, reason: str = "") -> int:
    """A lost or stolen phone: remove the person's authenticator and backup codes and end
    their sessions; they enrol again at their next login. Recorded in the access log
    against the admin who did it, and in the chained record of privilege changes that the
    team's supervisor reads (casework.access.services.record_devices_reset)."""
    record_devices_reset(user=user, by=by, reason=reason)
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _by_model = model.objects.filter(user=user).delete()
        removed += count
    end_sessions_of(user)
    log_access(
        user=by,
        action=AccessAction.RESET,
        object_type="user",
        object_id=user.pk,
        request=request,
        detail={"username": user.get_username()},
    )
    return removed


def must_change_password(user: User) -> bool:
    return AccountSecurity.objects.filter(user_id=user.pk, must_change_password=True).exists()


def password_changed_by_owner(*, user: User) -> None:
    mine = AccountSecurity.objects.filter(user_id=user.pk)
    mine.update(must_change_password=False)  # history-safe: an account flag, not case data
