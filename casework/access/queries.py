"""Reads about access: who is in a team, which team a user leads, who holds a case.

"In force" is decided once, by `children.models.grant_in_force`, for the permission rows
the gate reads and for the Assignment rows the supervisor's pages show.
"""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from casework.core import roles
from casework.models import Assignment, PrivilegeChange, PrivilegeKind, PrivilegeOutcome, Team
from children.models import Child, grant_in_force


def assignments_in_force(today: datetime.date) -> Q:
    """Assignments that grant the case today: not revoked, and not past a temporary end."""
    return Q(revoked_at__isnull=True) & grant_in_force(today)


def team_caseworkers(team: Team) -> QuerySet[User]:
    """The team's active caseworkers (members of the team holding the caseworker role)."""
    return (
        get_user_model()
        .objects.filter(groups=team.group_id, is_active=True)
        .filter(groups__name=roles.role_group_name(roles.CASEWORKER))
        .order_by("username")
    )


def team_members(team: Team) -> QuerySet[User]:
    """Everyone in the team, caseworkers and supervisors: the people history can name."""
    return get_user_model().objects.filter(groups=team.group_id).order_by("username")


def teams_of(user: User | AnonymousUser) -> QuerySet[Team]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Team.objects.none()
    return Team.objects.filter(group__user=user)


def supervised_team(user: User | AnonymousUser) -> Team | None:
    """The one team a supervisor leads, or None."""
    if not (roles.may_hold_cases(user) and roles.has_role(user, roles.SUPERVISOR)):
        return None
    return Team.objects.filter(oversight_group__user=user).first()


def assignment_record(child: Child) -> list[Any]:
    """Every grant and revocation of the case, newest first, from the assignment history:
    who did it, when, to whom and why."""
    username = get_user_model().objects.filter(pk=OuterRef("caseworker_id")).values("username")[:1]
    return list(
        Assignment.history.filter(child_id=child.pk)
        .annotate(caseworker_username=Subquery(username))
        .order_by("-history_date", "-history_id")
    )


def current_assignments(child: Child) -> list[Assignment]:
    today = timezone.localdate()
    return list(
        child.assignments.filter(assignments_in_force(today))
        .select_related("caseworker", "granted_by")
        .order_by("granted_at")
    )


def office_accounts_in_case_roles() -> list[str]:
    """Usernames of accounts that break the separation of duties: a system admin, a data
    admin or a staff account that holds a case role or belongs to a team. The services
    refuse to make one; a raw group change (the shell, SQL) could."""
    office = (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(groups__name__in=[roles.role_group_name(r) for r in roles.NO_CASE_ROLES])
    )
    case_side = (
        Q(groups__name__in=[roles.role_group_name(r) for r in roles.CASE_ROLES])
        | Q(groups__team__isnull=False)
        | Q(groups__overseen_team__isnull=False)
    )
    users = get_user_model().objects
    return sorted(
        set(users.filter(office).filter(pk__in=users.filter(case_side).values("pk")).values_list("username", flat=True))
    )


def pending_changes() -> QuerySet[PrivilegeChange]:
    """Requested grants that no second system admin has answered yet, oldest first."""
    return (
        PrivilegeChange.objects.filter(outcome=PrivilegeOutcome.REQUESTED, answer__isnull=True)
        .select_related("team")
        .order_by("at", "id")
    )


def privilege_changes_of(team: Team) -> QuerySet[PrivilegeChange]:
    """The record of privilege changes that concern `team`: changes of its membership and
    oversight, and the role changes and device resets of anyone who is or was in it."""
    people = team_members(team).values("pk")
    former = PrivilegeChange.objects.filter(
        team=team,
        kind=PrivilegeKind.TEAM_JOINED,
        outcome__in=[PrivilegeOutcome.APPLIED, PrivilegeOutcome.APPROVED],
    ).values("subject_id")
    return PrivilegeChange.objects.filter(
        Q(team=team) | Q(team__isnull=True, subject_id__in=people) | Q(team__isnull=True, subject_id__in=former)
    )


def access_review_people(team: Team) -> QuerySet[User]:
    """Whom a supervisor can pick in the access review's person filter: the team's
    members, every system admin, and whoever changed a privilege that concerns the team."""
    actors = privilege_changes_of(team).filter(actor_id__isnull=False).values("actor_id")
    return (
        get_user_model()
        .objects.filter(
            Q(groups=team.group_id) | Q(groups__name=roles.role_group_name(roles.SYSTEM_ADMIN)) | Q(pk__in=actors)
        )
        .distinct()
        .order_by("username")
    )
