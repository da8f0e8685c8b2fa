"""Reads of case plans, partners, services and referrals, each in a fixed number of queries.

"Overdue goal" is decided here once (`overdue_goals_q`): an open goal whose target date
has passed. The case page, the supervisor's team page and its figures all read it.
"""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from casework.access.queries import assignments_in_force
from casework.core import roles
from casework.models import GoalStatus, Partner, PlanGoal, Referral, Service, Team
from children.models import Child


def overdue_goals_q(today: datetime.date, prefix: str = "") -> Q:
    """An open goal whose target date is before today."""
    return Q(**{f"{prefix}status": GoalStatus.OPEN, f"{prefix}target_on__lt": today})


def responsible_people(child: Child) -> QuerySet[User]:
    """Who may answer for a goal of the case: a caseworker who holds the case today, or a
    supervisor of the case's team. One query."""
    today = timezone.localdate()
    holds_case = Q(
        pk__in=child.assignments.filter(assignments_in_force(today)).values("caseworker_id"),
        groups__name=roles.role_group_name(roles.CASEWORKER),
    )
    oversees = Q(groups=child.team.oversight_group_id) & Q(
        pk__in=get_user_model().objects.filter(groups__name=roles.role_group_name(roles.SUPERVISOR)).values("pk")
    )
    return get_user_model().objects.filter(is_active=True).filter(holds_case | oversees).distinct().order_by("username")


def team_partners(team_id: int, *, active_only: bool = False) -> QuerySet[Partner]:
    partners = Partner.objects.filter(team_id=team_id)
    if active_only:
        partners = partners.filter(active=True)
    return partners.order_by("name")


def partner_of(team_id: int, pk: Any) -> Partner | None:
    """The partner `pk` if it belongs to the team; None for another team's or none."""
    return Partner.objects.filter(team_id=team_id, pk=pk).first()


def case_plan(child: Child) -> dict[str, Any]:
    """What the case page shows of the plan: goals, services, referrals. Three queries."""
    today = timezone.localdate()
    goals = list(
        child.plan_goals.select_related("responsible")
        .annotate(overdue=ExpressionWrapper(overdue_goals_q(today), output_field=BooleanField()))
        .order_by("status", "target_on", "created_at")
    )
    return {
        "goals": goals,
        "services": list(child.services.select_related("partner").order_by("-given_on", "-created_at")[:100]),
        "referrals": list(child.referrals.select_related("partner", "override_by").order_by("-created_at")),
    }


def goal_of(child: Child, pk: Any) -> PlanGoal | None:
    return child.plan_goals.filter(pk=pk).first()


def referral_of(child: Child, pk: Any) -> Referral | None:
    return child.referrals.select_related("partner").filter(pk=pk).first()


# --- The supervisor's figures of her own team (not anonymised) ---------------------------


def overdue_goals(team: Team, today: datetime.date | None = None, limit: int = 50) -> list[PlanGoal]:
    """Open goals of the team's cases past their target date, the oldest first. One query."""
    today = today or timezone.localdate()
    return list(
        PlanGoal.objects.filter(overdue_goals_q(today), child__team=team)
        # The case number only: a child's row carries its record key, which no page reads.
        .select_related("responsible")
        .annotate(case_number=F("child__case_number"))
        .order_by("target_on", "child__case_number")[:limit]
    )


def goal_figures(team: Team, today: datetime.date | None = None) -> dict[str, int]:
    """Goals of the team's cases: achieved, open, overdue, dropped. One query."""
    today = today or timezone.localdate()
    return PlanGoal.objects.filter(child__team=team).aggregate(
        achieved=Count("pk", filter=Q(status=GoalStatus.ACHIEVED)),
        open=Count("pk", filter=Q(status=GoalStatus.OPEN)),
        overdue=Count("pk", filter=overdue_goals_q(today)),
        dropped=Count("pk", filter=Q(status=GoalStatus.DROPPED)),
    )


def services_of(child: Child) -> QuerySet[Service]:
    return child.services.select_related("partner")
