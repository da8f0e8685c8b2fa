"""The team's partners: kept by the supervisor, read by the caseworkers, invisible to other teams."""

from django.urls import reverse

from casework.models import AccessAction, AccessLog, Partner


def test_caseworkers_read_their_teams_partners_only(
    client, cw_a, cw_b, partner_a, partner_b, django_assert_max_num_queries
):
    client.force_login(cw_a)
    client.get(reverse("plans:partners"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("plans:partners")).content.decode()
    assert partner_a.name in page and partner_a.contact in page
    assert partner_b.name not in page
    assert "Add a partner" not in page
    assert AccessLog.objects.filter(user_id=cw_a.pk, action=AccessAction.LIST, object_type="partner").exists()


def test_the_list_query_count_does_not_grow_with_the_partners(
    client, sup_a, team_a, partner_a, django_assert_num_queries
):
    from casework.plans import services

    client.force_login(sup_a)
    client.get(reverse("plans:partners"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("plans:partners"))
    for n in range(10):
        services.add_partner(
            team=team_a, by=sup_a, values={"name": f"School {n}", "kind": "school", "province": "jilin"}
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("plans:partners"))
    assert len(many) == len(few)


def test_the_supervisor_adds_and_edits_a_partner(client, sup_a, team_a):
    client.force_login(sup_a)
    data = {"partner-name": "Longjing legal aid", "partner-kind": "legal_aid", "partner-province": "jilin"}
    assert client.post(reverse("plans:partner-new"), data).status_code == 302
    partner = Partner.objects.get()
    assert partner.team == team_a
    edit = {**data, "partner-county": "Longjing", "partner-active": "on", "partner-version": 1}
    assert client.post(reverse("plans:partner-edit", args=[partner.pk]), edit).status_code == 302
    assert Partner.objects.get().county == "Longjing"
    assert partner.history.count() == 2
    stale = client.post(reverse("plans:partner-edit", args=[partner.pk]), edit)
    assert stale.status_code == 409


def test_another_teams_partner_is_a_logged_404(client, sup_b, partner_a):
    client.force_login(sup_b)
    url = reverse("plans:partner-edit", args=[partner_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"partner-name": "stolen", "partner-version": 1}).status_code == 404
    assert Partner.objects.get().name == partner_a.name
    assert AccessLog.objects.filter(user_id=sup_b.pk, action=AccessAction.DENIED, object_type="partner").count() == 2


def test_a_caseworker_cannot_add_a_partner(client, cw_a):
    client.force_login(cw_a)
    response = client.post(reverse("plans:partner-new"), {"partner-name": "x", "partner-kind": "school"})
    assert response.status_code == 404
    assert not Partner.objects.exists()
