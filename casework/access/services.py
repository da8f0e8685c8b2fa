"""Who may see which case: teams, their members, and the assignment of cases.

Object permissions are granted and revoked only here, so every change of access is in
one place and in the record (Assignment rows with history).
"""

import datetime

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from casework.core import roles
from casework.core.tracked import save_tracked
from casework.models import Assignment, Team
from children.models import Child, ChildUserObjectPermission

CASE_PERMS = ("children.view_child", "children.change_child")


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
def join_team(*, user: User, team: Team, role: str) -> None:
    """Make `user` a caseworker or the supervisor of `team`. A supervisor leads one team."""
    if role not in (roles.CASEWORKER, roles.SUPERVISOR):
        raise ValueError(f"teams have caseworkers and supervisors, not {role!r}")
    if role == roles.SUPERVISOR and Team.objects.filter(oversight_group__user=user).exclude(pk=team.pk).exists():
        raise ValidationError(_("A supervisor leads one team only."))
    user.groups.add(roles.role_group(role), team.group)
    if role == roles.SUPERVISOR:
        user.groups.add(team.oversight_group)
    user.__dict__.pop("_casework_roles", None)


def grant_team_oversight(*, child: Child) -> None:
    """The team's supervisors (its oversight group) may see and change every case of the
    team from the moment it is opened."""
    for perm in CASE_PERMS:
        assign_perm(perm, child.team.oversight_group, child)


def _is_member(user: User, team: Team) -> bool:
    return team.group.user_set.filter(pk=user.pk, is_active=True).exists()


def _may_assign(by: User, child: Child) -> bool:
    # Only the supervisor who leads the case's team (a member of its oversight group)
    # assigns, reassigns and revokes: membership of the team alone is not enough.
    return (
        roles.has_role(by, roles.SUPERVISOR)
        and child.team.oversight_group.user_set.filter(pk=by.pk, is_active=True).exists()
    )


def _sync_grants(*, child: Child, caseworker: User) -> None:
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
    ends_on = None if None in open_ends else max(end for end in open_ends if end is not None)
    codenames = [perm.rpartition(".")[2] for perm in CASE_PERMS]
    for permission in Permission.objects.filter(content_type__app_label="children", codename__in=codenames):
        ChildUserObjectPermission.all_grants.update_or_create(
            user=caseworker, permission=permission, content_object=child, defaults={"ends_on": ends_on}
        )


@transaction.atomic
def assign_case(
    *, child: Child, to: User, by: User, ends_on: datetime.date | None = None, reason: str = ""
) -> Assignment:
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
def revoke_assignment(*, assignment: Assignment, by: User, reason: str = "") -> Assignment:
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
def reassign_case(
    *, child: Child, to: User, by: User, reason: str = "", ends_on: datetime.date | None = None
) -> Assignment:
    """Move the case to `to`: every current holder loses it, in the same transaction."""
    if not _may_assign(by, child):
        raise PermissionDenied("only the team's supervisor reassigns its cases")
    for current in Assignment.objects.filter(child=child, revoked_at__isnull=True).exclude(caseworker=to):
        revoke_assignment(assignment=current, by=by, reason=reason)
    return assign_case(child=child, to=to, by=by, reason=reason, ends_on=ends_on)
