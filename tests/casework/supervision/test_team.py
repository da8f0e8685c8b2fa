"""The team view: the team's cases with their caseworkers, caseload and overdue follow-ups."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.access.services import assign_case
from casework.interviews.services import record_interview
from children.services import close_case
from tests import factories

URL = reverse("supervision:team")


def caseload(response):
    return {row.caseworker.username: (row.cases, row.open_cases, row.overdue) for row in response.context["caseload"]}


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def test_lists_every_case_of_the_team_with_its_caseworkers(client, sup_a, cw_a, cw_a2, case_a, case_b):
    other = factories.open_case_for(cw_a2)
    assign_case(child=other, to=cw_a, by=sup_a, reason="Second pair of eyes")
    client.force_login(sup_a)
    page = client.get(URL).context["page"]
    holders = {child.case_number: [a.caseworker.username for a in child.current_assignments] for child in page}
    assert holders == {case_a.case_number: ["cw_a"], other.case_number: ["cw_a2", "cw_a"]}


def test_caseload_per_caseworker(client, sup_a, cw_a, cw_a2, case_a):
    second = factories.open_case_for(cw_a)
    close_case(child=second, by=cw_a, reason="Registered and settled")
    client.force_login(sup_a)
    assert caseload(client.get(URL)) == {"cw_a": (2, 1, 0), "cw_a2": (0, 0, 0)}


def test_a_passed_follow_up_with_no_later_interview_is_overdue(client, sup_a, cw_a, case_a):
    record_interview(child=case_a, by=cw_a, held_on=days_ago(20), location_type="home", follow_up_on=days_ago(5))
    client.force_login(sup_a)
    response = client.get(URL)
    assert caseload(response)["cw_a"] == (1, 1, 1)
    assert [child.overdue for child in response.context["page"]] == [True]


def test_a_later_interview_settles_the_follow_up(client, sup_a, cw_a, case_a):
    record_interview(child=case_a, by=cw_a, held_on=days_ago(20), location_type="home", follow_up_on=days_ago(5))
    record_interview(child=case_a, by=cw_a, held_on=days_ago(2), location_type="school")
    client.force_login(sup_a)
    assert caseload(client.get(URL))["cw_a"] == (1, 1, 0)


def test_a_follow_up_still_to_come_is_not_overdue(client, sup_a, cw_a, case_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    record_interview(child=case_a, by=cw_a, held_on=days_ago(1), location_type="home", follow_up_on=tomorrow)
    client.force_login(sup_a)
    assert caseload(client.get(URL))["cw_a"] == (1, 1, 0)


def test_another_teams_cases_are_not_listed(client, sup_a, case_a, case_b):
    client.force_login(sup_a)
    response = client.get(URL)
    assert [child.pk for child in response.context["page"]] == [case_a.pk]
    assert case_b.case_number not in response.content.decode()


def test_query_count_does_not_grow_with_the_cases_shown(client, sup_a, cw_a, cw_a2, case_a):
    client.force_login(sup_a)
    client.get(URL)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        return len(captured), len(response.context["page"])

    few_queries, few = count()
    for n in range(6):
        child = factories.open_case_for(cw_a2 if n % 2 else cw_a)
        record_interview(
            child=child,
            by=cw_a2 if n % 2 else cw_a,
            held_on=days_ago(9),
            location_type="home",
            follow_up_on=days_ago(3),
        )
    many_queries, many = count()
    assert (few, many) == (1, 7)
    assert many_queries == few_queries
