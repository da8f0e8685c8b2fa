"""Editing the child, family, mother and father in place on the case page."""

import pytest
from django.urls import reverse

from casework.models import AccessAction, AccessLog
from children.models import Child
from children.queries import current_versions
from children.services import update_child
from families.models import Family, Mother
from families.services import update_mother
from tests.not_found import assert_the_plain_404


def url(child, section):
    return reverse("children:edit", args=[child.pk, section])


def child_data(child, **overrides):
    data = {
        "child-given_name": child.given_name,
        "child-family_name": child.family_name,
        "child-date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else "",
        "child-sex": child.sex,
        "child-living_arrangement": child.living_arrangement,
        "child-hukou_status": child.hukou_status,
        "child-consent_recorded_on": "",
        "child-version": child.version,
        "child-reason": "",
    }
    data.update(overrides)
    return data


def mother_data(mother, **overrides):
    data = {
        f"mother-{name}": getattr(mother, name) or ""
        for name in ("given_name", "family_name", "birth_year", "origin_province", "arrived_china_year")
    }
    data.update(
        {
            "mother-status": mother.status,
            "mother-status_changed_on": "",
            "mother-whereabouts": mother.whereabouts,
            "mother-version": mother.version,
        }
    )
    data.update(overrides)
    return data


def test_edit_saves_with_the_reason_in_history(client, cw_a, case_a):
    client.force_login(cw_a)
    data = child_data(case_a, **{"child-hukou_status": "in_progress", "child-reason": "Police station accepted"})
    response = client.post(url(case_a, "child"), data)
    assert response.status_code == 302 and response["Location"] == case_a.get_absolute_url()
    assert Child.objects.get(pk=case_a.pk).hukou_status == "in_progress"
    record = Child.history.filter(id=case_a.pk).latest()
    assert record.hukou_status == "in_progress"
    assert (record.history_user_id, record.history_change_reason) == (cw_a.pk, "Police station accepted")


def test_htmx_edit_returns_the_card_not_the_page(client, cw_a, case_a):
    client.force_login(cw_a)
    form = client.get(url(case_a, "family"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in form and 'id="section-family"' in form and "<form" in form
    data = {
        "family-province": "liaoning",
        "family-county": "Dandong",
        "family-village": "",
        "family-notes": "",
        "family-version": case_a.family.version,
    }
    saved = client.post(url(case_a, "family"), data, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in saved and 'id="section-family"' in saved and "Dandong" in saved and "<form" not in saved
    assert Family.objects.get(pk=case_a.family_id).province == "liaoning"


def test_an_in_place_save_with_a_wrong_field_answers_422_with_the_card_and_its_errors(client, cw_a, case_a):
    """htmx swaps a 422 in place (the htmx-config in base.html), so the errors show where
    the form was and the typed text stays in it."""
    client.force_login(cw_a)
    data = child_data(case_a, **{"child-date_of_birth": "2999-12-31", "child-reason": "Typed before the error"})
    response = client.post(url(case_a, "child"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html and 'id="section-child"' in html and 'class="error"' in html
    assert "Typed before the error" in html


def test_without_javascript_the_form_is_a_full_page(client, cw_a, case_a):
    client.force_login(cw_a)
    html = client.get(url(case_a, "mother")).content.decode()
    assert "<html" in html and 'name="mother-status"' in html


def test_a_stale_edit_shows_both_versions_and_overwrites_nothing(client, cw_a, sup_a, case_a):
    client.force_login(cw_a)
    mine = child_data(case_a, **{"child-living_arrangement": "relatives"})
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=sup_a,
        values={"living_arrangement": "grandparents"},
        reason="moved",
    )
    response = client.post(url(case_a, "child"), mine)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this" in html and "Grandparents" in html and "Relatives" in html
    assert Child.objects.get(pk=case_a.pk).living_arrangement == "grandparents"


def test_a_refused_stale_save_is_in_the_access_log_without_the_values(client, cw_a, sup_a, case_a):
    client.force_login(cw_a)
    mine = child_data(case_a, **{"child-given_name": "Seoyeon"})
    update_child(expected_version=case_a.version, child=case_a, by=sup_a, values={"given_name": "Minji"}, reason="x")
    assert client.post(url(case_a, "child"), mine).status_code == 409
    row = AccessLog.objects.filter(action=AccessAction.CONFLICT).get()
    assert (row.user_id, row.object_type, row.object_id) == (cw_a.pk, "child", str(case_a.pk))
    assert row.detail == {"expected_version": 1, "current_version": 2}
    assert "Seoyeon" not in str(row.detail) and "Minji" not in str(row.detail)


@pytest.mark.parametrize("version", [None, ""])
def test_a_stale_save_without_a_version_is_refused(client, cw_a, sup_a, case_a, version):
    """Leaving the version out (or empty) does not skip the check: the form refuses it."""
    client.force_login(cw_a)
    mine = child_data(case_a, **{"child-living_arrangement": "relatives"})
    if version is None:
        del mine["child-version"]
    else:
        mine["child-version"] = version
    update_child(expected_version=case_a.version, child=case_a, by=sup_a, values={"living_arrangement": "grandparents"})
    response = client.post(url(case_a, "child"), mine)
    assert response.status_code == 422
    assert "This form is incomplete: reload the page" in response.content.decode()
    saved = Child.objects.get(pk=case_a.pk)
    assert (saved.living_arrangement, saved.version) == ("grandparents", 2)


def test_a_form_adding_a_missing_father_needs_no_version(client, cw_a, case_a):
    family = Family.objects.get(pk=case_a.family_id)
    family.father = None
    family.save()
    client.force_login(cw_a)
    response = client.post(
        url(case_a, "father"), {"father-given_name": "Wei", "father-family_name": "Li", "father-reason": ""}
    )
    assert response.status_code == 302
    assert Family.objects.get(pk=case_a.family_id).father.given_name == "Wei"


def test_stale_mother_edit_is_a_conflict_too(client, cw_a, sup_a, case_a):
    mother = case_a.family.mother
    client.force_login(cw_a)
    mine = mother_data(mother, **{"mother-whereabouts": "china"})
    update_mother(
        expected_version=current_versions(case_a).get("mother"),
        child=case_a,
        by=sup_a,
        values={"whereabouts": "south_korea"},
    )
    before = Mother.history.filter(id=mother.pk).count()
    response = client.post(url(case_a, "mother"), mine)
    assert response.status_code == 409
    assert response.context["conflict"] == [("Whereabouts", "South Korea", "China")]
    html = response.content.decode()
    assert "Someone else saved this" in html and "<td>South Korea</td><td>China</td>" in html
    assert Mother.objects.get(pk=mother.pk).whereabouts == "south_korea"
    assert Mother.history.filter(id=mother.pk).count() == before


def test_a_mother_can_be_added_where_none_was_recorded(client, cw_a):
    from tests import factories

    child = factories.open_case_for(cw_a, mother=None)
    client.force_login(cw_a)
    data = mother_data(Mother(), **{"mother-status": "ran_away", "mother-whereabouts": "south_korea"})
    response = client.post(url(child, "mother"), data)
    assert response.status_code == 302 and response["Location"] == child.get_absolute_url()
    mother = Family.objects.get(pk=child.family_id).mother
    assert (mother.status, mother.whereabouts) == ("ran_away", "south_korea")
    assert mother.history.latest().history_user_id == cw_a.pk


@pytest.mark.parametrize(
    "override",
    [
        {"child-date_of_birth": "2999-12-31"},
        {"child-sex": "x"},
        {"child-version": "abc"},
        {"child-given_name": ""},
        {"child-reason": "r" * 2001},
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, cw_a, case_a, override):
    client.force_login(cw_a)
    before = Child.history.filter(id=case_a.pk).count()
    response = client.post(url(case_a, "child"), child_data(case_a, **override))
    assert response.status_code == 422 and 'class="error"' in response.content.decode()
    assert Child.history.filter(id=case_a.pk).count() == before


def test_unknown_section_is_a_404(client, cw_a, case_a):
    client.force_login(cw_a)
    assert_the_plain_404(client.get(url(case_a, "team")), case_a)


def test_someone_elses_case_is_a_404_and_writes_nothing(client, cw_b, case_a):
    client.force_login(cw_b)
    before = Child.history.count()
    assert_the_plain_404(client.get(url(case_a, "child")), case_a)
    assert_the_plain_404(client.post(url(case_a, "child"), child_data(case_a, **{"child-given_name": "X"})), case_a)
    assert Child.history.count() == before and Child.objects.get(pk=case_a.pk).given_name == "Minji"


def test_view_only_permission_cannot_edit(client, cw_a2, case_a):
    from guardian.shortcuts import assign_perm

    assign_perm("children.view_child", cw_a2, case_a)
    client.force_login(cw_a2)
    before = Child.history.filter(id=case_a.pk).count()
    page = client.get(case_a.get_absolute_url()).content.decode()
    assert case_a.case_number in page
    assert url(case_a, "child") not in page  # no edit link to follow
    assert_the_plain_404(client.get(url(case_a, "child")), case_a)
    assert_the_plain_404(client.post(url(case_a, "child"), child_data(case_a, **{"child-given_name": "X"})), case_a)
    assert Child.history.filter(id=case_a.pk).count() == before
    assert Child.objects.get(pk=case_a.pk).given_name == "Minji"
