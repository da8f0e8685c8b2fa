"""Taking cases offline: exactly what an interview needs, within the team's limit, in the
access log with the cases and the device; a case she may not change is a logged 404."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import AccessAction, AccessLog, OfflineDevice
from casework.offline.services import register_device, revoke_device, update_offline_settings
from casework.offline.views import SHELL_STATIC
from tests import factories

pytestmark = pytest.mark.django_db


def take(client, device, cases):
    return client.post(
        reverse("offline:take"),
        json.dumps({"device": str(device.pk), "cases": [str(c.pk) for c in cases]}),
        content_type="application/json",
    )


def test_take_answers_what_an_interview_needs_and_no_more(client, cw_a, case_a, device_a):
    client.force_login(cw_a)
    response = take(client, device_a, [case_a])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [case] = response.json()["cases"]
    assert case["case_number"] == case_a.case_number
    assert case["name"] == "Kim Minji"
    assert case["mother"] == {"status": "repatriated", "whereabouts": "north_korea", "version": 1}
    assert set(case["doors"]) == {"education", "medical", "marriage", "bank"}
    assert "village" not in case
    assert "Sanhe" not in response.content.decode()


def test_take_is_in_the_access_log_with_cases_and_device(client, cw_a, case_a, device_a):
    client.force_login(cw_a)
    take(client, device_a, [case_a])
    row = AccessLog.objects.get(action=AccessAction.OFFLINE)
    assert row.object_id == str(device_a.pk)
    assert row.detail == {"cases": [str(case_a.pk)]}
    device_a.refresh_from_db()
    assert device_a.cases_held == 1


def test_discreet_mode_leaves_the_name_out(client, cw_a, case_a, device_a):
    from casework.models import Preferences

    Preferences.objects.create(user=cw_a, discreet_mode=True)
    client.force_login(cw_a)
    assert take(client, device_a, [case_a]).json()["cases"][0]["name"] == ""


def test_village_and_notes_travel_only_if_the_team_allows(client, cw_a, sup_a, team_a, case_a, device_a):
    from casework.interviews.services import record_interview

    record_interview(child=case_a, by=cw_a, held_on=case_a.created_at.date(), location_type="home", notes="secret note")
    client.force_login(cw_a)
    case = take(client, device_a, [case_a]).json()["cases"][0]
    assert "village" not in case and "notes" not in case["interviews"][0]
    update_offline_settings(
        team=team_a, by=sup_a, max_cases=20, expiry_hours=72, include_village=True, include_notes=True
    )
    case = take(client, device_a, [case_a]).json()["cases"][0]
    assert case["village"] == "Sanhe"
    assert case["interviews"][0]["notes"] == "secret note"


def test_a_case_she_may_not_see_is_a_logged_404(client, cw_a, case_a, case_b, device_a):
    client.force_login(cw_a)
    response = take(client, device_a, [case_a, case_b])
    assert response.status_code == 404
    assert AccessLog.objects.filter(action=AccessAction.DENIED, object_id=str(case_b.pk)).exists()
    assert not AccessLog.objects.filter(action=AccessAction.OFFLINE).exists()


def test_more_than_the_team_allows_is_refused(client, cw_a, sup_a, team_a, device_a):
    cases = [factories.open_case_for(cw_a) for _ in range(3)]
    update_offline_settings(
        team=team_a, by=sup_a, max_cases=2, expiry_hours=72, include_village=False, include_notes=False
    )
    client.force_login(cw_a)
    response = take(client, device_a, cases)
    assert response.status_code == 400
    assert "2" in response.json()["error"]
    assert take(client, device_a, cases[:2]).status_code == 200


def test_someone_elses_device_is_no_device(client, cw_a, cw_a2, case_a):
    other = register_device(by=cw_a2, name="Not hers")
    client.force_login(cw_a)
    assert take(client, other, [case_a]).status_code == 400


def test_a_revoked_device_is_told_to_wipe(client, cw_a, case_a, device_a):
    revoke_device(device=device_a, by=cw_a)
    client.force_login(cw_a)
    response = take(client, device_a, [case_a])
    assert response.status_code == 410 and response.json()["wipe"] is True
    assert AccessLog.objects.filter(action=AccessAction.WIPE, object_id=str(device_a.pk)).exists()


def test_the_take_page_lists_her_open_cases(client, cw_a, case_a, case_b):
    client.force_login(cw_a)
    page = client.get(reverse("offline:take")).content.decode()
    assert case_a.case_number in page and case_b.case_number not in page


def test_register_makes_a_device_with_history(client, cw_a):
    client.force_login(cw_a)
    response = client.post(
        reverse("offline:register"), json.dumps({"name": "My phone"}), content_type="application/json"
    )
    assert response.status_code == 201
    device = OfflineDevice.objects.get(pk=response.json()["device"])
    assert device.user == cw_a and device.history.count() == 1
    bad = client.post(reverse("offline:register"), json.dumps({"name": ""}), content_type="application/json")
    assert bad.status_code == 400


def test_the_service_worker_caches_only_the_shell(client):
    script = client.get(reverse("offline:service-worker")).content.decode()
    shell = json.loads(script.split("var SHELL = ", 1)[1].split(";\n", 1)[0])
    assert shell[0] == reverse("offline:home")
    assert all(path.startswith("/static/") for path in shell[1:])
    assert len(shell) == 1 + len(SHELL_STATIC)
    assert not any(path.startswith("/cases/") for path in shell)
    # Nothing else is ever put in the cache: the only cache.put calls are of shell URLs.
    assert script.count("cache.put(") == 2
    assert "cache.put(url, response)" in script and "cache.put(HOME, copy)" in script


def test_the_offline_shell_carries_no_case(client, cw_a, case_a):
    client.force_login(cw_a)
    page = client.get(reverse("offline:home")).content.decode()
    assert case_a.case_number not in page and "Minji" not in page and str(case_a.pk) not in page


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(json_values, st.fixed_dictionaries({"device": json_values, "cases": json_values})))
def test_bad_take_requests_take_nothing(client, cw_a, case_a, device_a, payload):
    client.force_login(cw_a)
    response = client.post(reverse("offline:take"), json.dumps(payload), content_type="application/json")
    assert response.status_code in (400, 404)
    assert not AccessLog.objects.filter(action=AccessAction.OFFLINE).exists()
    device_a.refresh_from_db()
    assert device_a.cases_held == 0
