"""Other names of the child, the mother and the father: added and removed on the case's
names page, in history with who and why, shown on the case page, found by search."""

from django.urls import reverse

from children.models import OtherName
from children.services import add_other_name


def url(case):
    return reverse("children:other-names", args=[case.pk])


ADD = {
    "action": "add",
    "other-person": "father",
    "other-family_name": "王",
    "other-given_name": "建国",
    "other-seen_in": "Chinese ID",
    "other-reason": "Seen at the visit",
}


def test_a_caseworker_adds_another_name_shown_on_the_case_page_and_searched(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.post(url(case_a), ADD)
    assert response.status_code == 302 and response["Location"] == url(case_a)
    other = OtherName.objects.get(child=case_a)
    assert (other.person, other.family_name, other.given_name, other.seen_in) == ("father", "王", "建国", "Chinese ID")
    record = other.history.get()
    assert (record.history_user_id, record.history_change_reason) == (cw_a.pk, "Seen at the visit")
    page = client.get(case_a.get_absolute_url()).content.decode()
    assert "王 建国" in page and "Chinese ID" in page
    found = client.get(reverse("children:list"), {"q": "wang jianguo"}).context["page"].object_list
    assert [child.pk for child in found] == [case_a.pk]


def test_removing_needs_a_reason_and_stays_in_history(client, cw_a, case_a):
    other = add_other_name(child=case_a, by=cw_a, values={"person": "child", "family_name": "Kim", "given_name": "Min"})
    client.force_login(cw_a)
    refused = client.post(url(case_a), {"action": "remove", "other_name": str(other.pk), "reason": " "})
    assert refused.status_code == 422 and OtherName.objects.filter(pk=other.pk).exists()
    response = client.post(url(case_a), {"action": "remove", "other_name": str(other.pk), "reason": "Wrong child"})
    assert response.status_code == 302 and not OtherName.objects.filter(pk=other.pk).exists()
    removal = other.history.latest("history_id")
    assert (removal.history_type, removal.history_change_reason, removal.history_user_id) == (
        "-",
        "Wrong child",
        cw_a.pk,
    )


def test_a_name_without_family_or_given_name_is_refused(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.post(url(case_a), {**ADD, "other-family_name": "", "other-given_name": ""})
    assert response.status_code == 422 and not OtherName.objects.exists()


def test_someone_elses_case_is_a_404_and_writes_nothing(client, cw_b, case_a, cw_a):
    other = add_other_name(child=case_a, by=cw_a, values={"person": "child", "family_name": "Kim", "given_name": "Min"})
    client.force_login(cw_b)
    assert client.get(url(case_a)).status_code == 404
    assert client.post(url(case_a), ADD).status_code == 404
    assert client.post(url(case_a), {"action": "remove", "other_name": str(other.pk), "reason": "x"}).status_code == 404
    assert list(OtherName.objects.values_list("pk", flat=True)) == [other.pk]


def test_another_cases_name_cannot_be_removed_through_this_case(client, cw_a, case_a):
    from tests import factories

    second = factories.open_case_for(cw_a)
    other = add_other_name(child=second, by=cw_a, values={"person": "child", "family_name": "Kim", "given_name": "Min"})
    client.force_login(cw_a)
    response = client.post(url(case_a), {"action": "remove", "other_name": str(other.pk), "reason": "x"})
    assert response.status_code == 404 and OtherName.objects.filter(pk=other.pk).exists()


def test_discreet_mode_hides_the_names(client, cw_a, case_a):
    from casework.models import Preferences

    add_other_name(child=case_a, by=cw_a, values={"person": "child", "family_name": "Kim", "given_name": "Minseo"})
    Preferences.objects.update_or_create(user=cw_a, defaults={"discreet_mode": True})
    client.force_login(cw_a)
    assert "Minseo" not in client.get(url(case_a)).content.decode()
    assert "Minseo" not in client.get(case_a.get_absolute_url()).content.decode()
