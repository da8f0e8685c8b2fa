"""`manage.py grant_role`: the first system admin is made at the console, recorded."""

import pytest
from django.core.management import CommandError, call_command

from casework.access.services import is_system_admin
from casework.models import PrivilegeChange, PrivilegeOutcome
from tests import factories


def test_the_console_makes_a_system_admin_at_once_and_records_it(db):
    it = factories.UserFactory(username="it")
    call_command("grant_role", "it", "system_admin", reason="first admin")
    it.refresh_from_db()
    assert is_system_admin(it) and it.is_staff and it.is_superuser
    row = PrivilegeChange.objects.get(subject_id=it.pk)
    assert (row.outcome, row.actor_id, row.reason) == (PrivilegeOutcome.APPLIED, None, "first admin")


def test_the_console_keeps_the_separation_of_duties(cw_a):
    with pytest.raises(CommandError, match="separation of duties"):
        call_command("grant_role", "cw_a", "system_admin", reason="IT help")


def test_an_unknown_account_is_an_error(db):
    with pytest.raises(CommandError):
        call_command("grant_role", "nobody", "caseworker", reason="x")
