"""The one access gate: who may see which case, and what a refusal looks like."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user

from casework.models import AccessLog
from children import access
from children.models import Child
from tests import factories


def test_caseworker_sees_only_assigned_cases(cw_a, cw_a2, case_a):
    other = factories.open_case_for(cw_a2)
    assert set(access.children_visible_to(cw_a)) == {case_a}
    assert set(access.children_visible_to(cw_a2)) == {other}


def test_supervisor_sees_every_case_of_the_team_and_no_other(sup_a, case_a, cw_a2, case_b):
    other_a = factories.open_case_for(cw_a2)
    assert set(access.children_visible_to(sup_a)) == {case_a, other_a}


def test_child_for_returns_a_permitted_case(cw_a, case_a):
    assert access.child_for(cw_a, case_a.pk) == case_a


def test_someone_elses_case_is_a_404(cw_b, case_a):
    with pytest.raises(Http404):
        access.child_for(cw_b, case_a.pk)


def test_unknown_and_malformed_ids_are_the_same_404(cw_a):
    for pk in (uuid.uuid4(), "not-a-uuid", "1 OR 1=1", ""):
        with pytest.raises(Http404):
            access.child_for(cw_a, pk)


def test_model_wide_permission_opens_nothing(cw_b, case_a):
    """AC-9: a mistaken global grant must not widen lists or the gate."""
    for codename in ("view_child", "change_child"):
        # Written past the refusal in casework.access.model_wide (a raw insert, as a script might).
        permission = Permission.objects.get(codename=codename, content_type__app_label="children")
        type(cw_b).user_permissions.through.objects.create(user=cw_b, permission=permission)
    cw_b = type(cw_b).objects.get(pk=cw_b.pk)
    assert cw_b.user_permissions.filter(codename="view_child").exists()
    # has_perm on case data is the gate's answer too (casework.access.backends).
    assert not cw_b.has_perm("children.view_child")
    assert not cw_b.has_perm("children.view_child", case_a)
    assert case_a not in access.children_visible_to(cw_b)
    with pytest.raises(Http404):
        access.child_for(cw_b, case_a.pk)


def test_superuser_sees_no_case(sys_admin, case_a):
    assert list(access.children_visible_to(sys_admin)) == []
    with pytest.raises(Http404):
        access.child_for(sys_admin, case_a.pk)


def test_inactive_user_sees_nothing(cw_a, case_a):
    cw_a.is_active = False
    cw_a.save()
    assert list(access.children_visible_to(cw_a)) == []


def test_gate_agrees_with_guardian_get_objects_for_user(cw_a, sup_a, cw_b, case_a, case_b):
    for user in (cw_a, sup_a, cw_b):
        expected = get_objects_for_user(
            user, "children.view_child", klass=Child, accept_global_perms=False, with_superuser=False
        )
        assert set(access.children_visible_to(user)) == set(expected)


def test_view_without_change_cannot_edit(cw_a2, case_a):
    assign_perm("children.view_child", cw_a2, case_a)
    assert access.child_for(cw_a2, case_a.pk) == case_a
    with pytest.raises(Http404):
        access.child_for(cw_a2, case_a.pk, access.CHANGE)


def test_a_denied_attempt_is_logged(cw_b, case_a):
    with pytest.raises(Http404):
        access.child_for(cw_b, case_a.pk)
    entry = AccessLog.objects.get(username="cw_b")
    assert (entry.action, entry.object_id) == ("denied", str(case_a.pk))


def test_a_permitted_view_is_logged(cw_a, case_a):
    access.child_for(cw_a, case_a.pk)
    assert AccessLog.objects.filter(username="cw_a", action="view", object_id=str(case_a.pk)).count() == 1
