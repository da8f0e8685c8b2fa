"""Only the supervisor who leads the team reaches its oversight pages: everyone else,
including the supervisor of another team, gets a 404 (never a 403), and an anonymous
visitor is sent to log in."""

import pytest
from django.urls import reverse

from casework.models import Assignment
from tests.not_found import assert_the_plain_404

TEAM_PAGES = ["supervision:team", "supervision:timeline", "supervision:access"]
CASE_PAGES = ["supervision:assignment", "supervision:case-history", "supervision:case-access"]
OUTSIDERS = ["cw_a", "cw_a2", "cw_b", "sup_b", "data_admin", "sys_admin"]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", TEAM_PAGES)
def test_team_pages_are_a_404_for_everyone_but_a_supervisor(client, request, case_a, name, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse(name))
    if role == "sup_b":
        # sup_b leads team B: the page exists for them and shows only team B.
        assert response.status_code == 200
        assert response.context["team"].name == "Team B"
        assert case_a.case_number not in response.content.decode()
    else:
        assert_the_plain_404(response, case_a)


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", CASE_PAGES)
def test_case_pages_of_team_a_are_a_404_for_everyone_but_its_supervisor(client, request, case_a, name, role):
    client.force_login(request.getfixturevalue(role))
    assert_the_plain_404(client.get(reverse(name, args=[case_a.pk])), case_a)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_nobody_else_can_assign_or_revoke(client, request, cw_a, cw_a2, case_a, role):
    held = Assignment.objects.get(child=case_a)
    before = Assignment.history.count()
    client.force_login(request.getfixturevalue(role))
    assign = client.post(
        reverse("supervision:assignment", args=[case_a.pk]), {"caseworker": "cw_a2", "mode": "add", "reason": "x"}
    )
    revoke = client.post(reverse("supervision:revoke", args=[case_a.pk, held.pk]), {"reason": "x"})
    assert_the_plain_404(assign, case_a)
    assert_the_plain_404(revoke, case_a)
    assert Assignment.objects.filter(child=case_a).count() == 1 and Assignment.objects.get().revoked_at is None
    assert Assignment.history.count() == before


@pytest.mark.parametrize("name", CASE_PAGES)
def test_the_supervisor_reaches_the_case_pages_of_the_team(client, sup_a, case_a, name):
    client.force_login(sup_a)
    response = client.get(reverse(name, args=[case_a.pk]))
    assert response.status_code == 200
    assert response.context["child"] == case_a
    assert case_a.case_number in response.content.decode()


@pytest.mark.parametrize("name", TEAM_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_deactivated_supervisor_is_sent_to_log_in(client, sup_a, case_a):
    client.force_login(sup_a)
    sup_a.is_active = False
    sup_a.save()
    client.force_login(sup_a)  # force_login works for inactive users; the pages must not
    response = client.get(reverse("supervision:team"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('supervision:team')}"
    assert case_a.case_number not in response.content.decode()
