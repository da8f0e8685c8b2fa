"""The Django admin manages accounts and teams; it never lists or edits case data,
history or the access log; what it does is logged in a chained audit table. The record of
privilege changes is shown read-only (pending grants are answered with its actions,
through the services)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.db import DatabaseError, connection, transaction

from casework.admin import AuditedAdmin
from casework.audit import append_only
from casework.audit.chain import row_digest
from casework.audit.queries import verify_audit
from casework.audit.registry import chain_for
from casework.models import AdminLogEntry, PrivilegeChange, Team
from tests.app_role import NO_PRIVILEGE, as_owner

pytestmark = pytest.mark.django_db

NEVER_IN_ADMIN = [
    "casework.accesslog",
    "casework.adminlogentry",
    "casework.auditchainhead",
    "casework.assignment",
    "casework.interview",
    "casework.preferences",
    "children.child",
    "children.documentaccess",
    "families.family",
    "families.mother",
    "families.father",
]


def _registered():
    return {model._meta.label_lower for model in admin.site._registry}


def test_the_admin_registers_accounts_teams_and_the_privilege_record_only():
    assert _registered() == {"auth.user", "auth.group", "casework.team", "casework.privilegechange"}


def test_the_privilege_record_cannot_be_added_changed_or_deleted_in_the_admin(rf, sys_admin):
    request = rf.get("/admin/")
    request.user = sys_admin
    model_admin = admin.site._registry[PrivilegeChange]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_no_history_table_or_case_model_is_in_the_admin():
    history = {
        model._meta.label_lower
        for model in apps.get_models()
        if model._meta.db_table in append_only.append_only_tables(apps)
    }
    assert "casework.accesslog" in history and len(history) > 5
    assert not (history - {"casework.privilegechange"} | set(NEVER_IN_ADMIN)) & _registered()


@pytest.mark.parametrize(
    "label", ["casework.accesslog", "children.historicalchild", "children.child", "families.historicalmother"]
)
def test_admin_urls_for_audit_and_case_data_do_not_exist(client, sys_admin, label):
    client.force_login(sys_admin)
    app_label, model = label.split(".")
    for url in (
        f"/admin/{app_label}/{model}/",
        f"/admin/{app_label}/{model}/1/change/",
        f"/admin/{app_label}/{model}/1/delete/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.templates[0].name == "404.html", url  # the site's own 404, not an admin page
        assert "There is nothing here, or nothing you may see." in response.content.decode(), url


def test_the_admin_index_shows_no_case_data(client, sys_admin):
    client.force_login(sys_admin)
    page = client.get("/admin/").content.decode()
    assert "/admin/casework/team/" in page
    assert (
        "/admin/casework/accesslog/" not in page and "/admin/children/" not in page and "/admin/families/" not in page
    )


def test_a_team_added_in_the_admin_gets_its_two_groups(client, sys_admin):
    client.force_login(sys_admin)
    response = client.post("/admin/casework/team/add/", {"name": "Team Yanji"})
    assert response.status_code == 302
    team = Team.objects.get(name="Team Yanji")
    assert Group.objects.filter(pk__in=[team.group_id, team.oversight_group_id]).count() == 2


def test_a_team_cannot_be_deleted_or_renamed_in_the_admin(client, sys_admin, team_a):
    client.force_login(sys_admin)
    assert client.get(f"/admin/casework/team/{team_a.pk}/delete/").status_code == 403
    assert client.post(f"/admin/casework/team/{team_a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Team.objects.filter(pk=team_a.pk).exists()
    client.post(f"/admin/casework/team/{team_a.pk}/change/", {"name": "Renamed"})
    team_a.refresh_from_db()
    assert team_a.name == "Team A"


def test_a_caseworker_cannot_enter_the_admin(client, cw_a):
    client.force_login(cw_a)
    response = client.get("/admin/casework/team/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/casework/team/"


# The admin's log: chained, in place of django_admin_log.


def test_adding_a_team_in_the_admin_is_in_the_chained_admin_log_not_in_djangos(client, sys_admin):
    client.force_login(sys_admin)
    client.post("/admin/casework/team/add/", {"name": "Team Yanji"})
    team = Team.objects.get(name="Team Yanji")

    row = AdminLogEntry.objects.get()
    assert (row.username, row.action, row.object_type, row.object_id) == (
        "sysadmin",
        "add",
        "casework.team",
        str(team.pk),
    )
    assert row.seq == 1 and row.row_hash == row_digest(chain_for(AdminLogEntry), row)
    assert not LogEntry.objects.exists()
    assert verify_audit().intact


def test_a_group_changed_in_the_admin_logs_the_changed_fields_not_their_values(client, sys_admin):
    group = Group.objects.create(name="Drivers")
    client.force_login(sys_admin)
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Night drivers", "permissions": []})

    row = AdminLogEntry.objects.get()
    assert (row.action, row.object_type, row.object_id) == ("change", "auth.group", str(group.pk))
    assert "Night drivers" not in str(row.change_message) and "Name" in str(row.change_message)


def test_an_account_deleted_in_the_admin_is_logged_and_its_history_stays(client, sys_admin, cw_a2):
    # On PostgreSQL as the application role: deleting an account also makes Django delete
    # its rows in django_admin_log, which the role may do because nothing is logged there.
    client.force_login(sys_admin)
    response = client.post(f"/admin/auth/user/{cw_a2.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=cw_a2.pk).exists()
    row = AdminLogEntry.objects.get()
    assert (row.action, row.object_type, row.object_id, row.object_repr) == (
        "delete",
        "auth.user",
        str(cw_a2.pk),
        "cw_a2",
    )
    assert not LogEntry.objects.exists()
    assert verify_audit().intact


def test_every_admin_class_logs_to_the_chained_log():
    assert all(isinstance(model_admin, AuditedAdmin) for model_admin in admin.site._registry.values())


def test_a_rewritten_admin_log_row_is_refused_to_the_application_and_caught_when_the_owner_does_it(client, sys_admin):
    client.force_login(sys_admin)
    client.post("/admin/casework/team/add/", {"name": "Team Yanji"})
    row = AdminLogEntry.objects.get()
    rewrite = "UPDATE casework_adminlogentry SET username = 'someone' WHERE id = %s"
    with pytest.raises(DatabaseError, match=f"{NO_PRIVILEGE}|append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(rewrite, [row.pk])
    with as_owner(), connection.cursor() as cursor:
        append_only.drop(connection, ["casework_adminlogentry"])  # rolled back with the test
        cursor.execute(rewrite, [row.pk])

    broken = verify_audit().broken
    assert [(chain.table, chain.broken.id) for chain in broken] == [("casework_adminlogentry", row.pk)]


def test_the_admins_history_page_shows_the_chained_log(client, sys_admin):
    group = Group.objects.create(name="Drivers")
    client.force_login(sys_admin)
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Night drivers", "permissions": []})

    page = client.get(f"/admin/auth/group/{group.pk}/history/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "sysadmin" in body and "Changed Name." in body
    assert "This object doesn’t have a change history" not in body
