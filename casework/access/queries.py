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
from casework.models import Assignment, Team
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
