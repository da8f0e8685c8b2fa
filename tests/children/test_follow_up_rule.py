"""children.queries.with_follow_up: the one rule of "overdue", read by every page that
shows it. The same case must read the same on the caseworker's list, the follow-ups page,
the case page and the supervisor's team page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.interviews.services import record_interview
from children.models import Child
from children.queries import with_follow_up
from children.services import close_case
from tests import factories

TODAY = timezone.localdate()
DAYS = datetime.timedelta(days=1)


def overdue_everywhere(client, cw_a, sup_a, child) -> dict[str, bool]:
    """Whether each page shows `child` as overdue."""
    client.force_login(cw_a)
    listed = client.get(reverse("children:list"), {"overdue": "on"}).context["page"].object_list
    follow_ups = client.get(reverse("interviews:follow-ups")).context["overdue"]
    case_page = client.get(child.get_absolute_url()).context["follow_up"]
    client.force_login(sup_a)
    team_page = client.get(reverse("supervision:team"))
    team_row = next(row for row in team_page.context["page"].object_list if row.pk == child.pk)
    caseload = {row.caseworker.pk: row.overdue for row in team_page.context["caseload"]}
    return {
        "query": with_follow_up(Child.objects.filter(pk=child.pk)).get().overdue,
        "my cases": child.pk in [c.pk for c in listed],
        "follow-ups": child.pk in [c.pk for c in follow_ups],
        "case page": case_page["overdue"],
        "team page": team_row.overdue,
        "caseload": caseload[cw_a.pk] == 1,
    }


def test_a_later_interview_the_same_day_without_a_follow_up_clears_it_on_every_page(client, cw_a, sup_a):
    """The case that once read 0 overdue for the caseworker and 1 for the supervisor."""
    child = factories.open_case_for(cw_a)
    day = TODAY - 10 * DAYS
    record_interview(child=child, by=cw_a, held_on=day, location_type="home", follow_up_on=day + 5 * DAYS)
    record_interview(child=child, by=cw_a, held_on=day, location_type="home", follow_up_on=None)

    assert set(overdue_everywhere(client, cw_a, sup_a, child).values()) == {False}


def test_a_passed_follow_up_of_the_latest_interview_is_overdue_on_every_page(client, cw_a, sup_a):
    child = factories.open_case_for(cw_a)
    record_interview(child=child, by=cw_a, held_on=TODAY - 10 * DAYS, location_type="home", follow_up_on=TODAY - DAYS)

    assert set(overdue_everywhere(client, cw_a, sup_a, child).values()) == {True}


@pytest.mark.parametrize(
    ("follow_up_in", "closed", "overdue"),
    [(-1, False, True), (0, False, False), (3, False, False), (-1, True, False)],
    ids=["yesterday", "today", "in three days", "closed case"],
)
def test_overdue_means_open_and_the_date_has_passed(cw_a, follow_up_in, closed, overdue):
    child = factories.open_case_for(cw_a)
    record_interview(
        child=child, by=cw_a, held_on=TODAY - 5 * DAYS, location_type="home", follow_up_on=TODAY + follow_up_in * DAYS
    )
    if closed:
        close_case(child=child, by=cw_a, reason="moved away")
    annotated = with_follow_up(Child.objects.filter(pk=child.pk)).get()
    assert annotated.next_follow_up == TODAY + follow_up_in * DAYS
    assert annotated.overdue is overdue
