"""The follow-ups page: what is due and overdue, overdue first, only the user's cases."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casework.interviews.services import record_interview
from tests import factories

URL = reverse("interviews:follow-ups")
TODAY = timezone.localdate()


def interview(child, by, *, held_days_ago, follow_up_in):
    held_on = TODAY - datetime.timedelta(days=held_days_ago)
    record_interview(
        child=child, by=by, held_on=held_on, location_type="home", follow_up_on=TODAY + datetime.timedelta(follow_up_in)
    )


def test_overdue_come_first_then_due_soon(client, cw_a):
    late = factories.open_case_for(cw_a, child={"given_name": "Late"})
    later = factories.open_case_for(cw_a, child={"given_name": "Later"})
    soon = factories.open_case_for(cw_a, child={"given_name": "Soon"})
    far = factories.open_case_for(cw_a, child={"given_name": "Far"})
    interview(late, cw_a, held_days_ago=20, follow_up_in=-3)
    interview(later, cw_a, held_days_ago=30, follow_up_in=-10)
    interview(soon, cw_a, held_days_ago=1, follow_up_in=5)
    interview(far, cw_a, held_days_ago=1, follow_up_in=60)
    client.force_login(cw_a)
    response = client.get(URL)
    assert [c.given_name for c in response.context["overdue"]] == ["Later", "Late"]
    assert [c.given_name for c in response.context["due"]] == ["Soon"]
    html = response.content.decode()
    assert html.index("Kim Later<") < html.index("Kim Late<") < html.index("Kim Soon<")


def test_a_newer_interview_replaces_the_old_follow_up(client, cw_a):
    child = factories.open_case_for(cw_a)
    interview(child, cw_a, held_days_ago=20, follow_up_in=-5)
    interview(child, cw_a, held_days_ago=0, follow_up_in=30)
    client.force_login(cw_a)
    response = client.get(URL)
    assert response.context["overdue"] == [] and response.context["due"] == []


def test_other_peoples_follow_ups_are_not_listed(client, cw_a, cw_b):
    theirs = factories.open_case_for(cw_b)
    interview(theirs, cw_b, held_days_ago=20, follow_up_in=-5)
    client.force_login(cw_a)
    response = client.get(URL)
    assert response.context["overdue"] == [] and theirs.case_number not in response.content.decode()


def test_closed_cases_have_no_follow_ups(client, cw_a):
    from children.services import close_case

    child = factories.open_case_for(cw_a)
    interview(child, cw_a, held_days_ago=20, follow_up_in=-5)
    close_case(child=child, by=cw_a, reason="moved away")
    client.force_login(cw_a)
    assert client.get(URL).context["overdue"] == []


def test_the_page_is_in_the_access_log(client, cw_a):
    from casework.models import AccessLog

    client.force_login(cw_a)
    client.get(URL)
    assert AccessLog.objects.filter(username="cw_a", object_type="follow_up").exists()
