"""The supervisor's caseload figures of her own team: open cases per caseworker, cases
nobody holds, and days from opening to the first interview."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.interviews.services import record_interview
from casework.supervision.queries import caseload_figures
from children.models import Child
from tests import factories
from tests.query_counts import ACCESS_LOG_QUERIES

# The caseload page: session, user, second factor, gate (roles, team), the five queries of
# caseload_figures and the access log row (tests.query_counts); whatever the size of the team.
PINNED = 10 + ACCESS_LOG_QUERIES


def opened(cw, days_ago, *, interview_after=None):
    """A case of cw's team opened `days_ago`, its first interview `interview_after` days later."""
    child = factories.open_case_for(cw)
    opened_at = timezone.now() - datetime.timedelta(days=days_ago)
    Child.objects.filter(pk=child.pk).update(created_at=opened_at)
    if interview_after is not None:
        held = timezone.localdate(opened_at) + datetime.timedelta(days=interview_after)
        record_interview(child=child, by=cw, held_on=held, location_type="home")
        # A later interview does not change the first one.
        record_interview(child=child, by=cw, held_on=held + datetime.timedelta(days=1), location_type="home")
    return child


def test_days_to_the_first_interview_and_their_median(team_a, cw_a):
    opened(cw_a, 30, interview_after=2)
    opened(cw_a, 20, interview_after=4)
    opened(cw_a, 10, interview_after=9)
    waiting = opened(cw_a, 5)
    opened(cw_a, 400, interview_after=100)  # outside the year: listed, not in the median
    figures = caseload_figures(team_a)
    assert figures.median_days == 4 and figures.counted == 3 and figures.waiting == 1
    assert [case.days for case in figures.last_opened] == [None, 9, 4, 2, 100]
    assert figures.last_opened[0].case_number == waiting.case_number


def test_an_interview_before_the_opening_counts_as_day_zero(team_a, cw_a):
    opened(cw_a, 10, interview_after=-3)
    assert caseload_figures(team_a).median_days == 0


def test_open_cases_per_caseworker_and_the_unassigned(team_a, cw_a, cw_a2, sup_a, sup_b, team_b, case_a):
    from casework.transfers.services import accept_transfer, propose_transfer

    factories.open_case_for(cw_a2)
    moved = propose_transfer(child=factories.open_case_for(cw_a), to_team=team_b, by=sup_a, reason="Moved")
    accept_transfer(transfer=moved, by=sup_b)
    figures = caseload_figures(team_a)
    assert {row.caseworker.username: row.open_cases for row in figures.caseload} == {"cw_a": 1, "cw_a2": 1}
    assert figures.unassigned_open == 0
    assert caseload_figures(team_b).unassigned_open == 1


def test_the_page_is_the_team_s_own(client, sup_a, sup_b, cw_a, case_a):
    client.force_login(sup_a)
    page = client.get(reverse("supervision:caseload")).content.decode()
    assert case_a.case_number in page and "cw_a" in page
    client.force_login(sup_b)
    page = client.get(reverse("supervision:caseload")).content.decode()
    assert case_a.case_number not in page and "cw_a" not in page


def test_the_page_s_query_count_is_flat_as_the_team_grows(client, sup_a, cw_a, cw_a2, django_assert_num_queries):
    opened(cw_a, 3, interview_after=1)
    client.force_login(sup_a)
    client.get(reverse("supervision:caseload"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("supervision:caseload")).status_code == 200
    assert len(small.captured_queries) == PINNED, [q["sql"][:80] for q in small.captured_queries]
    for days in range(25):
        opened(cw_a if days % 2 else cw_a2, days + 5, interview_after=days % 4)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("supervision:caseload"))
