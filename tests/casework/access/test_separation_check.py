"""Separation of duties, checked in the database: a system admin, a data admin or a staff
account that holds a case role or a team (written around the services) stops `migrate`;
SINGLE_SYSTEM_ADMIN (no two-person rule) is a `check --deploy` warning."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from casework.checks import separation_of_duties, single_system_admin
from casework.core import roles
from tests.casework.access.test_side_doors import raw_add


def ids(messages):
    return [message.id for message in messages]


def test_a_clean_database_passes(sys_admin, data_admin, cw_a, sup_a):
    assert separation_of_duties(databases=["default"]) == []


def test_a_system_admin_put_into_a_team_group_by_hand_is_an_error(sys_admin, team_a):
    raw_add(sys_admin, team_a.oversight_group)
    errors = separation_of_duties(databases=["default"])
    assert ids(errors) == ["casework.E002"] and "sysadmin" in errors[0].msg


def test_a_data_admin_with_the_caseworker_role_is_an_error(data_admin):
    raw_add(data_admin, roles.role_group(roles.CASEWORKER))
    assert ids(separation_of_duties(databases=["default"])) == ["casework.E002"]


def test_a_staff_flag_on_a_caseworker_is_an_error(cw_a):
    cw_a.is_staff = True
    cw_a.save()
    assert ids(separation_of_duties(databases=["default"])) == ["casework.E002"]


def test_the_check_stops_a_database_check_run(sys_admin, team_a):
    raw_add(sys_admin, team_a.group)
    with pytest.raises(SystemCheckError, match="casework.E002"):
        call_command("check", databases=["default"])


def test_without_a_database_the_check_is_silent():
    assert separation_of_duties(databases=None) == []


def test_a_single_system_admin_is_a_deploy_warning(settings):
    assert single_system_admin(None) == []
    settings.SINGLE_SYSTEM_ADMIN = True
    assert ids(single_system_admin(None)) == ["casework.W102"]
