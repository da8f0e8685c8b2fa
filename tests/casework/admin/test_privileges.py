"""Issue 9's attacks through the Django admin: roles and teams change only on the user's
"Roles and teams" page (the audited services), a grant waits for a second system admin,
and the team's supervisor sees every attempt."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from casework.core import roles
from casework.models import PrivilegeChange, PrivilegeKind, PrivilegeOutcome
from tests import factories
from tests.casework.access.test_side_doors import assert_all_404


@pytest.fixture
def second_admin(db):
    return factories.system_admin(username="sysadmin2")


def privileges_url(user):
    return reverse("admin:auth_user_privileges", args=[user.pk])


def change(client, user, **data):
    return client.post(privileges_url(user), {"reason": "as agreed with the director", **data}, follow=True)


def approve_all(client, admin):
    client.force_login(admin)
    requests = PrivilegeChange.objects.filter(outcome=PrivilegeOutcome.REQUESTED, answer__isnull=True)
    return client.post(
        reverse("admin:casework_privilegechange_changelist"),
        {"action": "approve", "_selected_action": [str(pk) for pk in requests.values_list("pk", flat=True)]},
        follow=True,
    )


def test_a_caseworker_moved_to_the_data_admin_role_in_the_admin_loses_the_old_case(
    client, cw_a, team_a, case_a, sys_admin, second_admin
):
    client.force_login(sys_admin)
    assert change(client, cw_a, change="revoke", role=roles.CASEWORKER).status_code == 200
    assert change(client, cw_a, change="leave", team=team_a.pk).status_code == 200
    assert change(client, cw_a, change="grant", role=roles.DATA_ADMIN).status_code == 200
    approve_all(client, second_admin)
    moved = type(cw_a).objects.get(pk=cw_a.pk)
    assert roles.roles_of(moved) == {roles.DATA_ADMIN}
    assert_all_404(client, moved, case_a)


def test_the_case_is_closed_to_the_caseworker_the_moment_the_role_goes(client, cw_a, case_a, sys_admin):
    client.force_login(sys_admin)
    change(client, cw_a, change="revoke", role=roles.CASEWORKER)
    assert_all_404(client, cw_a, case_a)


def test_a_system_admin_who_makes_themselves_supervisor_gets_nothing_and_the_supervisor_sees_it(
    client, sys_admin, sup_a, team_a, case_a
):
    client.force_login(sys_admin)
    page = change(client, sys_admin, change="join_supervisor", team=team_a.pk, reason="checking something")
    assert "separation of duties" in page.content.decode() or "grants themselves" in page.content.decode()
    assert_all_404(client, sys_admin, case_a)
    assert not Group.objects.filter(user=sys_admin, name__startswith="team:").exists()

    client.force_login(sup_a)
    review = client.get(reverse("supervision:access"), {"person": "sysadmin"})
    assert review.status_code == 200
    assert review.context["form"].is_valid()  # the system admin is selectable in the filter
    attempts = review.context["privileges"].rows
    assert [(a.kind, a.outcome, a.actor_username, a.reason) for a in attempts] == [
        (PrivilegeKind.TEAM_JOINED, PrivilegeOutcome.REFUSED, "sysadmin", "checking something")
    ]
    assert "checking something" in review.content.decode()


def test_a_grant_in_the_admin_waits_for_a_second_admin_and_both_see_it_pending(
    client, sys_admin, second_admin, sup_a, team_a, case_a
):
    accomplice = factories.UserFactory(username="accomplice")
    client.force_login(sys_admin)
    change(client, accomplice, change="join_supervisor", team=team_a.pk)
    assert not accomplice.groups.exists()
    pending = reverse("admin:casework_privilegechange_changelist") + "?outcome__exact=requested"
    for admin in (sys_admin, second_admin):
        client.force_login(admin)
        assert "accomplice" in client.get(pending).content.decode()

    # The admin who asked cannot approve it.
    approve_all(client, sys_admin)
    assert not accomplice.groups.exists()

    # The team's supervisor sees the request before anyone approves it.
    client.force_login(sup_a)
    review = client.get(reverse("supervision:access"), {"kind": PrivilegeKind.TEAM_JOINED, "person": "sysadmin"})
    assert [(r.subject_username, r.outcome) for r in review.context["privileges"].rows] == [
        ("accomplice", PrivilegeOutcome.REQUESTED)
    ]

    approve_all(client, second_admin)
    accomplice = type(accomplice).objects.get(pk=accomplice.pk)
    client.force_login(accomplice)
    assert client.get(case_a.get_absolute_url()).status_code == 200


def test_the_user_form_no_longer_changes_groups_or_staff_flags(client, sys_admin, cw_a, team_a):
    client.force_login(sys_admin)
    url = reverse("admin:auth_user_change", args=[cw_a.pk])
    response = client.post(
        url,
        {
            "username": "cw_a",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [team_a.oversight_group.pk, roles.role_group(roles.SUPERVISOR).pk],
        },
    )
    assert response.status_code == 302
    after = type(cw_a).objects.get(pk=cw_a.pk)
    assert (after.is_staff, after.is_superuser) == (False, False)
    assert set(after.groups.all()) == {team_a.group, roles.role_group(roles.CASEWORKER)}
    assert privileges_url(cw_a) in client.get(url).content.decode()


def test_role_and_team_groups_are_read_only_in_the_group_admin(client, sys_admin, team_a):
    client.force_login(sys_admin)
    group = team_a.oversight_group
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert client.post(url, {"name": "renamed", "permissions": []}).status_code == 403
    assert client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}).status_code == 403
    assert Group.objects.filter(pk=group.pk, name=group.name).exists()
    made_up = client.post(reverse("admin:auth_group_add"), {"name": "role:supervisor2", "permissions": []})
    assert made_up.status_code == 200 and not Group.objects.filter(name="role:supervisor2").exists()


def test_only_a_system_admin_opens_the_roles_and_teams_page(client, sup_a, cw_a):
    client.force_login(sup_a)
    assert client.get(privileges_url(cw_a)).status_code in (302, 403, 404)


def test_a_request_declined_in_the_admin_never_takes_effect(client, sys_admin, second_admin, team_a):
    someone = factories.UserFactory(username="someone")
    client.force_login(sys_admin)
    change(client, someone, change="join_caseworker", team=team_a.pk)
    request = PrivilegeChange.objects.get(subject_id=someone.pk, outcome=PrivilegeOutcome.REQUESTED)
    client.force_login(second_admin)
    client.post(
        reverse("admin:casework_privilegechange_changelist"),
        {"action": "decline", "_selected_action": [str(request.pk)]},
    )
    assert request.answer.outcome == PrivilegeOutcome.DECLINED
    approve_all(client, second_admin)
    assert not someone.groups.exists()


def test_the_roles_and_teams_page_shows_what_the_person_holds_and_the_record(client, sys_admin, sup_a, team_a):
    client.force_login(sys_admin)
    page = client.get(privileges_url(sup_a)).content.decode()
    assert "Team A" in page and "Supervisor" in page and "the console" in page
