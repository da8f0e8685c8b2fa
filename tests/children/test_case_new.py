"""Opening a case: one form for the child, the family (or a sibling's), mother and father."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casework.models import Assignment
from children import access
from children.models import Child, DocumentAccess
from families.models import Family, Mother
from tests import factories

URL = reverse("children:new")
TODAY = timezone.localdate()

VALID = {
    "child-given_name": "Chunhua",
    "child-family_name": "Li",
    "child-date_of_birth": "2017-05-02",
    "child-sex": "female",
    "child-living_arrangement": "grandparents",
    "child-hukou_status": "unregistered",
    "child-consent_recorded_on": TODAY.isoformat(),
    "sibling-family": "",
    "family-province": "jilin",
    "family-county": "Helong",
    "family-village": "Bajiazi",
    "family-notes": "",
    "mother-given_name": "Yeonghui",
    "mother-family_name": "Pak",
    "mother-birth_year": "1990",
    "mother-origin_province": "Ryanggang",
    "mother-arrived_china_year": "2009",
    "mother-status": "repatriated",
    "mother-status_changed_on": "2021-03-01",
    "mother-whereabouts": "north_korea",
    "father-given_name": "Jun",
    "father-family_name": "Li",
    "father-birth_year": "1972",
    "father-hukou_county": "Helong",
    "father-supports_registration": "unknown",
}


def test_a_caseworker_opens_a_case_and_holds_it(client, cw_a, sup_a, cw_a2):
    client.force_login(cw_a)
    response = client.post(URL, VALID)
    child = Child.objects.get(given_name="Chunhua")
    assert response.status_code == 302 and response["Location"] == child.get_absolute_url()
    assert child.family.mother.status == "repatriated" and child.family.father.hukou_county == "Helong"
    assert child.consent_recorded_on == TODAY
    assert DocumentAccess.objects.filter(child=child).count() == 4
    assert Assignment.objects.get(child=child).caseworker == cw_a
    assert access.may_access(sup_a, child.pk) and not access.may_access(cw_a2, child.pk)
    assert child.history.get().history_user_id == cw_a.pk


def test_a_sibling_joins_the_family_of_a_visible_case(client, cw_a, case_a):
    client.force_login(cw_a)
    data = {**VALID, "sibling-family": str(case_a.family_id), "family-province": "", "mother-status": ""}
    response = client.post(URL, data)
    sibling = Child.objects.get(given_name="Chunhua")
    assert response.status_code == 302 and response["Location"] == sibling.get_absolute_url()
    assert sibling.family_id == case_a.family_id
    assert Family.objects.count() == 1 and Mother.objects.count() == 1


def test_the_family_of_someone_elses_case_cannot_be_chosen(client, cw_b, case_a):
    client.force_login(cw_b)
    response = client.post(URL, {**VALID, "sibling-family": str(case_a.family_id)})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Child.objects.filter(given_name="Chunhua").exists()


def test_sibling_choices_name_only_visible_cases(client, cw_a, cw_a2, case_a):
    hidden_sibling = factories.open_case_for(cw_a2, family=case_a.family, child={"given_name": "Hidden"})
    client.force_login(cw_a)
    html = client.get(URL).content.decode()
    assert case_a.case_number in html
    assert hidden_sibling.case_number not in html


def test_nothing_is_saved_unless_every_part_is_valid(client, cw_a):
    client.force_login(cw_a)
    data = {**VALID, "mother-birth_year": "1850", "child-date_of_birth": "2999-01-01"}
    response = client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "nothing has been saved" in html
    assert "cannot be in the future" in html
    assert not Child.objects.exists() and not Family.objects.exists() and not Mother.objects.exists()


def test_arrival_before_birth_is_refused(client, cw_a):
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, "mother-birth_year": "1995", "mother-arrived_china_year": "1990"})
    assert "arrived before she was born" in response.content.decode()
    assert not Child.objects.exists()


def test_a_birth_year_in_the_future_is_refused(client, cw_a):
    client.force_login(cw_a)
    next_year = str(TODAY.year + 1)
    response = client.post(URL, {**VALID, "father-birth_year": next_year})
    assert "cannot be in the future" in response.content.decode()
    assert not Child.objects.exists()


def test_unknown_choice_values_are_refused(client, cw_a):
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, "child-sex": "unknown", "family-province": "pyongyang"})
    assert response.content.decode().count("Select a valid choice") == 2
    assert not Child.objects.exists()


def test_over_long_text_is_refused(client, cw_a):
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, "child-given_name": "x" * 101})
    assert "at most 100 characters" in response.content.decode()
    assert not Child.objects.exists()


def test_tampered_team_or_case_number_is_ignored(client, cw_b, team_a):
    client.force_login(cw_b)
    client.post(URL, {**VALID, "team": str(team_a.pk), "child-case_number": "C-1999-0001", "child-team": "1"})
    child = Child.objects.get()
    assert child.team.name == "Team B" and child.case_number != "C-1999-0001"


def test_a_data_admin_cannot_open_cases(client, data_admin):
    client.force_login(data_admin)
    for response in (client.get(URL), client.post(URL, VALID)):
        assert response.status_code == 404
        assert response.templates[0].name == "404.html"
        page = response.content.decode()
        assert "There is nothing here, or nothing you may see." in page and 'name="child-given_name"' not in page
    assert not Child.objects.exists() and not Family.objects.exists() and not Mother.objects.exists()


def test_dates_of_birth_before_1990_are_refused(client, cw_a):
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, "child-date_of_birth": datetime.date(1985, 1, 1).isoformat()})
    assert "1990 or later" in response.content.decode()
    assert not Child.objects.exists()
