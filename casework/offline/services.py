"""Every change for field work without a connection: registering and revoking devices,
what a device reports when it syncs or wipes, and a team's offline limits.

Each change is a tracked save (history: who, when, why); revocations, syncs and wipes are
also in the access log, with the device and never any content. The interviews a device
sends are applied by casework.interviews.services.record_interview, the service of the
online form, from the sync view."""

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.audit.services import log_access
from casework.core.tracked import save_tracked
from casework.models import AccessAction, OfflineDevice, OfflineSettings, Team


@transaction.atomic
def register_device(*, by: User, name: str) -> OfflineDevice:
    """A browser that will hold cases offline, under the name its caseworker gives it."""
    return save_tracked(
        OfflineDevice(user=by, name=name.strip()[:60]), by=by, reason=_("Device registered for field work")
    )


@transaction.atomic
def revoke_device(*, device: OfflineDevice, by: User, request: HttpRequest | None = None) -> OfflineDevice:
    """Revoke a device (its caseworker or her supervisor; the caller has checked which).
    Its next contact with the server tells it to wipe everything it holds."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = by
        save_tracked(device, by=by, reason=_("Device revoked"))
        log_access(
            user=by, action=AccessAction.REVOKE, object_type="offline_device", object_id=device.pk, request=request
        )
    return device


@transaction.atomic
def record_taken(*, device: OfflineDevice, by: User, case_ids: list, request: HttpRequest | None = None) -> None:
    """Cases taken onto a device: which cases, when (the row's time), on which device."""
    device.cases_held = len(case_ids)
    device.last_synced_at = timezone.now()
    save_tracked(device, by=by, reason=_("Cases taken offline"))
    log_access(
        user=by,
        action=AccessAction.OFFLINE,
        object_type="offline_device",
        object_id=device.pk,
        request=request,
        detail={"cases": [str(pk) for pk in case_ids]},
    )


@transaction.atomic
def record_sync(*, device: OfflineDevice, by: User, sent: int, request: HttpRequest | None = None) -> None:
    """A successful contact: the device's offline data lives another full period."""
    device.last_synced_at = timezone.now()
    save_tracked(device, by=by, reason=_("Device synced"))
    log_access(
        user=by,
        action=AccessAction.SYNC,
        object_type="offline_device",
        object_id=device.pk,
        request=request,
        detail={"interviews": sent},
    )


@transaction.atomic
def record_wipe(*, device: OfflineDevice, by: User, why: str, request: HttpRequest | None = None) -> None:
    """A device was told to wipe (revoked) or reports that it wiped (wrong PINs, expiry,
    logging out): the wipe is in the access log, with why."""
    if device.wiped_at is None or why == "revoked":
        device.wiped_at = timezone.now()
        device.cases_held = 0
        save_tracked(device, by=by, reason=_("Device wiped"))
    log_access(
        user=by,
        action=AccessAction.WIPE,
        object_type="offline_device",
        object_id=device.pk,
        request=request,
        detail={"why": why},
    )


@transaction.atomic
def update_offline_settings(
    *,
    team: Team,
    by: User,
    max_cases: int,
    expiry_hours: int,
    include_village: bool,
    include_notes: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> OfflineSettings:
    settings = OfflineSettings.objects.filter(team=team).first() or OfflineSettings(team=team)
    settings.max_cases = max_cases
    settings.expiry_hours = expiry_hours
    settings.include_village = include_village
    settings.include_notes = include_notes
    settings.full_clean()
    return save_tracked(
        settings,
        by=by,
        reason=reason or _("Offline limits changed"),
        expected_version=expected_version if settings.pk else None,
    )
