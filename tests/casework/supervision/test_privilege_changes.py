"""The access review's "Changes of roles and teams": what concerns the supervisor's team,
with the people who made the changes (system admins) selectable, in a fixed number of
queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.access import services
from casework.core import roles
from casework.models import PrivilegeKind
from casework.supervision import queries as review
from tests import factories

URL = reverse("supervision:access")


def listed(response):
    return [(r.kind, r.subject_username) for r in response.context["privileges"].rows]


def test_the_team_sees_who_left_it_and_who_lost_a_role_and_not_other_teams(
    client, sup_a, cw_a, cw_b, team_a, team_b, sys_admin
):
    services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved")
    services.revoke_role(user=cw_a, role=roles.CASEWORKER, by=sys_admin, reason="left")
    services.revoke_role(user=cw_b, role=roles.CASEWORKER, by=sys_admin, reason="left")
    client.force_login(sup_a)
    response = client.get(URL, {"person": "sysadmin"})
    assert listed(response) == [(PrivilegeKind.ROLE_REVOKED, "cw_a"), (PrivilegeKind.TEAM_LEFT, "cw_a")]
    assert "cw_b" not in {subject for _kind, subject in listed(response)}


def test_every_system_admin_is_selectable_even_before_they_changed_anything(client, sup_a, sys_admin):
    client.force_login(sup_a)
    form = client.get(URL, {"person": "sysadmin"}).context["form"]
    assert form.is_valid()
    assert "sysadmin" in {user.username for user in form.fields["person"].queryset}


def test_someone_outside_the_team_is_not_selectable(client, sup_a, cw_b):
    client.force_login(sup_a)
    assert not client.get(URL, {"person": "cw_b"}).context["form"].is_valid()


def test_a_filter_on_an_access_action_leaves_the_privilege_changes_out(client, sup_a, cw_a, team_a, sys_admin):
    services.leave_team(user=cw_a, team=team_a, by=sys_admin, reason="moved")
    client.force_login(sup_a)
    assert not client.get(URL, {"kind": "view"}).context["privileges"].rows
    assert listed(client.get(URL, {"kind": PrivilegeKind.TEAM_LEFT})) == [(PrivilegeKind.TEAM_LEFT, "cw_a")]


def test_a_device_reset_of_a_team_member_is_listed(client, sup_a, cw_a, sys_admin):
    services.record_devices_reset(user=cw_a, by=sys_admin, reason="lost phone")
    client.force_login(sup_a)
    assert listed(client.get(URL, {"kind": PrivilegeKind.DEVICES_RESET})) == [(PrivilegeKind.DEVICES_RESET, "cw_a")]


def test_query_count_does_not_grow_with_the_privilege_changes_shown(client, sup_a, team_a, sys_admin):
    client.force_login(sup_a)
    client.get(URL)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        return len(captured), response.context["privileges"]

    few_queries, few = count()
    for n in range(review.PRIVILEGE_CHANGES_SHOWN + 5):
        newcomer = factories.UserFactory(username=f"newcomer{n}")
        services.join_team(user=newcomer, team=team_a, role=roles.CASEWORKER, by=sys_admin, reason="new")
    many_queries, many = count()
    assert len(many.rows) == review.PRIVILEGE_CHANGES_SHOWN and many.more == 5 + len(few.rows)
    assert many_queries == few_queries + 1  # the count, once the list is longer than shown
    assert "older changes not shown" in client.get(URL).content.decode()
