"""Field interviews: what a caseworker saw on a visit, and what it changed.

Logging an interview can update the mother's status and the four doors in the same
transaction; each of those goes through the case-record service that owns it.
"""

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.core.tracked import save_tracked
from casework.models import Interview
from casework.plans.services import ServiceEntry, record_service
from children.models import Child
from children.services import DoorUpdate, change_mother_status, update_door


def record_interview(*, child: Child, submission_token: uuid.UUID | None = None, **details: Any) -> Interview:
    """Log a field interview and, in the same transaction, what it found (see
    `_record_interview`). A `submission_token` already used returns that interview
    instead of a second one: the database's unique index on the token refuses the
    second INSERT, and only then is the first one read, so that a save costs no
    query to look for a twin that is almost never there."""
    try:
        return _record_interview(child=child, submission_token=submission_token, **details)
    except IntegrityError:
        if submission_token is None:
            raise
        earlier = Interview.objects.filter(submission_token=submission_token, child=child).first()
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def _record_interview(
    *,
    child: Child,
    by: User,
    held_on: datetime.date,
    location_type: str,
    participants: str = "",
    notes: str = "",
    risk_level: str = "low",
    follow_up_on: datetime.date | None = None,
    mother_status: str | None = None,
    mother_whereabouts: str | None = None,
    doors: dict[str, DoorUpdate] | None = None,
    reason: str = "",
    submission_token: uuid.UUID | None = None,
    expected_versions: dict[str, int] | None = None,
    services: Sequence[ServiceEntry] = (),
) -> Interview:
    """Log a field interview and, in the same transaction, what it found: the mother's
    status and the four document doors as they are now. The caller has checked
    change_child on `child`.

    `expected_versions` ("mother" and door kinds) are the versions the form showed: a
    record someone else changed since raises StaleEdit and nothing is written.
    A `submission_token` already used raises IntegrityError (record_interview answers it).
    `services` given during the visit are recorded with it (casework.plans.services): a
    service refused (another team's partner, an amount where none is paid) refuses the
    whole interview, and nothing is written."""
    expected_versions = expected_versions or {}
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("An interview cannot be in the future.")})
    reason = reason or _("Field interview on %(date)s") % {"date": held_on.isoformat()}
    interview = save_tracked(
        Interview(
            child=child,
            caseworker=by,
            held_on=held_on,
            location_type=location_type,
            participants=participants,
            notes=notes,
            risk_level=risk_level,
            follow_up_on=follow_up_on,
            submission_token=submission_token,
        ),
        by=by,
        reason=reason,
    )
    if mother_status is not None or mother_whereabouts is not None:
        change_mother_status(
            child=child,
            by=by,
            status=mother_status,
            whereabouts=mother_whereabouts,
            changed_on=held_on,
            reason=reason,
            expected_version=expected_versions.get("mother"),
        )
    for kind, door in (doors or {}).items():
        update_door(
            child=child,
            by=by,
            kind=kind,
            status=door.status,
            barrier=door.barrier,
            note=door.note,
            changed_on=held_on,
            reason=reason,
            expected_version=expected_versions.get(kind),
        )
    for entry in services:
        record_service(child=child, by=by, entry=entry, interview=interview, reason=reason)
    return interview
