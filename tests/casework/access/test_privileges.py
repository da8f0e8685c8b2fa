"""Privileges change only through casework.access.services: each change ends the access it
no longer allows in the same transaction, and is in the append-only, chained record with
who, when and why. Grants made by a system admin wait for a second system admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from casework.access import services
from casework.access.queries import pending_changes, supervised_team
from casework.audit.queries import verify_audit
from casework.core import roles
from casework.models import Assignment, PrivilegeChange, PrivilegeKind, PrivilegeOutcome
from children import access
from tests import factories


@pytest.fixture
def second_admin(db):
    return factories.system_admin(username="sysadmin2")


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_a_caseworker_who_leaves_the_team_loses_its_cases_at_once(cw_a, team_a, case_a, sys_admin):
    change = services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved to the Yanji office")
    assert change.outcome == PrivilegeOutcome.APPLIED
    assert not access.may_access(fresh(cw_a), case_a.pk)
    held = Assignment.objects.get(child=case_a, caseworker=cw_a)
    assert held.revoked_at is not None and held.revoked_by == sys_admin
    # The grant itself is gone, not only hidden by the gate.
    assert not case_a.childuserobjectpermission_set.filter(user=cw_a).exists()


def test_losing_the_caseworker_role_ends_every_assignment(cw_a, case_a, sys_admin):
    services.revoke_role(user=cw_a, role=roles.CASEWORKER, by=sys_admin, reason="left the NGO")
    assert not Assignment.objects.filter(caseworker=cw_a, revoked_at__isnull=True).exists()
    assert access.visible_child_ids(fresh(cw_a)) == []


def test_losing_the_supervisor_role_ends_the_oversight(sup_a, team_a, case_a, sys_admin):
    services.revoke_role(user=sup_a, role=roles.SUPERVISOR, by=sys_admin, reason="stepped down")
    sup = fresh(sup_a)
    assert team_a.oversight_group not in sup.groups.all()
    assert supervised_team(sup) is None
    assert not access.may_access(sup, case_a.pk)


def test_every_change_is_recorded_with_who_when_and_why(cw_a, team_a, sys_admin):
    services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved")
    row = PrivilegeChange.objects.get(kind=PrivilegeKind.TEAM_LEFT)
    assert (row.subject_username, row.actor_username, row.team, row.reason) == ("cw_a", "sysadmin", team_a, "moved")
    assert row.at is not None and row.seq >= 1 and len(row.row_hash) == 64


def test_the_record_is_append_only(cw_a, team_a, sys_admin):
    row = services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved")
    for statement in (
        lambda: PrivilegeChange.objects.filter(pk=row.pk).update(reason="nothing happened"),
        lambda: PrivilegeChange.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011  (the trigger's error, per backend)
            statement()
    assert PrivilegeChange.objects.get(pk=row.pk).reason == "moved"


def test_the_record_is_in_the_keyed_chains_verify_audit_checks(cw_a, team_a, sys_admin):
    services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved")
    services.revoke_role(user=cw_a, role=roles.CASEWORKER, by=sys_admin, reason="head office")
    services.grant_role(user=cw_a, role=roles.DATA_ADMIN, by=sys_admin, reason="head office")
    report = verify_audit()
    chains = {chain.table: chain for chain in report.chains}
    # The fixtures' own changes (made at the console) are in the chain too.
    assert chains["casework_privilegechange"].rows_checked == PrivilegeChange.objects.count() >= 3
    assert report.intact


# --- The two-person rule ---------------------------------------------------------------


def test_a_grant_by_a_system_admin_waits_for_a_second_admin(team_a, sys_admin, second_admin, case_a):
    newcomer = factories.UserFactory(username="newcomer")
    request = services.join_team(user=newcomer, team=team_a, role=roles.SUPERVISOR, by=sys_admin, reason="new lead")
    assert request.outcome == PrivilegeOutcome.REQUESTED
    assert list(pending_changes()) == [request]
    assert not fresh(newcomer).groups.exists()  # nothing happened
    assert not access.may_access(fresh(newcomer), case_a.pk)

    answer = services.approve_change(request=request, by=second_admin)
    assert (answer.outcome, answer.answers, answer.actor_username) == (PrivilegeOutcome.APPROVED, request, "sysadmin2")
    assert supervised_team(fresh(newcomer)) == team_a
    assert access.may_access(fresh(newcomer), case_a.pk)
    assert list(pending_changes()) == []


def test_the_admin_who_asked_cannot_approve(team_a, sys_admin):
    newcomer = factories.UserFactory(username="newcomer")
    request = services.join_team(user=newcomer, team=team_a, role=roles.CASEWORKER, by=sys_admin, reason="new")
    with pytest.raises(PermissionDenied):
        services.approve_change(request=request, by=sys_admin)
    assert not fresh(newcomer).groups.exists()


def test_only_a_system_admin_approves(team_a, sys_admin, sup_a):
    newcomer = factories.UserFactory(username="newcomer")
    request = services.join_team(user=newcomer, team=team_a, role=roles.CASEWORKER, by=sys_admin, reason="new")
    with pytest.raises(PermissionDenied):
        services.approve_change(request=request, by=sup_a)


def test_a_request_is_answered_once(team_a, sys_admin, second_admin):
    newcomer = factories.UserFactory(username="newcomer")
    request = services.grant_role(user=newcomer, role=roles.DATA_ADMIN, by=sys_admin, reason="head office")
    services.decline_change(request=request, by=second_admin, reason="not agreed")
    with pytest.raises(ValidationError):
        services.approve_change(request=request, by=second_admin)
    assert not roles.has_role(fresh(newcomer), roles.DATA_ADMIN)
    # Two answers to one request cannot both be stored, whoever writes them.
    with pytest.raises(IntegrityError), transaction.atomic():
        services._record(
            kind=request.kind, outcome=PrivilegeOutcome.APPROVED, user=newcomer, by=second_admin, answers=request
        )


def test_a_removal_takes_effect_at_once(cw_a, team_a, sys_admin, case_a):
    change = services.revoke_role(user=cw_a, role=roles.CASEWORKER, by=sys_admin, reason="left")
    assert change.outcome == PrivilegeOutcome.APPLIED


def test_with_a_single_admin_a_grant_takes_effect_at_once(settings, team_a, sys_admin):
    settings.SINGLE_SYSTEM_ADMIN = True
    newcomer = factories.UserFactory(username="newcomer")
    change = services.join_team(user=newcomer, team=team_a, role=roles.CASEWORKER, by=sys_admin, reason="new")
    assert change.outcome == PrivilegeOutcome.APPLIED
    assert roles.has_role(fresh(newcomer), roles.CASEWORKER)


def test_only_a_system_admin_changes_privileges(sup_a, team_a, cw_b):
    with pytest.raises(PermissionDenied):
        services.join_team(user=cw_b, team=team_a, role=roles.CASEWORKER, by=sup_a, reason="help")
    assert not PrivilegeChange.objects.filter(actor_id=sup_a.pk).exists()


# --- Separation of duties ---------------------------------------------------------------


def test_a_system_admin_cannot_make_themselves_supervisor_and_the_attempt_is_recorded(
    settings, sys_admin, team_a, case_a
):
    settings.SINGLE_SYSTEM_ADMIN = True  # even with nobody to approve
    with pytest.raises(ValidationError):
        services.join_team(user=sys_admin, team=team_a, role=roles.SUPERVISOR, by=sys_admin, reason="just looking")
    assert not fresh(sys_admin).groups.filter(pk=team_a.oversight_group_id).exists()
    attempt = PrivilegeChange.objects.get(actor_id=sys_admin.pk)
    assert (attempt.outcome, attempt.team, attempt.actor_username) == (PrivilegeOutcome.REFUSED, team_a, "sysadmin")


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR])
def test_a_system_admin_never_gains_a_case_role(sys_admin, second_admin, role):
    with pytest.raises(ValidationError):
        services.grant_role(user=second_admin, role=role, by=sys_admin, reason="help out")
    with pytest.raises(ValidationError):
        services.grant_role(user=second_admin, role=role)  # not even from the console


def test_a_system_admin_never_joins_a_team(sys_admin, team_a):
    with pytest.raises(ValidationError):
        services.join_team(user=sys_admin, team=team_a, role=roles.CASEWORKER)


def test_a_caseworker_does_not_become_a_system_admin_before_leaving_case_work(cw_a, sys_admin):
    with pytest.raises(ValidationError):
        services.grant_role(user=cw_a, role=roles.SYSTEM_ADMIN, by=sys_admin, reason="IT help")


def test_the_rules_are_checked_again_when_the_request_is_approved(team_a, sys_admin, second_admin):
    newcomer = factories.UserFactory(username="newcomer")
    request = services.join_team(user=newcomer, team=team_a, role=roles.CASEWORKER, by=sys_admin, reason="new")
    services.grant_role(user=newcomer, role=roles.DATA_ADMIN, by=None, reason="head office after all")
    with pytest.raises(ValidationError):
        services.approve_change(request=request, by=second_admin)
    assert not fresh(newcomer).groups.filter(pk=team_a.group_id).exists()


def test_granting_the_system_admin_role_opens_the_admin_and_losing_it_closes_it(sys_admin, second_admin):
    it = factories.UserFactory(username="it")
    request = services.grant_role(user=it, role=roles.SYSTEM_ADMIN, by=sys_admin, reason="second admin")
    services.approve_change(request=request, by=second_admin)
    assert (fresh(it).is_staff, fresh(it).is_superuser) == (True, True)
    services.revoke_role(user=it, role=roles.SYSTEM_ADMIN, by=sys_admin, reason="left")
    assert (fresh(it).is_staff, fresh(it).is_superuser) == (False, False)


def test_a_device_reset_is_recorded_for_the_sign_in_work(cw_a, sys_admin):
    row = services.record_devices_reset(user=cw_a, by=sys_admin, reason="lost phone")
    assert (row.kind, row.outcome, row.subject_username) == (PrivilegeKind.DEVICES_RESET, "applied", "cw_a")
