"""The transfer services: who may take each step, what acceptance moves and revokes,
and that every step is in history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework.models import Assignment, Interview, Transfer, TransferStatus
from casework.transfers.services import accept_transfer, propose_transfer, refuse_transfer, withdraw_transfer
from children import access
from children.models import Child, ChildGroupObjectPermission, ChildUserObjectPermission
from children.services import close_case
from tests import factories
from tests.casework.transfers.conftest import REASON


def test_a_proposal_is_pending_and_changes_nobody_s_access(transfer, case_a, cw_a, sup_a, sup_b, team_a):
    assert (transfer.status, transfer.from_team, transfer.proposed_by) == (TransferStatus.PENDING, team_a, sup_a)
    assert access.may_access(cw_a, case_a.pk) and access.may_access(sup_a, case_a.pk)
    assert not access.may_access(sup_b, case_a.pk)


@pytest.mark.parametrize("who", ["cw_a", "sup_b", "cw_b"])
def test_only_the_case_s_supervisor_proposes(request, case_a, team_b, who):
    with pytest.raises(PermissionDenied):
        propose_transfer(child=case_a, to_team=team_b, by=request.getfixturevalue(who), reason=REASON)
    assert not Transfer.objects.exists()


def test_a_proposal_needs_another_team_a_reason_and_an_open_case(case_a, sup_a, team_a, team_b):
    with pytest.raises(ValidationError):
        propose_transfer(child=case_a, to_team=team_a, by=sup_a, reason=REASON)
    with pytest.raises(ValidationError):
        propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="   ")
    close_case(child=case_a, by=sup_a, reason="Moved away")
    with pytest.raises(ValidationError):
        propose_transfer(child=Child.objects.get(pk=case_a.pk), to_team=team_b, by=sup_a, reason=REASON)


def test_one_pending_transfer_per_case(transfer, case_a, sup_a, team_b):
    with pytest.raises(ValidationError):
        propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason=REASON)


def test_acceptance_moves_the_case_and_everything_on_it(transfer, case_a, cw_a, sup_a, sup_b, cw_b, team_b):
    interview_ids = list(Interview.objects.filter(child=case_a).values_list("pk", flat=True))
    accept_transfer(transfer=transfer, by=sup_b, reason="We cover Yanji")

    child = Child.objects.get(pk=case_a.pk)
    assert child.team == team_b and child.family_id == case_a.family_id
    assert list(Interview.objects.filter(child=child).values_list("pk", flat=True)) == interview_ids
    # The old team loses the case at once: the caseworker, and the supervisor.
    assert not access.may_access(cw_a, child.pk) and not access.may_access(sup_a, child.pk)
    assert not ChildUserObjectPermission.all_grants.filter(content_object=child).exists()
    assert set(ChildGroupObjectPermission.objects.filter(content_object=child).values_list("group_id", flat=True)) == {
        team_b.oversight_group_id
    }
    # The new supervisor sees it; nobody holds it until she assigns a caseworker.
    assert access.may_access(sup_b, child.pk, access.CHANGE)
    assert not Assignment.objects.filter(child=child, revoked_at__isnull=True).exists()
    assert not access.may_access(cw_b, child.pk)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.answered_by) == (TransferStatus.ACCEPTED, sup_b)


def test_the_new_supervisor_assigns_a_caseworker_after_acceptance(transfer, case_a, sup_b, cw_b):
    from casework.access.services import assign_case

    accept_transfer(transfer=transfer, by=sup_b)
    assign_case(child=Child.objects.get(pk=case_a.pk), to=cw_b, by=sup_b, reason="Lives near cw_b")
    assert access.may_access(cw_b, case_a.pk)


def test_the_old_team_s_assignments_are_revoked_through_the_audited_service(transfer, case_a, cw_a, sup_b):
    accept_transfer(transfer=transfer, by=sup_b, reason="We cover Yanji")
    held = Assignment.objects.get(child=case_a, caseworker=cw_a)
    assert held.revoked_by == sup_b and held.revoked_at is not None
    revocation = held.history.latest()
    assert (revocation.history_user_id, revocation.history_change_reason) == (sup_b.pk, "We cover Yanji")


@pytest.mark.parametrize("who", ["sup_a", "cw_a", "cw_b"])
def test_only_the_receiving_supervisor_accepts_or_refuses(request, transfer, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        accept_transfer(transfer=transfer, by=person)
    with pytest.raises(PermissionDenied):
        refuse_transfer(transfer=transfer, by=person, reason="No")
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_a_supervisor_of_a_third_team_cannot_answer(transfer):
    team_c = factories.TeamFactory(name="Team C")
    sup_c = factories.supervisor(team_c, username="sup_c")
    with pytest.raises(PermissionDenied):
        accept_transfer(transfer=transfer, by=sup_c)


def test_refusal_needs_a_reason_and_leaves_the_case_where_it_was(transfer, case_a, cw_a, sup_b, team_a):
    with pytest.raises(ValidationError):
        refuse_transfer(transfer=transfer, by=sup_b, reason=" ")
    refuse_transfer(transfer=transfer, by=sup_b, reason="We have no caseworker in Yanji")
    assert Child.objects.get(pk=case_a.pk).team == team_a and access.may_access(cw_a, case_a.pk)
    assert Transfer.objects.get(pk=transfer.pk).answer_reason == "We have no caseworker in Yanji"


def test_only_the_proposing_supervisor_withdraws_while_pending(transfer, sup_a, sup_b):
    with pytest.raises(PermissionDenied):
        withdraw_transfer(transfer=transfer, by=sup_b)
    withdraw_transfer(transfer=transfer, by=sup_a, reason="The family stayed")
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.WITHDRAWN
    # Answered once: nothing more happens to it.
    with pytest.raises(ValidationError):
        accept_transfer(transfer=transfer, by=sup_b)


def test_a_new_transfer_may_follow_an_answered_one(transfer, case_a, sup_a, sup_b, team_b):
    refuse_transfer(transfer=transfer, by=sup_b, reason="Not yet")
    again = propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="The family has now moved")
    assert again.status == TransferStatus.PENDING


def test_every_step_is_in_history_with_who_and_why(transfer, case_a, sup_a, sup_b):
    accept_transfer(transfer=transfer, by=sup_b, reason="We cover Yanji")
    rows = list(Transfer.history.filter(id=transfer.pk).order_by("history_id"))
    assert [(r.history_type, r.status, r.history_user_id, r.history_change_reason) for r in rows] == [
        ("+", TransferStatus.PENDING, sup_a.pk, REASON),
        ("~", TransferStatus.ACCEPTED, sup_b.pk, "We cover Yanji"),
    ]
    moved = Child.history.filter(id=case_a.pk).latest()
    assert (moved.team_id, moved.history_user_id) == (transfer.to_team_id, sup_b.pk)
    # The chain of the new history table links every row (verify_audit).
    assert all(r.chain_hash for r in rows)


def test_acceptance_is_one_transaction(transfer, case_a, cw_a, sup_b, monkeypatch):
    """A failure after the move (saving the answer) leaves the case, its grants and the
    transfer as they were."""
    from casework.transfers import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_answer", broken)
    with pytest.raises(RuntimeError):
        accept_transfer(transfer=transfer, by=sup_b)
    assert Child.objects.get(pk=case_a.pk).team_id == transfer.from_team_id
    assert access.may_access(cw_a, case_a.pk)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
