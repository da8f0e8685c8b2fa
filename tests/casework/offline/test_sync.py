"""Sending an interview logged offline: the online form's forms and service, the same
checks (permission now, record versions, the form's token), CSRF and a session required,
bad payloads refused with nothing changed."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.access.services import revoke_assignment
from casework.models import AccessAction, AccessLog, Interview
from casework.offline.services import revoke_device
from children.models import DocumentAccess
from children.services import update_door
from families.models import Mother
from tests.casework.interviews.test_interview_new import form_data

pytestmark = pytest.mark.django_db


def send(client, device, case, fields, **extra):
    payload = {"device": str(device.pk), "case": str(case.pk), "fields": {k: str(v) for k, v in fields.items()}}
    return client.post(reverse("offline:sync"), json.dumps(payload), content_type="application/json", **extra)


def changed(case, **overrides):
    return form_data(
        case,
        **{
            "mother-status": "ran_away",
            "mother-whereabouts": "china",
            "door-education-status": "in_progress",
            **overrides,
        },
    )


def counts():
    return (
        Interview.objects.count(),
        Interview.history.count(),
        Mother.history.count(),
        DocumentAccess.history.count(),
    )


def test_an_interview_is_applied_with_history_and_logged(client, cw_a, case_a, device_a):
    client.force_login(cw_a)
    response = send(client, device_a, case_a, changed(case_a))
    assert response.status_code == 200 and response.json()["status"] == "sent"
    renewed = response.json()["case"]  # the device's copy, renewed with the versions now saved
    assert renewed["mother"] == {"status": "ran_away", "whereabouts": "china", "version": 2}
    assert renewed["doors"]["education"]["version"] == 2 and "village" not in renewed
    interview = Interview.objects.get(child=case_a)
    assert interview.history.count() == 1
    mother = Mother.objects.get(pk=case_a.family.mother_id)
    assert (mother.status, mother.whereabouts) == ("ran_away", "china")
    assert mother.history.first().history_user == cw_a
    assert DocumentAccess.objects.get(child=case_a, kind="education").status == "in_progress"
    assert AccessLog.objects.filter(action=AccessAction.SYNC, object_id=str(device_a.pk)).count() == 1


def test_a_replayed_token_logs_nothing_new(client, cw_a, case_a, device_a):
    client.force_login(cw_a)
    fields = changed(case_a)
    send(client, device_a, case_a, fields)
    before, log_rows = counts(), AccessLog.objects.count()
    again = send(client, device_a, case_a, fields)
    assert again.status_code == 200 and again.json()["status"] == "already"
    assert counts() == before
    assert AccessLog.objects.count() == log_rows


def test_csrf_is_required(cw_a, case_a, device_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cw_a)
    before = counts()
    assert send(client, device_a, case_a, changed(case_a)).status_code == 403
    assert counts() == before


def test_a_session_is_required(client, case_a, device_a):
    before = counts()
    response = send(client, device_a, case_a, changed(case_a))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert counts() == before


def test_a_case_taken_away_is_a_logged_404_and_nothing_changes(client, cw_a, sup_a, case_a, device_a):
    assignment = case_a.assignments.get()
    revoke_assignment(assignment=assignment, by=sup_a, reason="moved")
    client.force_login(cw_a)
    before = counts()
    response = send(client, device_a, case_a, changed(case_a))
    assert response.status_code == 404
    assert counts() == before
    assert AccessLog.objects.filter(action=AccessAction.DENIED, object_id=str(case_a.pk)).exists()


def test_a_server_change_meanwhile_is_the_same_conflict_as_online(client, cw_a, sup_a, case_a, device_a):
    fields = changed(case_a)  # the versions the device took
    door = DocumentAccess.objects.get(child=case_a, kind="education")
    update_door(
        child=case_a,
        by=sup_a,
        kind="education",
        status="has_access",
        barrier="",
        note="",
        expected_version=door.version,
        reason="x",
    )
    client.force_login(cw_a)
    before = counts()
    response = send(client, device_a, case_a, fields)
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["title"] == "Education"
    assert ["Status", "Has access", "In progress"] in conflict["rows"]
    assert conflict["version_field"] == "door-education-version" and conflict["version"] == door.version + 1
    assert counts() == before
    assert DocumentAccess.objects.get(pk=door.pk).status == "has_access"
    assert AccessLog.objects.filter(action=AccessAction.CONFLICT).exists()
    # Sending again over it, deliberately, with the version now saved.
    fields["door-education-version"] = str(conflict["version"])
    assert send(client, device_a, case_a, fields).status_code == 200
    assert DocumentAccess.objects.get(pk=door.pk).status == "in_progress"


def test_a_revoked_device_is_told_to_wipe_and_the_wipe_is_logged(client, cw_a, sup_a, case_a, device_a):
    revoke_device(device=device_a, by=sup_a)
    assert AccessLog.objects.filter(action=AccessAction.REVOKE, object_id=str(device_a.pk)).exists()
    client.force_login(cw_a)
    before = counts()
    response = send(client, device_a, case_a, changed(case_a))
    assert response.status_code == 410 and response.json()["wipe"] is True
    assert counts() == before
    assert AccessLog.objects.filter(action=AccessAction.WIPE, object_id=str(device_a.pk)).exists()


def test_invalid_answers_are_a_clear_error(client, cw_a, case_a, device_a):
    client.force_login(cw_a)
    before = counts()
    response = send(client, device_a, case_a, changed(case_a, **{"interview-location_type": "moon"}))
    assert response.status_code == 400
    assert "interview-location_type" in response.json()["fields"]
    assert counts() == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.one_of(
        json_values,
        st.fixed_dictionaries({"device": json_values, "case": json_values, "fields": json_values}),
        st.binary(max_size=50).map(lambda b: b),
    ),
    use_device=st.booleans(),
)
def test_bad_payloads_get_a_clear_error_and_change_nothing(client, cw_a, case_a, device_a, payload, use_device):
    client.force_login(cw_a)
    if isinstance(payload, dict) and use_device:
        payload = {**payload, "device": str(device_a.pk), "case": str(case_a.pk)}
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    before = counts()
    response = client.post(reverse("offline:sync"), body, content_type="application/json")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert response.json()["error"]
    assert counts() == before


def test_a_token_of_another_case_is_refused(client, cw_a, case_a, device_a):
    from tests import factories

    other = factories.open_case_for(cw_a)
    client.force_login(cw_a)
    token = str(uuid.uuid4())
    send(client, device_a, case_a, changed(case_a, **{"interview-submission_token": token}))
    before = counts()
    response = send(client, device_a, other, changed(other, **{"interview-submission_token": token}))
    assert response.status_code == 400
    assert counts() == before
