"""`has_perm` on case data is the gate's answer, superuser or not (issue 9: it was True
for a superuser, whatever the gate said)."""

import pytest

from children import access


@pytest.mark.parametrize("perm", [access.VIEW, access.CHANGE])
def test_a_superuser_not_on_the_team_has_no_case_permission(sys_admin, case_a, perm):
    assert sys_admin.is_superuser
    assert not sys_admin.has_perm(perm, case_a)


@pytest.mark.parametrize(
    "perm", ["children.view_child", "children.delete_child", "families.view_mother", "casework.view_interview"]
)
def test_a_superuser_has_no_model_wide_case_permission(sys_admin, perm):
    assert not sys_admin.has_perm(perm)


def test_a_superuser_keeps_the_account_permissions_the_admin_needs(sys_admin):
    assert sys_admin.has_perm("auth.change_user")
    assert sys_admin.has_perm("casework.view_team")


def test_the_caseworker_holding_the_case_still_has_it(cw_a, cw_a2, case_a):
    assert cw_a.has_perm(access.VIEW, case_a) and cw_a.has_perm(access.CHANGE, case_a)
    assert not cw_a2.has_perm(access.VIEW, case_a)


def test_the_supervisor_of_the_team_has_it_and_another_team_does_not(sup_a, sup_b, case_a):
    assert sup_a.has_perm(access.VIEW, case_a)
    assert not sup_b.has_perm(access.VIEW, case_a)


def test_a_case_permission_on_another_object_is_false(cw_a, case_a):
    assert not cw_a.has_perm("children.view_child", case_a.family)
