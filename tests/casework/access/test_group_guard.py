"""Role and team groups change only through the services (casework.access.guard): a raw
`groups.add` in a shell or a script is refused, from either side of the relation."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from casework.core import roles
from tests import factories


@pytest.fixture
def someone(db):
    return factories.UserFactory(username="someone")


def test_adding_oneself_to_a_team_is_refused(sys_admin, team_a):
    for group in (team_a.group, team_a.oversight_group, roles.role_group(roles.SUPERVISOR)):
        with pytest.raises(PermissionDenied), transaction.atomic():
            sys_admin.groups.add(group)
    assert not sys_admin.groups.exclude(name=roles.role_group_name(roles.SYSTEM_ADMIN)).exists()


def test_from_the_group_side_too(someone, team_a):
    with pytest.raises(PermissionDenied), transaction.atomic():
        team_a.oversight_group.user_set.add(someone)
    with pytest.raises(PermissionDenied), transaction.atomic():
        roles.role_group(roles.CASEWORKER).user_set.add(someone)


def test_removing_a_role_by_hand_is_refused_too(cw_a, team_a):
    # It would leave no record, and the assignments would stay (the gate still refuses them).
    with pytest.raises(PermissionDenied), transaction.atomic():
        cw_a.groups.remove(roles.role_group(roles.CASEWORKER))
    with pytest.raises(PermissionDenied), transaction.atomic():
        cw_a.groups.clear()
    with pytest.raises(PermissionDenied), transaction.atomic():
        cw_a.groups.set([])
    with pytest.raises(PermissionDenied), transaction.atomic():
        team_a.group.user_set.clear()
    assert cw_a.groups.count() == 2


def test_other_groups_are_not_concerned(someone):
    newsletter = Group.objects.create(name="newsletter")
    someone.groups.add(newsletter)
    someone.groups.remove(newsletter)
    newsletter.user_set.add(someone)
    someone.groups.clear()
