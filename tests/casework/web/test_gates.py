"""casework.web.gates: who may open a page at all. A refusal is a 404, the same as a page
that does not exist, and it is written to the access log as `denied` whichever gate refused."""

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from casework.models import AccessAction, AccessLog
from casework.web import gates
from tests import factories


def _view(request, **kwargs):
    return HttpResponse(repr(kwargs))


def _request(user, path="/somewhere/"):
    request = RequestFactory().get(path, REMOTE_ADDR="10.0.0.9")
    request.user = user
    request.resolver_match = None
    return request


GATES = {
    "case_role_required": ("cw_a", "data_admin"),
    "supervisor_required": ("sup_a", "cw_a"),
    "data_admin_required": ("data_admin", "sup_a"),
    "audit_reader_required": ("sup_a", "cw_a"),
}


@pytest.mark.parametrize("gate", GATES)
def test_each_gate_lets_its_role_through_and_refuses_another_with_a_logged_404(request, gate):
    allowed, refused = (request.getfixturevalue(name) for name in GATES[gate])
    guarded = getattr(gates, gate)("the_page")(_view)

    assert guarded(_request(allowed)).status_code == 200
    assert not AccessLog.objects.filter(action=AccessAction.DENIED).exists()

    with pytest.raises(Http404):
        guarded(_request(refused))
    denied = AccessLog.objects.get(action=AccessAction.DENIED)
    assert (denied.user_id, denied.object_type, denied.address) == (refused.pk, "the_page", "10.0.0.9")


def test_the_supervisor_gate_passes_in_the_team_the_supervisor_leads(sup_a, team_a):
    response = gates.supervisor_required("team")(_view)(_request(sup_a))
    assert response.content.decode() == repr({"team": team_a})


def test_a_supervisor_of_no_team_is_refused(db):
    lone = factories.supervisor(None, username="lone")  # the role, but no team to lead
    with pytest.raises(Http404):
        gates.supervisor_required("team")(_view)(_request(lone))
    assert AccessLog.objects.filter(user_id=lone.pk, action=AccessAction.DENIED).count() == 1


def test_signed_out_visitors_go_to_the_login_page_and_are_not_logged(client, db):
    response = client.get(reverse("supervision:team"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not AccessLog.objects.exists()


def test_the_refusal_names_the_page_that_was_refused(client, data_admin):
    client.force_login(data_admin)
    response = client.get(reverse("children:list"))
    assert response.status_code == 404 and response.templates[0].name == "404.html"
    assert "There is nothing here, or nothing you may see." in response.content.decode()
    denied = AccessLog.objects.get(action=AccessAction.DENIED)
    assert denied.object_type == "case_list"
    assert denied.detail == {"page": "children:list"}
