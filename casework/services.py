"""Case work that spans apps: assignment of cases within a team, and field interviews.

Object permissions are granted and revoked only here (and in children.services.open_case
for the team's own grant), so every change of access is in one place and in the record.
"""

import datetime

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import roles
from casework.models import Assignment, Interview, Team
from children.models import Child, ChildUserObjectPermission
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
    # Only the supervisor who leads the case's team (a member of its oversight group)
    # assigns, reassigns and revokes: membership of the team alone is not enough.
    return (
        roles.has_role(by, roles.SUPERVISOR)
        and child.team.oversight_group.user_set.filter(pk=by.pk, is_active=True).exists()
    )


def _sync_grants(*, child: Child, caseworker) -> None:
    """Make `caseworker`'s object permissions on `child` match their open assignments.

    The grant runs until the latest end date of the open assignments, or without end if
    one of them has none; with no open assignment the rows are deleted. Lapsed rows stay
    in the table (invisible to ChildUserObjectPermission.objects) until the next sync."""
    open_ends = list(
        Assignment.objects.filter(child=child, caseworker=caseworker, revoked_at__isnull=True).values_list(
            "ends_on", flat=True
        )
    )
    grants = ChildUserObjectPermission.all_grants.filter(user=caseworker, content_object=child)
    if not open_ends:
        grants.delete()
        return
    ends_on = None if None in open_ends else max(open_ends)
    codenames = [perm.rpartition(".")[2] for perm in CASE_PERMS]
    for permission in Permission.objects.filter(content_type__app_label="children", codename__in=codenames):
        ChildUserObjectPermission.all_grants.update_or_create(
            user=caseworker, permission=permission, content_object=child, defaults={"ends_on": ends_on}
        )


@transaction.atomic
def assign_case(*, child: Child, to, by, ends_on: datetime.date | None = None, reason: str = "") -> Assignment:
    """Give caseworker `to` the case. `by` is the team's supervisor, or `to` itself when
    a caseworker opens a case. The grant and its record are written together.

    With `ends_on` the assignment is temporary (cover during leave): from that day on it
    grants nothing, with no job to run (see children.models.GrantsInForceManager)."""
    if not (_is_member(to, child.team) and roles.has_role(to, roles.CASEWORKER)):
        raise PermissionDenied("cases are assigned only to caseworkers of the case's team")
    if not (_may_assign(by, child) or (by.pk == to.pk and not child.assignments.exists())):
        raise PermissionDenied("only the team's supervisor assigns its cases")
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError({"ends_on": _("A temporary assignment must end after today.")})
    assignment = save_tracked(
        Assignment(child=child, caseworker=to, granted_by=by, ends_on=ends_on, reason=reason), by=by, reason=reason
    )
    _sync_grants(child=child, caseworker=to)
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
    _sync_grants(child=assignment.child, caseworker=assignment.caseworker)
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
    submission_token=None,
    expected_versions: dict[str, int] | None = None,
) -> Interview:
    """Log a field interview and, in the same transaction, what it found: the mother's
    status and the four document doors as they are now. The caller has checked
    change_child on `child`.

    `expected_versions` ("mother" and door kinds) are the versions the form showed: a
    record someone else changed since raises StaleEdit and nothing is written.
    A `submission_token` already used returns that interview instead of a second one."""
    if submission_token is not None:
        earlier = Interview.objects.filter(submission_token=submission_token, child=child).first()
        if earlier is not None:
            return earlier
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
        update_document_access(
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
    return interview
