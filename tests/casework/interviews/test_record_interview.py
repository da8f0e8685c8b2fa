"""casework.interviews.services.record_interview: the interview and what it found, in one transaction."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from casework.interviews.services import record_interview
from casework.models import Interview
from children.models import AccessStatus, DocumentAccess, DocumentKind
from children.queries import current_versions
from children.services import DoorUpdate
from families.models import Mother, MotherStatus, Whereabouts

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def interview(child, by, **kwargs):
    values = {"held_on": YESTERDAY, "location_type": "home", "notes": "Talked with the grandmother", **kwargs}
    values.setdefault("expected_versions", current_versions(child))
    return record_interview(child=child, by=by, **values)


def history_total():
    return Interview.history.count() + Mother.history.count() + DocumentAccess.history.count()


def test_record_interview_logs_the_interview_with_its_author(case_a, cw_a):
    logged = interview(case_a, cw_a, risk_level="high", participants="grandmother, child")
    logged.refresh_from_db()
    assert (logged.child, logged.caseworker, logged.held_on, logged.risk_level) == (case_a, cw_a, YESTERDAY, "high")
    row = logged.history.get()
    assert (row.history_type, row.history_user, row.history_username) == ("+", cw_a, "cw_a")
    assert row.history_change_reason == f"Field interview on {YESTERDAY.isoformat()}"


def test_mother_status_and_doors_change_with_the_same_user_and_reason(case_a, cw_a):
    reason = "Home visit: the mother was taken at the market. " * 100
    logged = interview(
        case_a,
        cw_a,
        mother_status=MotherStatus.RAN_AWAY,
        mother_whereabouts=Whereabouts.THIRD_COUNTRY,
        doors={
            DocumentKind.EDUCATION: DoorUpdate(status=AccessStatus.HAS_ACCESS),
            DocumentKind.MEDICAL: DoorUpdate(status=AccessStatus.NO_ACCESS, barrier="cost", note="300 yuan"),
        },
        reason=reason,
    )
    assert logged.history.get().history_change_reason == reason
    mother = Mother.objects.get()
    assert (mother.status, mother.whereabouts) == (MotherStatus.RAN_AWAY, Whereabouts.THIRD_COUNTRY)
    assert (mother.history.latest().history_user, mother.history.latest().history_change_reason) == (cw_a, reason)
    education = case_a.document_access.get(kind=DocumentKind.EDUCATION)
    medical = case_a.document_access.get(kind=DocumentKind.MEDICAL)
    assert education.status == AccessStatus.HAS_ACCESS
    assert (medical.barrier, medical.note, medical.updated_on) == ("cost", "300 yuan", YESTERDAY)
    assert case_a.document_access.get(kind=DocumentKind.BANK).history.count() == 1
    for door in (education, medical):
        latest = door.history.latest()
        assert door.history.count() == 2
        assert (latest.history_user, latest.history_change_reason) == (cw_a, reason)


def test_a_changed_mother_status_is_dated_by_the_interview(case_a, cw_a):
    interview(case_a, cw_a, mother_status=MotherStatus.RAN_AWAY, mother_whereabouts=Whereabouts.SOUTH_KOREA)
    mother = Mother.objects.get()
    assert (mother.status, mother.whereabouts, mother.status_changed_on) == ("ran_away", "south_korea", YESTERDAY)
    latest = mother.history.latest()
    assert mother.history.count() == 2
    assert (latest.history_user, latest.history_change_reason) == (
        cw_a,
        Interview.history.get().history_change_reason,
    )


def test_unchanged_mother_and_doors_write_no_history(case_a, cw_a):
    mother = Mother.objects.get()
    before_doors = DocumentAccess.history.count()
    interview(
        case_a,
        cw_a,
        mother_status=mother.status,
        doors={kind: DoorUpdate(status=AccessStatus.NO_ACCESS) for kind in DocumentKind.values},
    )
    assert mother.history.count() == 1
    assert DocumentAccess.history.count() == before_doors
    assert Interview.history.count() == 1


def test_a_failing_door_update_rolls_back_the_interview_and_the_mother(case_a, cw_a):
    before = history_total()
    with pytest.raises(ValidationError):
        interview(
            case_a,
            cw_a,
            mother_status=MotherStatus.RAN_AWAY,
            doors={
                DocumentKind.EDUCATION: DoorUpdate(status=AccessStatus.HAS_ACCESS),
                DocumentKind.BANK: DoorUpdate(status="maybe"),  # not a door status
            },
        )
    assert not Interview.objects.exists()
    assert Mother.objects.get().status == MotherStatus.REPATRIATED
    assert case_a.document_access.get(kind=DocumentKind.EDUCATION).status == AccessStatus.NO_ACCESS
    assert history_total() == before


def test_a_failure_after_the_interview_row_leaves_no_history(case_a, cw_a, monkeypatch):
    """RL-2: the history row of the interview is written before the doors; it goes too."""

    def broken(**kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr("casework.interviews.services.update_door", broken)
    before = history_total()
    with pytest.raises(RuntimeError):
        interview(case_a, cw_a, doors={DocumentKind.MEDICAL: DoorUpdate(status=AccessStatus.IN_PROGRESS)})
    assert not Interview.objects.exists()
    assert not Interview.history.exists()
    assert history_total() == before


def test_an_interview_in_the_future_is_refused(case_a, cw_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        interview(case_a, cw_a, held_on=tomorrow, mother_status=MotherStatus.PRESENT)
    assert "held_on" in refused.value.message_dict
    assert not Interview.objects.exists()
    assert Mother.objects.get().status == MotherStatus.REPATRIATED


def test_an_interview_today_is_accepted(case_a, cw_a):
    assert interview(case_a, cw_a, held_on=timezone.localdate()).held_on == timezone.localdate()


def test_a_follow_up_before_the_interview_is_refused(case_a, cw_a):
    # A CHECK constraint: refused by the database, inside the service's savepoint.
    with pytest.raises((ValidationError, IntegrityError)):
        interview(case_a, cw_a, follow_up_on=YESTERDAY - datetime.timedelta(days=1))
    assert not Interview.objects.exists()
    assert not Interview.history.exists()


def test_an_invalid_place_is_refused(case_a, cw_a):
    with pytest.raises(ValidationError):
        interview(case_a, cw_a, location_type="42.90,129.51")
    assert not Interview.objects.exists()


def test_whereabouts_alone_are_recorded_without_touching_the_status(cw_a, case_a):
    before = Mother.objects.get(pk=case_a.family.mother_id)
    record_interview(
        child=case_a,
        by=cw_a,
        expected_versions=current_versions(case_a),
        held_on=before.status_changed_on or datetime.date(2026, 1, 1),
        location_type="home",
        mother_whereabouts="third_country",
    )
    after = Mother.objects.get(pk=before.pk)
    assert (after.status, after.whereabouts) == (before.status, "third_country")
    assert after.status_changed_on == before.status_changed_on
