"""The Django admin manages accounts and teams; it never lists or edits case data,
history or the access log. The record of privilege changes is shown read-only (pending
grants are answered with its actions, through the services)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group

from casework.audit import append_only
from casework.models import PrivilegeChange, Team

pytestmark = pytest.mark.django_db

NEVER_IN_ADMIN = [
    "casework.accesslog",
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
