"""AC-13, AC-14: a role or team changed around the services (in the Django admin, by a raw
group change) leaves no way into the cases of before. The gate itself refuses a case to
anyone who no longer holds a case role in the case's team."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from casework.core import roles
from children import access

# The group changes below are written past the services and their guard
# (casework.access.guard), as raw rows, as SQL or a restored dump might: the gate holds anyway.
Membership = User.groups.through


def raw_add(user, *groups):
    for group in groups:
        Membership.objects.get_or_create(user=user, group=group)


def raw_remove(user, *groups):
    Membership.objects.filter(user=user, group__in=groups).delete()


def case_pages(case):
    return [
        case.get_absolute_url(),
        reverse("children:edit", args=[case.pk, "mother"]),
        reverse("interviews:new", args=[case.pk]),
    ]


def assert_all_404(client, user, case):
    client.force_login(user)
    assert {url: client.get(url).status_code for url in case_pages(case)} == dict.fromkeys(case_pages(case), 404)
    fresh = type(user).objects.get(pk=user.pk)  # as the next request reads it, roles not cached
    assert not access.may_access(fresh, case.pk)
    assert case not in access.children_visible_to(fresh)
    # Superuser or not: a case permission is the gate's answer (casework.access.backends).
    assert not fresh.has_perm(access.VIEW, case)
    assert not fresh.has_perm(access.CHANGE, case)


def test_the_caseworker_holds_the_case_before_any_change(client, cw_a, case_a):
    client.force_login(cw_a)
    assert {client.get(url).status_code for url in case_pages(case_a)} == {200}


def test_caseworker_moved_to_the_data_admin_role_loses_every_case(client, cw_a, team_a, case_a):
    # What the admin's user form does: the groups are replaced, the old grant stays behind.
    Membership.objects.filter(user=cw_a).delete()
    raw_add(cw_a, roles.role_group(roles.DATA_ADMIN))
    assert_all_404(client, cw_a, case_a)


def test_data_admin_role_added_on_top_of_the_caseworker_role_opens_nothing(client, cw_a, case_a):
    raw_add(cw_a, roles.role_group(roles.DATA_ADMIN))
    assert_all_404(client, cw_a, case_a)


def test_caseworker_who_leaves_the_team_loses_its_cases(client, cw_a, team_a, team_b, case_a):
    raw_remove(cw_a, team_a.group)
    raw_add(cw_a, team_b.group)
    assert_all_404(client, cw_a, case_a)


def test_caseworker_who_loses_the_caseworker_role_loses_its_cases(client, cw_a, case_a):
    raw_remove(cw_a, roles.role_group(roles.CASEWORKER))
    assert_all_404(client, cw_a, case_a)


def test_supervisor_who_loses_the_supervisor_role_loses_the_team(client, sup_a, case_a):
    raw_remove(sup_a, roles.role_group(roles.SUPERVISOR))
    assert_all_404(client, sup_a, case_a)


@pytest.mark.parametrize("staff_flag", ["is_staff", "is_superuser"])
def test_a_staff_account_holds_no_case(client, sup_a, case_a, staff_flag):
    setattr(sup_a, staff_flag, True)
    sup_a.save()
    assert_all_404(client, sup_a, case_a)


def test_system_admin_who_makes_themselves_supervisor_sees_nothing(client, sys_admin, team_a, case_a):
    # The attack of issue 9: the admin adds themselves to the oversight group and the role.
    raw_add(sys_admin, team_a.group, team_a.oversight_group, roles.role_group(roles.SUPERVISOR))
    assert_all_404(client, sys_admin, case_a)
    assert client.get(reverse("supervision:team")).status_code == 404


def test_system_admin_who_drops_the_staff_flags_is_still_barred_by_the_system_admin_role(
    client, sys_admin, team_a, case_a
):
    raw_add(sys_admin, team_a.group, team_a.oversight_group, roles.role_group(roles.SUPERVISOR))
    sys_admin.is_staff = sys_admin.is_superuser = False
    sys_admin.save()
    assert_all_404(client, sys_admin, case_a)
