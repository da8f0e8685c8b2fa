"""The access log's integrity page: supervisors only, everyone else a 404."""

import pytest
from django.db import connection
from django.urls import reverse

from casework.audit import append_only
from casework.audit.services import log_access
from casework.models import AccessAction, AccessLog, PrivilegeChange
from tests.app_role import as_owner

pytestmark = pytest.mark.django_db

URL = reverse("audit:integrity")


@pytest.fixture
def logged(cw_a):
    return [log_access(user=cw_a, action=AccessAction.LIST, object_type="child") for _ in range(3)]


def test_a_supervisor_sees_the_chain_intact(client, sup_a, logged):
    client.force_login(sup_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["report"].intact
    # The three access-log rows, and the fixtures' privilege changes (made at the console).
    assert response.context["report"].rows_checked == 3 + PrivilegeChange.objects.count()
    assert 'data-testid="chain-intact"' in response.content.decode()


def test_a_supervisor_sees_the_first_broken_row(client, sup_a, logged):
    with as_owner():  # the owner, triggers off (rolled back with the test)
        append_only.drop(connection, [append_only.ACCESS_LOG_TABLE])
        with connection.cursor() as cursor:
            cursor.execute("UPDATE casework_accesslog SET username = 'nobody' WHERE id = %s", [logged[1].pk])
    client.force_login(sup_a)

    page = client.get(URL).content.decode()

    assert 'data-testid="chain-broken"' in page
    assert f"{logged[1].pk} (sequence 2)" in page


def test_the_check_is_itself_not_a_write(client, sup_a, logged):
    client.force_login(sup_a)
    client.get(URL)
    assert AccessLog.objects.count() == 3


@pytest.mark.parametrize("who", ["cw_a", "data_admin", "sys_admin"])
def test_anyone_but_a_supervisor_gets_a_404_and_a_denied_entry(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    page = response.content.decode()
    assert "There is nothing here, or nothing you may see." in page
    assert "chain-intact" not in page and "chain-broken" not in page
    assert AccessLog.objects.filter(username=user.username, action=AccessAction.DENIED).exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]
