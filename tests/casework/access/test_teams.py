"""Teams and roles are groups: create_team, join_team, and the rule that no group holds a
model-wide permission on case data (one such grant would open every case in lists)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from casework.access.queries import supervised_team, teams_of
from casework.access.services import create_team, join_team
from casework.core import roles
from casework.models import Team
from children import access
from tests import factories

CASE_APPS = ("children", "families", "casework")


def test_create_team_makes_a_member_group_and_an_oversight_group(db):
    team = create_team(name="Yanji")
    assert team.group.name == "team:Yanji"
    assert team.oversight_group.name == "team:Yanji:supervisors"
    assert team.group != team.oversight_group


def test_create_team_twice_returns_the_same_team(db):
    first = create_team(name="Yanji")
    second = create_team(name="Yanji")
    assert first == second
    assert Team.objects.count() == 1
    assert Group.objects.filter(name__startswith="team:Yanji").count() == 2


def test_a_caseworker_joins_the_team_group_but_not_its_oversight(team_a):
    user = factories.UserFactory(username="newcomer")
    join_team(user=user, team=team_a, role=roles.CASEWORKER)
    groups = set(user.groups.all())
    assert groups == {roles.role_group(roles.CASEWORKER), team_a.group}
    assert roles.has_role(user, roles.CASEWORKER)
    assert list(teams_of(user)) == [team_a]
    assert supervised_team(user) is None


def test_a_supervisor_joins_the_team_and_its_oversight_group(team_a):
    user = factories.UserFactory(username="lead")
    join_team(user=user, team=team_a, role=roles.SUPERVISOR)
    assert team_a.oversight_group in user.groups.all()
    assert supervised_team(user) == team_a


def test_joining_forgets_roles_read_before(team_a):
    user = factories.UserFactory(username="newcomer")
    assert not roles.has_role(user, roles.CASEWORKER)  # cached on the instance
    join_team(user=user, team=team_a, role=roles.CASEWORKER)
    assert roles.has_role(user, roles.CASEWORKER)


def test_a_supervisor_leads_one_team_only(sup_a, team_b):
    with pytest.raises(ValidationError):
        join_team(user=sup_a, team=team_b, role=roles.SUPERVISOR)
    assert team_b.oversight_group not in sup_a.groups.all()
    assert team_b.group not in sup_a.groups.all()


def test_joining_the_own_team_again_as_supervisor_is_harmless(sup_a, team_a):
    join_team(user=sup_a, team=team_a, role=roles.SUPERVISOR)
    assert supervised_team(sup_a) == team_a


@pytest.mark.parametrize("role", [roles.DATA_ADMIN, roles.SYSTEM_ADMIN, "owner"])
def test_teams_have_only_caseworkers_and_supervisors(team_a, role):
    user = factories.UserFactory(username="someone")
    with pytest.raises(ValueError):
        join_team(user=user, team=team_a, role=role)
    assert not user.groups.exists()


def test_joining_a_team_opens_none_of_its_existing_cases(case_a, team_a):
    newcomer = factories.caseworker(team_a, username="newcomer")
    assert access.visible_child_ids(newcomer) == []


def test_no_group_holds_a_model_wide_permission_on_case_data(cw_a, sup_a, cw_b, sup_b, data_admin, sys_admin):
    """AC-9: case access is per object only. Every role and team group exists here."""
    assert Group.objects.filter(name__startswith=roles.ROLE_GROUP_PREFIX).count() == len(roles.ROLES)
    leaked = Permission.objects.filter(group__isnull=False, content_type__app_label__in=CASE_APPS)
    assert list(leaked) == []


@pytest.mark.parametrize("fixture", ["cw_a", "sup_a", "data_admin"])
def test_role_users_hold_no_model_wide_case_permission(request, fixture):
    user = request.getfixturevalue(fixture)
    user = type(user).objects.get(pk=user.pk)  # no permission cache
    for perm in ("children.view_child", "children.change_child", "families.view_family", "families.view_mother"):
        assert not user.has_perm(perm)
