"""The supervisor's figures of her own team: goals achieved and goals past their target date."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import GoalStatus
from casework.plans import queries, services
from tests import factories

TODAY = timezone.localdate()
URL = reverse("supervision:team")


def goal(case, by, *, days, status=GoalStatus.OPEN, text="goal"):
    made = services.add_goal(
        child=case,
        by=by,
        values={
            "area": "education",
            "text": text,
            "target_on": TODAY + datetime.timedelta(days=days),
            "responsible": by,
        },
    )
    if status != GoalStatus.OPEN:
        services.update_goal(
            goal=made,
            by=by,
            values={
                "area": "education",
                "text": text,
                "status": status,
                "target_on": made.target_on,
                "responsible": by,
            },
            expected_version=1,
        )
    return made


def test_the_team_page_shows_overdue_goals_and_the_figures(client, sup_a, cw_a, case_a, cw_b, case_b, team_a):
    goal(case_a, cw_a, days=-3, text="late")
    goal(case_a, cw_a, days=10, text="on time")
    goal(case_a, cw_a, days=-9, status=GoalStatus.ACHIEVED)
    goal(case_b, cw_b, days=-3)  # another team's
    assert queries.goal_figures(team_a) == {"achieved": 1, "open": 2, "overdue": 1, "dropped": 0}
    client.force_login(sup_a)
    response = client.get(URL)
    overdue = response.context["overdue_goals"]
    assert [g.text for g in overdue] == ["late"]
    page = response.content.decode()
    assert 'id="plan-figures"' in page and case_a.case_number in page and case_b.case_number not in page


def test_the_team_page_query_count_does_not_grow_with_the_goals(client, sup_a, cw_a, case_a):
    client.force_login(sup_a)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(6):
        case = factories.open_case_for(cw_a)
        goal(case, cw_a, days=-n - 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["overdue_goals"]) == 6
    assert len(many) == len(few)


def test_the_figures_are_one_query_each(sup_a, team_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        queries.goal_figures(team_a)
    with django_assert_num_queries(1):
        queries.overdue_goals(team_a)
