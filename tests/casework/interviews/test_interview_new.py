"""Logging a field interview: one form, one transaction, the mother and the doors with it."""

import datetime
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework.models import Interview
from children.models import DocumentAccess
from children.queries import current_versions
from children.services import update_door
from families.models import Mother
from tests.not_found import assert_the_plain_404

TODAY = timezone.localdate()


def url(child):
    return reverse("interviews:new", args=[child.pk])


def history_counts(case):
    """How many history rows the case's mother and doors have: a refused save adds none."""
    return (
        Mother.history.filter(id=case.family.mother_id).count(),
        DocumentAccess.history.filter(child_id=case.pk).count(),
    )


def form_data(case, /, **overrides):
    """What the browser posts for an untouched form, plus the overrides."""
    mother = case.family.mother
    data = {
        "interview-held_on": TODAY.isoformat(),
        "interview-location_type": "home",
        "interview-participants": "grandmother",
        "interview-notes": "School asked for a hukou again.",
        "interview-risk_level": "medium",
        "interview-follow_up_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
        "interview-submission_token": str(uuid.uuid4()),
        "reason-reason": "",
        "mother-status": mother.status,
        "initial-mother-status": mother.status,
        "mother-whereabouts": mother.whereabouts,
        "initial-mother-whereabouts": mother.whereabouts,
        "mother-version": mother.version,
    }
    for door in DocumentAccess.objects.filter(child=case):
        prefix = f"door-{door.kind}"
        for name in ("status", "barrier", "note"):
            data[f"{prefix}-{name}"] = getattr(door, name)
            data[f"initial-{prefix}-{name}"] = getattr(door, name)
        data[f"{prefix}-version"] = door.version
    data.update(overrides)
    return data


def test_form_shows_the_mother_and_the_four_doors(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.get(url(case_a))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in ("education", "medical", "marriage", "bank"):
        assert f'name="door-{kind}-status"' in html
    assert 'name="mother-status"' in html


def test_interview_with_mother_and_door_change_is_one_save(client, cw_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a, **{"mother-status": "ran_away", "door-education-status": "in_progress"})
    response = client.post(url(case_a), data)
    assert response.status_code == 302 and response["Location"] == case_a.get_absolute_url()
    interview = Interview.objects.get(child=case_a)
    assert interview.caseworker == cw_a and interview.risk_level == "medium"
    mother = Mother.objects.get(pk=case_a.family.mother_id)
    assert mother.status == "ran_away" and mother.status_changed_on == TODAY
    assert mother.history.latest().history_user_id == cw_a.pk
    door = DocumentAccess.objects.get(child=case_a, kind="education")
    assert door.status == "in_progress"
    assert door.history.latest().history_user_id == cw_a.pk


# Saving an interview whose doors did not change: the session, the user, the second
# factor and the roles; the gate and the case with its doors; the interview's insert,
# its chain head's advance and its history row (which moves the head's hash in the same
# statement on PostgreSQL, a separate UPDATE on SQLite), the history row's place in the
# timeline's index (one INSERT ... SELECT, casework.supervision.timeline_index); the
# session's save for the
# message; and the savepoints of the test's transaction around the two writes. No
# SELECT looks for a twin of the submission token or checks that a new primary key is
# free: the database's unique indexes answer both. The choice columns' CHECKs are
# validated without a query (casework.core.constraints.ChoicesCheck).
SAVE_QUERIES = 16


def test_saving_an_interview_runs_a_fixed_number_of_queries(client, cw_a, case_a, django_assert_max_num_queries):
    client.force_login(cw_a)
    client.get(url(case_a))
    data = form_data(case_a)
    on_sqlite = connection.vendor == "sqlite"
    with django_assert_max_num_queries(SAVE_QUERIES + on_sqlite):
        response = client.post(url(case_a), data)
    assert response.status_code == 302


def test_untouched_doors_write_no_history(client, cw_a, case_a):
    client.force_login(cw_a)
    before = DocumentAccess.history.filter(child_id=case_a.pk).count()
    client.post(url(case_a), form_data(case_a))
    assert DocumentAccess.history.filter(child_id=case_a.pk).count() == before
    assert Interview.objects.filter(child=case_a).count() == 1


def test_future_interview_is_refused_and_nothing_changes(client, cw_a, case_a):
    client.force_login(cw_a)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    data = form_data(case_a, **{"interview-held_on": tomorrow, "mother-status": "present"})
    response = client.post(url(case_a), data)
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert not Interview.objects.exists()
    assert Mother.objects.get(pk=case_a.family.mother_id).status == "repatriated"


def test_follow_up_before_the_interview_is_refused(client, cw_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a, **{"interview-follow_up_on": (TODAY - datetime.timedelta(days=3)).isoformat()})
    response = client.post(url(case_a), data)
    assert "cannot be before the interview" in response.content.decode()
    assert not Interview.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("interview-location_type", "gps:42.9,129.5"),
        ("interview-risk_level", "extreme"),
        ("mother-status", "arrested"),
        ("door-bank-status", "open"),
        ("interview-notes", "x" * 10001),
        ("interview-held_on", "1899-01-01"),
        ("interview-submission_token", "not-a-token"),
    ],
)
def test_bad_values_get_a_message_and_change_nothing(client, cw_a, case_a, field, value):
    client.force_login(cw_a)
    response = client.post(url(case_a), form_data(case_a, **{field: value}))
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not Interview.objects.exists()


def test_a_resubmitted_form_logs_one_interview(client, cw_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a)
    client.post(url(case_a), data)
    second = client.post(url(case_a), data)
    assert second.status_code == 302 and second["Location"] == case_a.get_absolute_url()
    assert Interview.objects.filter(child=case_a).count() == 1


def test_a_door_changed_meanwhile_is_a_conflict_not_an_overwrite(client, cw_a, sup_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a, **{"door-medical-status": "has_access"})
    # The supervisor changes the same door after the caseworker opened the form.
    update_door(
        expected_version=current_versions(case_a)["medical"],
        child=case_a,
        by=sup_a,
        kind="medical",
        status="in_progress",
        note="clinic agreed",
    )
    before = history_counts(case_a)
    response = client.post(url(case_a), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html and "clinic agreed" not in html.split("conflict")[0]
    conflict = response.context["conflict"]
    assert conflict["title"] == "Medical care"
    assert conflict["rows"] == [("Status", "In progress", "Has access"), ("Note", "clinic agreed", "—")]
    assert "<td>Status</td><td>In progress</td><td>Has access</td>" in html
    assert DocumentAccess.objects.get(child=case_a, kind="medical").status == "in_progress"
    assert not Interview.objects.exists()
    assert history_counts(case_a) == before


def test_saving_again_after_a_conflict_is_a_deliberate_overwrite(client, cw_a, sup_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a, **{"door-medical-status": "has_access"})
    update_door(
        expected_version=current_versions(case_a)["medical"],
        child=case_a,
        by=sup_a,
        kind="medical",
        status="in_progress",
    )
    client.post(url(case_a), data)
    data["door-medical-version"] = DocumentAccess.objects.get(child=case_a, kind="medical").version
    response = client.post(url(case_a), data)
    assert response.status_code == 302 and response["Location"] == case_a.get_absolute_url()
    door = DocumentAccess.objects.get(child=case_a, kind="medical")
    assert door.status == "has_access" and door.history.latest().history_user_id == cw_a.pk
    assert Interview.objects.filter(child=case_a).count() == 1


def test_someone_elses_case_is_a_404_and_writes_nothing(client, cw_b, case_a):
    client.force_login(cw_b)
    before = history_counts(case_a)
    assert_the_plain_404(client.get(url(case_a)), case_a)
    changes = {"mother-status": "ran_away", "door-education-status": "in_progress"}
    assert_the_plain_404(client.post(url(case_a), form_data(case_a, **changes)), case_a)
    assert not Interview.objects.exists()
    assert Mother.objects.get(pk=case_a.family.mother_id).status == "repatriated"
    assert DocumentAccess.objects.get(child=case_a, kind="education").status == "no_access"
    assert history_counts(case_a) == before


def test_tampered_child_id_in_body_is_ignored(client, cw_b, case_a, case_b):
    """AC-4: the case comes from the URL the user may change, never from the body."""
    client.force_login(cw_b)
    data = form_data(case_b, **{"child": str(case_a.pk), "interview-child": str(case_a.pk), "caseworker": "1"})
    response = client.post(url(case_b), data)
    assert response.status_code == 302 and response["Location"] == case_b.get_absolute_url()
    interview = Interview.objects.get()
    assert interview.child_id == case_b.pk and interview.caseworker == cw_b


def test_anonymous_is_sent_to_login(client, case_a):
    response = client.get(url(case_a))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_mother_changed_meanwhile_is_a_conflict_shown_with_choice_names(client, cw_a, sup_a, case_a):
    from families.services import update_mother

    client.force_login(cw_a)
    data = form_data(case_a, **{"mother-status": "present", "mother-whereabouts": "china"})
    update_mother(
        expected_version=current_versions(case_a).get("mother"),
        child=case_a,
        by=sup_a,
        values={"whereabouts": "south_korea"},
    )
    response = client.post(url(case_a), data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "South Korea" in html and "China" in html and "south_korea" not in html.split("<form")[0]
    assert Mother.objects.get(pk=case_a.family.mother_id).status == "repatriated"
    assert not Interview.objects.exists()
