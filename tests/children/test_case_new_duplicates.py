"""Opening a case warns of a possible duplicate: a case with the same child's name across
scripts and a birth year within two years. A case the user may see is named; one they may
not is never revealed beyond "ask your supervisor", and that question is in the access log
of the case, for its team's supervisor."""

import datetime

from django.urls import reverse

from casework.models import AccessAction, AccessLog
from children.models import Child
from tests import factories
from tests.children.test_case_new import VALID

URL = reverse("children:new")
KIM = {"child-family_name": "김", "child-given_name": "정화", "child-date_of_birth": "2017-05-02"}


def open_kim(user, born=datetime.date(2016, 1, 1)):
    return factories.open_case_for(user, child={"family_name": "金", "given_name": "正花", "date_of_birth": born})


def test_a_matching_case_the_user_may_see_is_shown_and_nothing_is_opened(client, cw_a):
    existing = open_kim(cw_a)
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, **KIM})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="possible-duplicates"' in page
    assert existing.case_number in page and existing.get_absolute_url() in page
    assert "ask your supervisor" not in page
    assert Child.objects.count() == 1
    logged = AccessLog.objects.get(user_id=cw_a.pk, action=AccessAction.SEARCH, object_id=str(existing.pk))
    assert "possible_duplicate" in str(logged.detail)


def test_opening_anyway_after_the_warning_opens_the_case(client, cw_a):
    open_kim(cw_a)
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, **KIM, "duplicates_seen": "1"})
    assert response.status_code == 302
    assert Child.objects.filter(family_name="김", given_name="정화").exists()


def test_a_case_the_user_may_not_see_is_never_revealed(client, cw_a, cw_b, sup_b):
    hidden = open_kim(cw_b)
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, **KIM})
    page = response.content.decode()
    assert "A case with a similar name exists in your organisation; ask your supervisor." in page
    assert hidden.case_number not in page and str(hidden.pk) not in page and "金" not in page
    assert Child.objects.count() == 1
    # The question is logged against that case: its team's supervisor sees it in the access review.
    logged = AccessLog.objects.get(user_id=cw_a.pk, object_id=str(hidden.pk))
    assert logged.action == AccessAction.DENIED and "possible_duplicate" in logged.detail
    client.force_login(sup_b)
    review = client.get(reverse("supervision:access")).content.decode()
    assert hidden.case_number in review and "cw_a" in review


def test_no_warning_without_a_match(client, cw_a, cw_b):
    open_kim(cw_a, born=datetime.date(2010, 1, 1))  # born more than two years apart
    factories.open_case_for(cw_b, child={"family_name": "金", "given_name": "正淑"})  # another given name
    client.force_login(cw_a)
    response = client.post(URL, {**VALID, **KIM})
    assert response.status_code == 302
    assert not any("possible_duplicate" in str(row.detail) for row in AccessLog.objects.all())


def test_a_shared_surname_or_a_parents_name_is_no_match(client, cw_a):
    factories.open_case_for(
        cw_a,
        child={"family_name": "김", "given_name": "민지"},
        mother={**factories.MOTHER, "family_name": "김", "given_name": "정화"},
    )
    client.force_login(cw_a)
    assert client.post(URL, {**VALID, **KIM}).status_code == 302
