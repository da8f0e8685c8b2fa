"""Devices: listed for the caseworker and her supervisor, revoked by either (and by no one
else: a logged 404); the team's offline limits, set by its supervisor."""

import pytest
from django.urls import reverse

from casework.models import AccessAction, AccessLog, OfflineSettings

pytestmark = pytest.mark.django_db


def test_the_caseworker_and_her_supervisor_see_the_device(client, cw_a, sup_a, sup_b, device_a):
    for person, sees in ((cw_a, True), (sup_a, True), (sup_b, False)):
        client.force_login(person)
        assert ("Phone A" in client.get(reverse("offline:devices")).content.decode()) is sees


def test_the_supervisor_revokes_and_it_is_logged(client, sup_a, device_a):
    client.force_login(sup_a)
    response = client.post(reverse("offline:revoke", args=[device_a.pk]))
    assert response.status_code == 302
    device_a.refresh_from_db()
    assert device_a.revoked and device_a.revoked_by == sup_a
    assert device_a.history.count() == 2
    assert AccessLog.objects.filter(action=AccessAction.REVOKE, object_id=str(device_a.pk)).count() == 1


def test_the_caseworker_revokes_her_own(client, cw_a, device_a):
    client.force_login(cw_a)
    client.post(reverse("offline:revoke", args=[device_a.pk]))
    device_a.refresh_from_db()
    assert device_a.revoked


@pytest.mark.parametrize("who", ["cw_a2", "sup_b", "cw_b"])
def test_anyone_else_gets_a_logged_404(client, request, device_a, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("offline:revoke", args=[device_a.pk])).status_code == 404
    device_a.refresh_from_db()
    assert not device_a.revoked
    assert AccessLog.objects.filter(action=AccessAction.DENIED, object_id=str(device_a.pk)).exists()


def test_the_supervisor_sets_the_limits_with_history(client, sup_a, team_a):
    client.force_login(sup_a)
    page = client.get(reverse("offline:limits"))
    assert page.status_code == 200 and 'value="20"' in page.content.decode()
    data = {
        "max_cases": 5,
        "expiry_hours": 24,
        "include_village": "",
        "include_notes": "on",
        "version": 1,
        "reason": "smaller",
    }
    assert client.post(reverse("offline:limits"), data).status_code == 302
    limits = OfflineSettings.objects.get(team=team_a)
    assert (limits.max_cases, limits.expiry_hours, limits.include_village, limits.include_notes) == (5, 24, False, True)
    assert limits.history.first().history_change_reason == "smaller"
    too_many = client.post(reverse("offline:limits"), {**data, "max_cases": 500, "version": 2})
    assert too_many.status_code == 422
