"""children.services: opening, editing, closing a case and the doors, each with history
that names the acting user and the reason."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from casework.access.queries import teams_of
from casework.core.tracked import MissingVersion, StaleEdit
from casework.models import Assignment
from children import access, services
from children.models import AccessStatus, CaseNumberCounter, CaseStatus, Child, DocumentAccess, DocumentKind
from children.queries import current_versions
from children.services import DoorUpdate
from families.models import Family, Father, Mother, MotherStatus, Whereabouts
from tests import factories

LONG_REASON = "Mother reported by a neighbour; " * 160  # about 5,000 characters


def history_counts():
    models = (Child, Family, Mother, Father, DocumentAccess, Assignment)
    return {model.__name__: model.history.count() for model in models}


# --- open_case ---------------------------------------------------------------------------


def test_open_case_creates_child_family_parents_and_the_four_doors(cw_a):
    child = factories.open_case_for(cw_a)
    family = Family.objects.select_related("mother", "father").get(pk=child.family_id)
    assert family.mother.status == MotherStatus.REPATRIATED
    assert family.father.hukou_county == "Longjing"
    assert child.team == teams_of(cw_a).get()
    assert child.case_status == CaseStatus.OPEN
    doors = {door.kind: door.status for door in child.document_access.all()}
    assert doors == {kind: AccessStatus.NO_ACCESS for kind in ("education", "medical", "marriage", "bank")}


def test_open_case_writes_one_history_row_per_object_with_user_and_reason(cw_a):
    child = factories.open_case_for(cw_a, reason="Referred by the school")
    family = child.family
    rows = [
        *child.history.all(),
        *family.history.all(),
        *family.mother.history.all(),
        *family.father.history.all(),
        *DocumentAccess.history.filter(child_id=child.pk),
        *Assignment.history.filter(child_id=child.pk),
    ]
    assert len(rows) == 1 + 1 + 1 + 1 + 4 + 1
    assert {row.history_type for row in rows} == {"+"}
    assert {row.history_user_id for row in rows} == {cw_a.pk}
    assert {row.history_username for row in rows} == {"cw_a"}
    assert {row.history_change_reason for row in rows} == {"Referred by the school"}
    assert child.history.get().history_user == cw_a


def test_open_case_without_a_reason_records_a_default_one(cw_a):
    child = factories.open_case_for(cw_a)
    assert child.history.get().history_change_reason == "Case opened"


def test_open_case_keeps_a_reason_of_any_length(cw_a):
    child = factories.open_case_for(cw_a, reason=LONG_REASON)
    assert len(LONG_REASON) > 4000
    assert child.history.get().history_change_reason == LONG_REASON
    assert child.family.history.get().history_change_reason == LONG_REASON


def test_open_case_grants_the_opener_and_the_team_supervisor_but_not_other_caseworkers(cw_a, cw_a2, sup_a, sup_b):
    child = factories.open_case_for(cw_a)
    for perm in (access.VIEW, access.CHANGE):
        assert access.may_access(cw_a, child.pk, perm)
        assert access.may_access(sup_a, child.pk, perm)
        assert not access.may_access(cw_a2, child.pk, perm)
        assert not access.may_access(sup_b, child.pk, perm)


def test_open_case_records_the_assignment_to_the_opening_caseworker(cw_a):
    child = factories.open_case_for(cw_a, reason="New referral")
    assignment = Assignment.objects.get(child=child)
    assert (assignment.caseworker, assignment.granted_by, assignment.revoked_at) == (cw_a, cw_a, None)
    assert assignment.reason == "New referral"


def test_open_case_by_a_supervisor_grants_the_team_but_assigns_nobody(sup_a, cw_a):
    child = factories.open_case_for(sup_a)
    assert access.may_access(sup_a, child.pk, access.CHANGE)
    assert not access.may_access(cw_a, child.pk)
    assert not Assignment.objects.filter(child=child).exists()


def test_a_sibling_opened_with_the_existing_family_shares_it(cw_a):
    first = factories.open_case_for(cw_a)
    before = history_counts()
    sibling = factories.open_case_for(cw_a, family=first.family, child={"given_name": "Minho", "sex": "male"})
    assert sibling.family_id == first.family_id
    assert Family.objects.count() == Mother.objects.count() == Father.objects.count() == 1
    after = history_counts()
    # The family and its parents are untouched: no history rows for them.
    assert (after["Family"], after["Mother"], after["Father"]) == (before["Family"], before["Mother"], before["Father"])
    assert after["Child"] == before["Child"] + 1
    assert sibling.case_number != first.case_number


def test_case_numbers_follow_each_other_within_the_year(cw_a):
    year = timezone.localdate().year
    first = factories.open_case_for(cw_a)
    second = factories.open_case_for(cw_a)
    assert first.case_number == f"C-{year}-0001"
    assert second.case_number == f"C-{year}-0002"


def test_open_case_outside_ones_own_team_is_refused_and_writes_nothing(cw_b, team_a):
    with pytest.raises(PermissionDenied):
        factories.open_case_for(cw_b, team=team_a)
    assert not Child.objects.exists()
    assert not Family.objects.exists()
    assert set(history_counts().values()) == {0}


def test_open_case_by_a_deactivated_member_is_refused(cw_a, team_a):
    cw_a.is_active = False
    cw_a.save()
    with pytest.raises(PermissionDenied):
        factories.open_case_for(cw_a, team=team_a)
    assert not Child.objects.exists()


def test_open_case_by_someone_in_no_team_is_refused(data_admin, team_a):
    with pytest.raises(PermissionDenied):
        factories.open_case_for(data_admin, team=team_a)
    assert not Child.objects.exists()
    assert set(history_counts().values()) == {0}


def test_open_case_reports_a_refused_child_as_such_and_writes_nothing(cw_a):
    """A CHECK violation on the child is not a taken case number: no retries, no
    misleading "could not allocate a case number", and nothing left behind."""
    with pytest.raises((IntegrityError, ValidationError)) as refused:
        factories.open_case_for(cw_a, child={"date_of_birth": datetime.date(1980, 1, 1)})
    assert "case number" not in str(refused.value)
    assert not Child.objects.exists()
    assert not Family.objects.exists()
    assert set(history_counts().values()) == {0}


def test_case_numbers_come_from_the_years_counter_one_after_another(cw_a):
    first = factories.open_case_for(cw_a)
    second = factories.open_case_for(cw_a)
    year = timezone.localdate().year
    assert (first.case_number, second.case_number) == (f"C-{year}-0001", f"C-{year}-0002")
    assert CaseNumberCounter.objects.get(year=year).last_serial == 2


def test_the_first_number_of_a_year_follows_the_cases_already_recorded(cw_a, team_a):
    """Cases opened before the counter existed keep their numbers; the counter starts after them."""
    year = timezone.localdate().year
    earlier = factories.open_case_for(cw_a)
    Child.objects.filter(pk=earlier.pk).update(case_number=f"C-{year}-0041")
    CaseNumberCounter.objects.all().delete()
    assert services.next_case_number(year) == f"C-{year}-0042"
    assert services.next_case_number(year + 1) == f"C-{year + 1}-0001"


def test_open_case_with_a_given_door_status_keeps_it(cw_a):
    child = factories.open_case_for(
        cw_a, doors={DocumentKind.EDUCATION: DoorUpdate(status=AccessStatus.IN_PROGRESS, barrier="no_hukou")}
    )
    door = child.document_access.get(kind=DocumentKind.EDUCATION)
    assert (door.status, door.barrier) == (AccessStatus.IN_PROGRESS, "no_hukou")


def test_open_case_leaves_nothing_behind_when_a_late_step_fails(cw_a, monkeypatch):
    """RL-2: the grant and the assignment are the last steps; when they fail, the child,
    its family, parents, doors and every history row written before are rolled back."""

    def broken_assign_case(**kwargs):
        raise RuntimeError("permission table unavailable")

    monkeypatch.setattr("children.services.assign_case", broken_assign_case)
    with pytest.raises(RuntimeError):
        factories.open_case_for(cw_a)
    assert not Child.objects.exists()
    assert not Family.objects.exists()
    assert not Mother.objects.exists()
    assert not Father.objects.exists()
    assert not DocumentAccess.objects.exists()
    assert set(history_counts().values()) == {0}
    assert not access.visible_child_ids(cw_a)


def test_open_case_rolls_back_when_a_door_fails(cw_a, monkeypatch):
    real_save = services.save_tracked

    def failing_on_the_bank_door(instance, **kwargs):
        if isinstance(instance, DocumentAccess) and instance.kind == DocumentKind.BANK:
            raise RuntimeError("disk full")
        return real_save(instance, **kwargs)

    monkeypatch.setattr(services, "save_tracked", failing_on_the_bank_door)
    with pytest.raises(RuntimeError):
        factories.open_case_for(cw_a)
    assert not Child.objects.exists()
    assert not DocumentAccess.history.exists()
    assert not Child.history.exists()


# --- update_child and optimistic locking ---------------------------------------------------


def test_update_child_writes_one_history_row_with_user_and_reason(case_a, sup_a):
    services.update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=sup_a,
        values={"hukou_status": "in_progress"},
        reason=LONG_REASON,
    )
    case_a.refresh_from_db()
    assert case_a.hukou_status == "in_progress"
    assert case_a.version == 2
    latest = case_a.history.latest()
    assert case_a.history.count() == 2
    assert (latest.history_type, latest.history_user, latest.history_username) == ("~", sup_a, "sup_a")
    assert latest.history_change_reason == LONG_REASON


def test_update_child_refuses_fields_that_are_not_editable(case_a, cw_a):
    number = case_a.case_number
    for field in ("case_number", "version", "no_such_field"):
        with pytest.raises(ValueError):
            services.update_child(
                expected_version=current_versions(case_a)["child"], child=case_a, by=cw_a, values={field: "C-1999-0001"}
            )
    case_a.refresh_from_db()
    assert case_a.case_number == number
    assert case_a.history.count() == 1


def test_update_child_cannot_move_the_case_or_bypass_closing(case_a, cw_a, team_a, team_b):
    """Moving a case to another team or family changes who may see it, and closing needs
    a reason: none of that goes through a plain field edit."""
    other_family = factories.open_case_for(cw_a).family
    for values in ({"team": team_b}, {"family": other_family}, {"case_status": CaseStatus.CLOSED}):
        with pytest.raises(ValueError):
            services.update_child(
                expected_version=current_versions(case_a)["child"], child=case_a, by=cw_a, values=values
            )
    case_a.refresh_from_db()
    assert (case_a.team_id, case_a.case_status) == (team_a.pk, CaseStatus.OPEN)
    assert case_a.family_id != other_family.pk
    assert case_a.history.count() == 1


def test_update_child_refuses_an_invalid_choice_before_the_database(case_a, cw_a):
    with pytest.raises(ValidationError):
        services.update_child(
            expected_version=current_versions(case_a)["child"], child=case_a, by=cw_a, values={"sex": "unknown"}
        )
    assert case_a.history.count() == 1


def test_second_edit_from_the_same_version_is_stale_and_changes_nothing(case_a, cw_a, sup_a):
    """RL-1: two people opened the form at version 1; the second save must not overwrite."""
    services.update_child(
        child=case_a, by=cw_a, values={"living_arrangement": "grandparents"}, reason="first", expected_version=1
    )
    with pytest.raises(StaleEdit) as stale:
        services.update_child(
            child=case_a, by=sup_a, values={"living_arrangement": "relatives"}, reason="second", expected_version=1
        )
    assert stale.value.instance.version == 2
    case_a.refresh_from_db()
    assert (case_a.living_arrangement, case_a.version) == ("grandparents", 2)
    assert case_a.history.count() == 2
    assert case_a.history.latest().history_change_reason == "first"


def test_edit_from_the_current_version_succeeds_after_a_stale_one(case_a, cw_a):
    services.update_child(child=case_a, by=cw_a, values={"hukou_status": "in_progress"}, expected_version=1)
    services.update_child(child=case_a, by=cw_a, values={"hukou_status": "registered"}, expected_version=2)
    case_a.refresh_from_db()
    assert (case_a.hukou_status, case_a.version) == ("registered", 3)


def test_save_tracked_on_a_stale_instance_raises_stale_edit(case_a, cw_a):
    """save_tracked is the one primitive the services share; it compares before it writes."""
    mother = case_a.family.mother
    services.save_tracked(mother, by=cw_a, reason="first", expected_version=1)
    stale_copy = Mother.objects.get(pk=mother.pk)
    stale_copy.origin_province = "Ryanggang"
    with pytest.raises(StaleEdit):
        services.save_tracked(stale_copy, by=cw_a, reason="second", expected_version=1)
    assert Mother.objects.get(pk=mother.pk).origin_province == "North Hamgyong"
    assert mother.history.count() == 2


# --- close_case / reopen_case ------------------------------------------------------------


def test_close_case_closes_with_one_history_row_carrying_the_reason(case_a, cw_a):
    services.close_case(child=case_a, by=cw_a, reason="Family moved to Shenyang, out of reach")
    case_a.refresh_from_db()
    assert case_a.case_status == CaseStatus.CLOSED
    latest = case_a.history.latest()
    assert case_a.history.count() == 2
    assert (latest.history_user, latest.history_change_reason) == (cw_a, "Family moved to Shenyang, out of reach")


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_close_case_without_a_reason_is_refused(case_a, cw_a, reason):
    with pytest.raises(ValidationError):
        services.close_case(child=case_a, by=cw_a, reason=reason)
    case_a.refresh_from_db()
    assert case_a.case_status == CaseStatus.OPEN
    assert case_a.history.count() == 1


def test_closing_a_closed_case_is_refused_without_history(case_a, cw_a):
    services.close_case(child=case_a, by=cw_a, reason="done")
    with pytest.raises(ValidationError):
        services.close_case(child=case_a, by=cw_a, reason="again")
    assert case_a.history.count() == 2


def test_reopen_case_reopens_with_history(case_a, cw_a, sup_a):
    services.close_case(child=case_a, by=cw_a, reason="done")
    services.reopen_case(child=case_a, by=sup_a, reason="Mother returned")
    case_a.refresh_from_db()
    assert case_a.case_status == CaseStatus.OPEN
    latest = case_a.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (sup_a, "Mother returned")
    with pytest.raises(ValidationError):
        services.reopen_case(child=case_a, by=sup_a, reason=" ")


# --- change_mother_status ------------------------------------------------------------------


def test_change_mother_status_records_status_date_and_whereabouts(case_a, cw_a):
    mother = services.change_mother_status(
        expected_version=current_versions(case_a).get("mother"),
        child=case_a,
        by=cw_a,
        status=MotherStatus.RAN_AWAY,
        whereabouts=Whereabouts.SOUTH_KOREA,
        changed_on=datetime.date(2026, 2, 1),
        reason="Neighbour saw her leave",
    )
    mother.refresh_from_db()
    assert (mother.status, mother.whereabouts) == (MotherStatus.RAN_AWAY, Whereabouts.SOUTH_KOREA)
    assert mother.status_changed_on == datetime.date(2026, 2, 1)
    latest = mother.history.latest()
    assert mother.history.count() == 2
    assert (latest.history_user, latest.history_change_reason) == (cw_a, "Neighbour saw her leave")


def test_change_mother_status_to_the_same_status_writes_no_history(case_a, cw_a):
    mother = case_a.family.mother
    services.change_mother_status(
        expected_version=current_versions(case_a).get("mother"), child=case_a, by=cw_a, status=mother.status
    )
    assert mother.history.count() == 1


def test_change_mother_status_without_a_recorded_mother_is_refused(cw_a):
    child = factories.open_case_for(cw_a, mother=None)
    with pytest.raises(ValidationError):
        services.change_mother_status(
            expected_version=current_versions(child).get("mother"), child=child, by=cw_a, status=MotherStatus.PRESENT
        )
    assert not Mother.objects.exists()


def test_change_mother_status_from_a_stale_version_is_refused(case_a, cw_a):
    services.change_mother_status(child=case_a, by=cw_a, status=MotherStatus.PRESENT, expected_version=1)
    with pytest.raises(StaleEdit):
        services.change_mother_status(child=case_a, by=cw_a, status=MotherStatus.UNKNOWN, expected_version=1)
    mother = Mother.objects.get()
    assert mother.status == MotherStatus.PRESENT
    assert mother.history.count() == 2


# --- update_door ----------------------------------------------------------------


def test_update_door_changes_one_door_with_history(case_a, cw_a):
    door = services.update_door(
        expected_version=current_versions(case_a)[DocumentKind.MEDICAL],
        child=case_a,
        by=cw_a,
        kind=DocumentKind.MEDICAL,
        status=AccessStatus.IN_PROGRESS,
        barrier="cost",
        note="Clinic asks 300 yuan",
        changed_on=datetime.date(2026, 3, 3),
        reason="Visit to the clinic",
    )
    door.refresh_from_db()
    assert (door.status, door.barrier, door.updated_on) == ("in_progress", "cost", datetime.date(2026, 3, 3))
    assert door.history.count() == 2
    assert door.history.latest().history_user == cw_a
    others = case_a.document_access.exclude(kind=DocumentKind.MEDICAL)
    assert all(other.history.count() == 1 for other in others)


def test_an_unchanged_door_writes_no_history(case_a, cw_a):
    door = case_a.document_access.get(kind=DocumentKind.BANK)
    services.update_door(
        expected_version=current_versions(case_a)[DocumentKind.BANK],
        child=case_a,
        by=cw_a,
        kind=DocumentKind.BANK,
        status=door.status,
    )
    assert door.history.count() == 1


def test_an_open_door_has_no_barrier(case_a, cw_a):
    door = services.update_door(
        expected_version=current_versions(case_a)[DocumentKind.EDUCATION],
        child=case_a,
        by=cw_a,
        kind=DocumentKind.EDUCATION,
        status=AccessStatus.HAS_ACCESS,
        barrier="no_hukou",
    )
    door.refresh_from_db()
    assert (door.status, door.barrier) == (AccessStatus.HAS_ACCESS, "")


def test_update_door_from_a_stale_version_is_refused(case_a, cw_a):
    kwargs = {"child": case_a, "by": cw_a, "kind": DocumentKind.EDUCATION, "expected_version": 1}
    services.update_door(status=AccessStatus.IN_PROGRESS, **kwargs)
    with pytest.raises(StaleEdit):
        services.update_door(status=AccessStatus.HAS_ACCESS, **kwargs)
    door = case_a.document_access.get(kind=DocumentKind.EDUCATION)
    assert door.status == AccessStatus.IN_PROGRESS
    assert door.history.count() == 2


# --- attribution outlives the account --------------------------------------------------------


def test_history_keeps_the_author_after_the_account_is_deactivated(case_a, sup_a):
    services.update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=sup_a,
        values={"hukou_status": "in_progress"},
        reason="check",
    )
    sup_a.is_active = False
    sup_a.save()
    latest = case_a.history.latest()
    assert (latest.history_user_id, latest.history_username) == (sup_a.pk, "sup_a")
    assert latest.history_user == sup_a


def test_history_keeps_the_author_after_the_account_is_deleted(case_a, sup_a):
    """No foreign key from history to the user: deleting the account neither fails
    nor rewrites the append-only rows (the id and the name at the time stay)."""
    services.update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=sup_a,
        values={"hukou_status": "in_progress"},
        reason="check",
    )
    pk = sup_a.pk
    sup_a.delete()
    assert not get_user_model().objects.filter(pk=pk).exists()
    latest = case_a.history.latest()
    assert (latest.history_user_id, latest.history_username) == (pk, "sup_a")
    assert latest.history_change_reason == "check"
    assert latest.history_user is None


# --- concurrent edits (RL-1) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cases_opened_at_the_same_instant_get_consecutive_numbers_without_a_failed_insert(cw_a, cw_a2):
    """AU-21: the year's counter row queues concurrent openings, so no INSERT of a child
    (with its names) ever fails on a taken number. Real concurrency: PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on the whole database")
    start = threading.Barrier(4)
    numbers, failures = [], []

    def open_one(user):
        try:
            start.wait(timeout=10)
            numbers.append(factories.open_case_for(user).case_number)
        except Exception as error:  # noqa: BLE001 (any failure is the finding)
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(user,)) for user in (cw_a, cw_a2, cw_a, cw_a2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    year = timezone.localdate().year
    assert failures == []
    assert sorted(numbers) == [f"C-{year}-{n:04d}" for n in range(1, 5)]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_from_one_version_one_wins_and_one_is_stale(cw_a, sup_a):
    """Two people save at the same moment from version 1: the row lock serialises them, the
    second sees version 2 and gets StaleEdit. Needs real concurrent connections: PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on the whole database; the row lock is PostgreSQL's")
    child = factories.open_case_for(cw_a)
    start = threading.Barrier(2)
    outcomes = {}

    def edit(user, arrangement):
        try:
            start.wait(timeout=10)
            services.update_child(
                child=child, by=user, values={"living_arrangement": arrangement}, reason=arrangement, expected_version=1
            )
            outcomes[user.username] = "saved"
        except StaleEdit:
            outcomes[user.username] = "stale"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=(cw_a, "grandparents")),
        threading.Thread(target=edit, args=(sup_a, "relatives")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    child.refresh_from_db()
    assert child.version == 2
    assert child.living_arrangement == {"cw_a": "grandparents", "sup_a": "relatives"}[winner]
    assert child.history.count() == 2
    assert child.history.latest().history_username == winner


# --- versions cannot be skipped ------------------------------------------------------------


def test_a_service_edit_without_a_version_is_refused(cw_a, case_a):
    with pytest.raises(TypeError):
        services.update_child(child=case_a, by=cw_a, values={"given_name": "Other"})  # type: ignore[call-arg]
    with pytest.raises(MissingVersion):
        services.update_door(child=case_a, by=cw_a, kind="medical", status="has_access", expected_version=None)
    with pytest.raises(MissingVersion):
        services.change_mother_status(child=case_a, by=cw_a, status="ran_away", expected_version=None)
    assert Child.objects.get(pk=case_a.pk).given_name != "Other"
    assert Child.history.filter(id=case_a.pk).count() == 1
