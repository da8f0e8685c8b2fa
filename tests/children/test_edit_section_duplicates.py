"""Renaming a child on the case page warns of a possible duplicate, as opening a case does:
a case the user may see is named and linked; one they may not is never revealed beyond
"ask your supervisor", and the question is in that case's access log for its supervisor."""

import datetime

from django.urls import reverse

from casework.models import AccessAction, AccessLog
from tests import factories
from tests.children.test_edit_section import child_data

HTMX = {"HTTP_HX_REQUEST": "true"}
ELSEWHERE = "A case with a similar name exists in your organisation; ask your supervisor."


def open_kim(user):
    # 金正花 in Chinese characters; the rename below types 김정화 in Hangul.
    return factories.open_case_for(
        user, child={"family_name": "金", "given_name": "正花", "date_of_birth": datetime.date(2016, 1, 1)}
    )


def rename_to_kim(client, child, **extra):
    url = reverse("children:edit", args=[child.pk, "child"])
    data = child_data(
        child,
        **{"child-family_name": "김", "child-given_name": "정화", "child-date_of_birth": "2017-05-02"},
    )
    return client.post(url, data, **extra)


def test_a_renamed_child_matching_a_case_the_user_follows_names_and_links_it(client, cw_a):
    existing = open_kim(cw_a)
    renamed = factories.open_case_for(cw_a)
    client.force_login(cw_a)
    card = rename_to_kim(client, renamed, **HTMX).content.decode()
    assert 'id="possible-duplicates"' in card
    assert existing.case_number in card and existing.get_absolute_url() in card
    assert ELSEWHERE not in card
    logged = AccessLog.objects.get(user_id=cw_a.pk, action=AccessAction.SEARCH, object_id=str(existing.pk))
    assert logged.detail == {"possible_duplicate": True}


def test_a_match_in_another_team_is_never_revealed_and_its_supervisor_can_see_the_question(client, cw_a, cw_b):
    hidden = open_kim(cw_b)
    renamed = factories.open_case_for(cw_a)
    client.force_login(cw_a)
    card = rename_to_kim(client, renamed, **HTMX).content.decode()
    assert ELSEWHERE in card
    assert hidden.case_number not in card and str(hidden.pk) not in card
    assert AccessLog.objects.filter(user_id=cw_a.pk, action=AccessAction.DENIED, object_id=str(hidden.pk)).count() == 1


def test_without_javascript_the_warning_comes_with_the_case_page(client, cw_a):
    existing = open_kim(cw_a)
    renamed = factories.open_case_for(cw_a)
    client.force_login(cw_a)
    response = rename_to_kim(client, renamed, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == renamed.get_absolute_url()
    assert existing.case_number in page


def test_no_warning_for_a_name_that_matches_nothing_or_for_an_edit_that_keeps_the_name(client, cw_a):
    open_kim(cw_a)
    child = factories.open_case_for(cw_a)
    client.force_login(cw_a)
    url = reverse("children:edit", args=[child.pk, "child"])
    kept = client.post(url, child_data(child, **{"child-hukou_status": "in_progress"}), **HTMX).content.decode()
    assert 'id="possible-duplicates"' not in kept
    child.refresh_from_db()
    other = child_data(child, **{"child-family_name": "Ri", "child-given_name": "Sunhui"})
    assert 'id="possible-duplicates"' not in client.post(url, other, **HTMX).content.decode()
    assert not AccessLog.objects.filter(detail__possible_duplicate=True).exists()


def test_a_child_is_never_its_own_duplicate(client, cw_a):
    kim = open_kim(cw_a)
    client.force_login(cw_a)
    url = reverse("children:edit", args=[kim.pk, "child"])
    respelled = child_data(kim, **{"child-family_name": "김", "child-given_name": "정화"})
    card = client.post(url, respelled, **HTMX).content.decode()
    assert 'id="possible-duplicates"' not in card
