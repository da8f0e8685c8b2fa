"""Every change of case state, one verb per function.

Each service is keyword-only, names the acting user (`by`), runs in one transaction
and saves through the model so that simple-history writes one row per change with the
user and the reason. Callers have checked the user's permission on the child through
children.access; the services check only what the data itself requires.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access.services import assign_case, grant_team_oversight
from casework.core import roles
from casework.core.tracked import save_tracked, set_fields
from casework.models import Team
from casework.names.keys import write_name_keys
from children.models import (
    AccessStatus,
    CaseNumberCounter,
    CaseStatus,
    Child,
    DocumentAccess,
    DocumentKind,
    OtherName,
    new_record_key,
)
from families.models import Family, Father, Mother


def next_case_number(year: int) -> str:
    """C-<year>-<serial>: the year's counter moved on by one, inside the caller's
    transaction (a rolled-back opening gives its number back).

    One statement, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: concurrent callers
    wait on the year's counter row rather than collide, so nothing is retried and no
    insert of a child fails on a taken number. The first case of a year starts after the
    highest number already recorded for it (cases opened before the counter existed)."""
    prefix = f"C-{year}-"
    connection = connections[router.db_for_write(CaseNumberCounter)]
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    # history-safe: the case-number counter, not case data
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_serial = last_serial + 1 WHERE year = %s RETURNING last_serial",  # noqa: S608
            [year],
        )
        row = cursor.fetchone()
        if row is None:
            first = _highest_serial(prefix) + 1
            # A concurrent first opening of the year inserted the row meanwhile: move it on.
            cursor.execute(
                f"INSERT INTO {table} (year, last_serial) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (year) DO UPDATE SET last_serial = "
                f"{table}.last_serial + 1 RETURNING last_serial",
                [year, first],
            )
            row = cursor.fetchone()
    return f"{prefix}{row[0]:04d}"


def _highest_serial(prefix: str) -> int:
    # Longest first, then highest: "C-2026-10000" comes after "C-2026-9999".
    last = (
        Child.objects.filter(case_number__startswith=prefix)
        .order_by(Length("case_number").desc(), "-case_number")
        .values_list("case_number", flat=True)
        .first()
    )
    serial = last.removeprefix(prefix) if last else "0"
    return int(serial) if serial.isdigit() else 0


@dataclass(frozen=True)
class DoorUpdate:
    status: str
    barrier: str = ""
    note: str = ""


@transaction.atomic
def open_case(
    *,
    by: User,
    team: Team,
    child: dict[str, Any],
    family: Family | None = None,
    family_data: dict[str, Any] | None = None,
    mother: dict[str, Any] | None = None,
    father: dict[str, Any] | None = None,
    doors: dict[str, DoorUpdate] | None = None,
    reason: str = "",
) -> Child:
    """Open a case: the child, a new family (with mother and father as given) or an
    existing one for a sibling, the four document-access rows, and the permissions
    for the opening caseworker and the team."""
    # An active member only: a deactivated account writes nothing (and would hold no
    # role, so the case would open with no caseworker assigned).
    if not team.group.user_set.filter(pk=by.pk, is_active=True).exists():
        raise PermissionDenied("a case can only be opened within one's own team")
    reason = reason or _("Case opened")
    if family is None:
        family = Family(**(family_data or {}))
        if mother:
            family.mother = save_tracked(Mother(**mother), by=by, reason=reason)
        if father:
            family.father = save_tracked(Father(**father), by=by, reason=reason)
        save_tracked(family, by=by, reason=reason)

    record = Child(
        **child,
        family=family,
        team=team,
        case_number=next_case_number(timezone.localdate().year),
        record_key=new_record_key(),
    )
    save_tracked(record, by=by, reason=reason)

    doors = doors or {}
    for kind in DocumentKind.values:
        door = doors.get(kind, DoorUpdate(status=AccessStatus.NO_ACCESS))
        save_tracked(
            DocumentAccess(child=record, kind=kind, status=door.status, barrier=door.barrier, note=door.note),
            by=by,
            reason=reason,
        )

    write_name_keys(children=[record])
    grant_team_oversight(child=record)
    if roles.has_role(by, roles.CASEWORKER):
        assign_case(child=record, to=by, by=by, reason=reason)
    return record


@transaction.atomic
def update_child(*, child: Child, by: User, values: dict[str, Any], expected_version: int, reason: str = "") -> Child:
    child = Child.objects.get(pk=child.pk)
    # Closing and reopening go through close_case / reopen_case, which require a reason.
    set_fields(child, values, reserved=("case_status",))
    save_tracked(child, by=by, reason=reason, expected_version=expected_version)
    write_name_keys(children=[child])
    return child


@transaction.atomic
def add_other_name(*, child: Child, by: User, values: dict[str, Any], reason: str = "") -> OtherName:
    """Record another name or spelling of the child, the mother or the father."""
    other = save_tracked(set_fields(OtherName(child=child), values), by=by, reason=reason)
    write_name_keys(children=[child])
    return other


@transaction.atomic
def remove_other_name(*, child: Child, by: User, other_name_id: Any, reason: str = "") -> None:
    """Remove a recorded other name (history keeps it, with who removed it and why)."""
    other = OtherName.objects.get(pk=other_name_id, child=child)
    other._history_user = by  # type: ignore[attr-defined]
    other._change_reason = reason or None  # type: ignore[attr-defined]
    other.delete()
    write_name_keys(children=[child])


@transaction.atomic
def close_case(*, child: Child, by: User, reason: str) -> Child:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is closed.")})
    child = Child.objects.get(pk=child.pk)
    if child.case_status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is already closed."))
    child.case_status = CaseStatus.CLOSED
    return save_tracked(child, by=by, reason=reason, expected_version=child.version)


@transaction.atomic
def reopen_case(*, child: Child, by: User, reason: str) -> Child:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    child = Child.objects.get(pk=child.pk)
    if child.case_status == CaseStatus.OPEN:
        raise ValidationError(_("The case is already open."))
    child.case_status = CaseStatus.OPEN
    return save_tracked(child, by=by, reason=reason, expected_version=child.version)


@transaction.atomic
def change_mother_status(
    *,
    child: Child,
    by: User,
    status: str | None = None,
    changed_on: datetime.date | None = None,
    whereabouts: str | None = None,
    expected_version: int | None,
    reason: str = "",
) -> Mother:
    """Record what has happened to the child's mother (repatriated, ran away, ...) and
    where she is; None leaves the status or the whereabouts as they are."""
    family = Family.objects.select_related("mother").get(pk=child.family_id)
    if family.mother is None:
        raise ValidationError(_("No mother is recorded for this child's family."))
    mother = family.mother
    status = mother.status if status is None else status
    if mother.status == status and (whereabouts is None or mother.whereabouts == whereabouts):
        return mother
    if mother.status != status:
        mother.status = status
        mother.status_changed_on = changed_on or timezone.localdate()
    if whereabouts is not None:
        mother.whereabouts = whereabouts
    return save_tracked(mother, by=by, reason=reason, expected_version=expected_version)


@transaction.atomic
def update_door(
    *,
    child: Child,
    by: User,
    kind: str,
    status: str,
    barrier: str = "",
    note: str | None = None,
    changed_on: datetime.date | None = None,
    expected_version: int | None,
    reason: str = "",
) -> DocumentAccess:
    """Change one of the four doors. An unchanged door is left alone (no empty history)."""
    door = DocumentAccess.objects.get(child=child, kind=kind)
    note = door.note if note is None else note
    if status == AccessStatus.HAS_ACCESS:
        barrier = ""  # an open door has no barrier
    if (door.status, door.barrier, door.note) == (status, barrier, note):
        return door
    door.status, door.barrier, door.note = status, barrier, note
    door.updated_on = changed_on or timezone.localdate()
    return save_tracked(door, by=by, reason=reason, expected_version=expected_version)
