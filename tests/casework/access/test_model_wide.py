"""AC-9: a model-wide permission on case data is refused where it is made, and a system
check stops migrate (every deployment start) while one exists, so guardian's
get_objects_for_user, which outside tooling relies on, returns only per-case grants."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from guardian.shortcuts import get_objects_for_user

from casework.access.model_wide import case_data_permissions, check_no_model_wide_case_grant
from children.models import Child


def view_child():
    return Permission.objects.get(codename="view_child", content_type__app_label="children")


def test_a_model_wide_case_permission_is_refused_for_a_user(cw_b, case_a):
    with pytest.raises(PermissionDenied), transaction.atomic():
        cw_b.user_permissions.add(view_child())
    assert not cw_b.user_permissions.exists()
    assert list(get_objects_for_user(type(cw_b).objects.get(pk=cw_b.pk), "children.view_child", klass=Child)) == []


def test_a_model_wide_case_permission_is_refused_for_a_group(team_b):
    with pytest.raises(PermissionDenied), transaction.atomic():
        team_b.group.permissions.add(view_child())
    with pytest.raises(PermissionDenied), transaction.atomic():
        team_b.group.permissions.set([view_child()])
    assert not team_b.group.permissions.exists()


def test_the_refusal_holds_from_the_permissions_side_too(cw_b, team_b):
    with pytest.raises(PermissionDenied), transaction.atomic():
        view_child().user_set.add(cw_b)
    with pytest.raises(PermissionDenied), transaction.atomic():
        view_child().group_set.add(team_b.group)


@pytest.mark.parametrize(
    "app_label, codename",
    [("families", "view_mother"), ("casework", "view_interview"), ("casework", "view_accesslog")],
)
def test_every_kind_of_case_data_is_covered(cw_b, app_label, codename):
    with pytest.raises(PermissionDenied), transaction.atomic():
        cw_b.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def test_the_system_admin_may_still_be_given_team_and_account_permissions(db):
    group = Group.objects.create(name="it-staff")
    allowed = Permission.objects.filter(codename__in=["change_team", "change_user", "view_group"])
    group.permissions.add(*allowed)
    assert group.permissions.count() == 3
    assert not case_data_permissions().filter(codename__in=["change_team", "change_user"]).exists()


def test_a_grant_written_past_the_refusal_fails_the_check_and_migrate(cw_b):
    type(cw_b).user_permissions.through.objects.create(user=cw_b, permission=view_child())
    errors = check_no_model_wide_case_grant(databases=["default"])
    assert [(e.id, e.level) for e in errors] == [("casework.E001", checks.ERROR)]
    assert "user cw_b: view_child" in errors[0].msg
    with pytest.raises(SystemCheckError, match="casework.E001"):
        call_command("check", databases=["default"])


def test_a_clean_database_passes_the_check(cw_a, sup_a, data_admin, sys_admin):
    assert check_no_model_wide_case_grant(databases=["default"]) == []
