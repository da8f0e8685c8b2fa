"""Case work that spans apps: assignment of cases within a team, and field interviews.

Object permissions are granted and revoked only here (and in children.services.open_case
for the team's own grant), so every change of access is in one place and in the record.
"""

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from casework import roles
from casework.models import Assignment, Interview, Team
from children.models import Child
from children.services import CASE_PERMS, DoorUpdate, change_mother_status, save_tracked, update_document_access


@transaction.atomic
def create_team(*, name: str) -> Team:
    """A team with its two groups: members, and the supervisors who oversee every case."""
    team, _created = Team.objects.get_or_create(
        name=name,
        defaults={
            "group": Group.objects.get_or_create(name=roles.TEAM_GROUP_PREFIX + name)[0],
            "oversight_group": Group.objects.get_or_create(
                name=roles.TEAM_GROUP_PREFIX + name + roles.OVERSIGHT_GROUP_SUFFIX
            )[0],
        },
    )
    return team


@transaction.atomic
def join_team(*, user, team: Team, role: str) -> None:
    """Make `user` a caseworker or the supervisor of `team`. A supervisor leads one team."""
    if role not in (roles.CASEWORKER, roles.SUPERVISOR):
        raise ValueError(f"teams have caseworkers and supervisors, not {role!r}")
    if role == roles.SUPERVISOR and Team.objects.filter(oversight_group__user=user).exclude(pk=team.pk).exists():
        raise ValidationError(_("A supervisor leads one team only."))
    user.groups.add(roles.role_group(role), team.group)
    if role == roles.SUPERVISOR:
        user.groups.add(team.oversight_group)
    user.__dict__.pop("_casework_roles", None)


def _is_member(user, team) -> bool:
    return team.group.user_set.filter(pk=user.pk, is_active=True).exists()


def _may_assign(by, child: Child) -> bool:
    # A supervisor assigns within the team they lead; a caseworker opening a case takes it.
    return _is_member(by, child.team) and roles.has_role(by, roles.SUPERVISOR)


@transaction.atomic
def assign_case(*, child: Child, to, by, ends_on: datetime.date | None = None, reason: str = "") -> Assignment:
    """Give caseworker `to` the case. `by` is the team's supervisor, or `to` itself when
    a caseworker opens a case. The grant and its record are written together."""
    if not (_is_member(to, child.team) and roles.has_role(to, roles.CASEWORKER)):
        raise PermissionDenied("cases are assigned only to caseworkers of the case's team")
    if not (_may_assign(by, child) or (by.pk == to.pk and not child.assignments.exists())):
        raise PermissionDenied("only the team's supervisor assigns its cases")
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError({"ends_on": _("A temporary assignment must end after today.")})
    assignment = save_tracked(
        Assignment(child=child, caseworker=to, granted_by=by, ends_on=ends_on, reason=reason), by=by, reason=reason
    )
    for perm in CASE_PERMS:
        assign_perm(perm, to, child)
    return assignment


@transaction.atomic
def revoke_assignment(*, assignment: Assignment, by, reason: str = "") -> Assignment:
    if not _may_assign(by, assignment.child):
        raise PermissionDenied("only the team's supervisor revokes its assignments")
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = by
    save_tracked(assignment, by=by, reason=reason)
    still_holds = Assignment.objects.filter(
        child=assignment.child, caseworker=assignment.caseworker, revoked_at__isnull=True
    ).exists()
    if not still_holds:
        for perm in CASE_PERMS:
            remove_perm(perm, assignment.caseworker, assignment.child)
    return assignment


@transaction.atomic
def reassign_case(*, child: Child, to, by, reason: str = "", ends_on: datetime.date | None = None) -> Assignment:
    """Move the case to `to`: every current holder loses it, in the same transaction."""
    if not _may_assign(by, child):
        raise PermissionDenied("only the team's supervisor reassigns its cases")
    for current in Assignment.objects.filter(child=child, revoked_at__isnull=True).exclude(caseworker=to):
        revoke_assignment(assignment=current, by=by, reason=reason)
    return assign_case(child=child, to=to, by=by, reason=reason, ends_on=ends_on)


@transaction.atomic
def record_interview(
    *,
    child: Child,
    by,
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
) -> Interview:
    """Log a field interview and, in the same transaction, what it found: the mother's
    status and the four document doors as they are now. The caller has checked
    change_child on `child`."""
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
        ),
        by=by,
        reason=reason,
    )
    if mother_status is not None:
        change_mother_status(
            child=child, by=by, status=mother_status, whereabouts=mother_whereabouts, changed_on=held_on, reason=reason
        )
    for kind, door in (doors or {}).items():
        update_document_access(
            child=child,
            by=by,
            kind=kind,
            status=door.status,
            barrier=door.barrier,
            note=door.note,
            changed_on=held_on,
            reason=reason,
        )
    return interview
