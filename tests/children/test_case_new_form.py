"""The new-case form is shorter to read: required fields are marked, names are asked family
name first (as they are shown), and no choice reads "---------"."""

from django.urls import reverse


def test_the_new_case_form_marks_required_fields_and_asks_family_name_first(client, cw_a):
    client.force_login(cw_a)
    html = client.get(reverse("children:new")).content.decode()
    assert "---------" not in html
    assert html.index('id="id_child-family_name"') < html.index('id="id_child-given_name"')
    assert html.index('id="id_mother-family_name"') < html.index('id="id_mother-given_name"')
    child_sex = html[: html.index('id="id_child-sex"')].rsplit('<div class="field', 1)[1]
    assert '<span class="required">required</span>' in child_sex
    consent = html[: html.index('id="id_child-consent_recorded_on"')].rsplit('<div class="field', 1)[1]
    assert "required" not in consent.replace("required=", "")


def test_sibling_choice_marks_the_parts_it_makes_unnecessary(client, cw_a, case_a):
    client.force_login(cw_a)
    html = client.get(reverse("children:new")).content.decode()
    assert "A new family" in html and "Family of " + case_a.case_number in html
    assert html.count("data-new-family") == 3  # family details, mother, father


def test_no_form_of_the_case_pages_shows_dashes_for_an_empty_choice(client, cw_a, sup_a, case_a):
    client.force_login(cw_a)
    urls = [reverse("children:edit", args=[case_a.pk, part]) for part in ("child", "family", "mother", "father")]
    urls += [reverse("children:edit-door", args=[case_a.pk, "bank"]), reverse("interviews:new", args=[case_a.pk])]
    assert [url for url in urls if "---------" in client.get(url).content.decode()] == []
    client.force_login(sup_a)
    assert "---------" not in client.get(reverse("supervision:assignment", args=[case_a.pk])).content.decode()
