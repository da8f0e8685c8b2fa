"""Editing one of the four document doors in place."""

from django.urls import reverse

from children.models import DocumentAccess
from children.queries import current_versions
from children.services import update_door
from tests.not_found import assert_the_plain_404


def url(child, kind):
    return reverse("children:edit-door", args=[child.pk, kind])


def door_data(door, **overrides):
    data = {
        f"{door.kind}-status": door.status,
        f"{door.kind}-barrier": door.barrier,
        f"{door.kind}-note": door.note,
        f"{door.kind}-version": door.version,
        f"{door.kind}-reason": "",
    }
    data.update(overrides)
    return data


def test_a_door_is_opened_and_its_barrier_cleared(client, cw_a, case_a):
    door = DocumentAccess.objects.get(child=case_a, kind="education")
    update_door(
        expected_version=current_versions(case_a)["education"],
        child=case_a,
        by=cw_a,
        kind="education",
        status="no_access",
        barrier="no_hukou",
    )
    door.refresh_from_db()
    client.force_login(cw_a)
    response = client.post(url(case_a, "education"), door_data(door, **{"education-status": "has_access"}))
    assert response.status_code == 302 and response["Location"] == case_a.get_absolute_url()
    door.refresh_from_db()
    assert (door.status, door.barrier) == ("has_access", "")
    assert door.history.latest().history_user_id == cw_a.pk


def test_htmx_save_returns_the_doors_card(client, cw_a, case_a):
    door = DocumentAccess.objects.get(child=case_a, kind="bank")
    client.force_login(cw_a)
    html = client.post(
        url(case_a, "bank"), door_data(door, **{"bank-status": "not_applicable"}), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="section-doors"' in html and "<html" not in html and "Not applicable" in html


def test_a_door_changed_meanwhile_is_a_conflict(client, cw_a, sup_a, case_a):
    door = DocumentAccess.objects.get(child=case_a, kind="medical")
    client.force_login(cw_a)
    mine = door_data(door, **{"medical-status": "in_progress"})
    update_door(
        expected_version=current_versions(case_a)["medical"],
        child=case_a,
        by=sup_a,
        kind="medical",
        status="has_access",
    )
    before = DocumentAccess.history.filter(id=door.pk).count()
    response = client.post(url(case_a, "medical"), mine)
    assert response.status_code == 409
    assert response.context["conflict"] == [("Status", "Has access", "In progress")]
    html = response.content.decode()
    assert "Someone else saved this" in html
    assert "<td>Status</td><td>Has access</td><td>In progress</td>" in html
    assert DocumentAccess.objects.get(pk=door.pk).status == "has_access"
    assert DocumentAccess.history.filter(id=door.pk).count() == before


def test_unknown_kind_or_barrier_is_refused(client, cw_a, case_a):
    client.force_login(cw_a)
    assert_the_plain_404(client.get(url(case_a, "passport")), case_a)
    door = DocumentAccess.objects.get(child=case_a, kind="marriage")
    response = client.post(url(case_a, "marriage"), door_data(door, **{"marriage-barrier": "bribery"}))
    assert "Select a valid choice" in response.content.decode()
    assert DocumentAccess.objects.get(pk=door.pk).version == door.version


def test_someone_elses_door_is_a_404(client, cw_b, case_a):
    door = DocumentAccess.objects.get(child=case_a, kind="bank")
    before = DocumentAccess.history.filter(id=door.pk).count()
    client.force_login(cw_b)
    assert_the_plain_404(client.get(url(case_a, "bank")), case_a)
    assert_the_plain_404(client.post(url(case_a, "bank"), door_data(door, **{"bank-status": "has_access"})), case_a)
    assert DocumentAccess.objects.get(pk=door.pk).status == door.status
    assert DocumentAccess.history.filter(id=door.pk).count() == before
