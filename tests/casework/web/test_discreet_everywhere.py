"""Discreet mode holds on every page, fragment and form a caseworker or supervisor is shown:
lists, the case page, every edit form (in place and as a page), each card redrawn after an
in-place save, the conflict table, the interview form, follow-ups and the supervisor's pages.
The name stays one deliberate tap away: folded on the case page, and left out of the form
that edits it until "Show them to change them" is tapped."""

import pytest
from django.urls import reverse

from casework.models import Preferences
from children.services import update_child, update_door

NAMES = ("Minji", "Sunhee", "Wei", "Zhang", "Sanhe")  # child, mother, father, the village
HTMX = {"HTTP_HX_REQUEST": "true"}


def names_in(html: str) -> list[str]:
    return [name for name in NAMES if name in html]


def without_folded_name(html: str) -> str:
    """The case page keeps the child's name folded under "Show the name"."""
    folded = "<details><summary>Show the name</summary><span>Kim Minji</span></details>"
    return html.replace(folded, "")


@pytest.fixture
def discreet_cw(cw_a):
    Preferences.objects.create(user=cw_a, discreet_mode=True)
    return cw_a


def test_no_page_of_a_discreet_caseworker_shows_a_name(client, discreet_cw, case_a):
    client.force_login(discreet_cw)
    pages = {
        "list": client.get(reverse("children:list")),
        "list, live search": client.get(reverse("children:list"), {"q": case_a.case_number}, **HTMX),
        "case": client.get(case_a.get_absolute_url()),
        "follow-ups": client.get(reverse("interviews:follow-ups")),
        "interview form": client.get(reverse("interviews:new", args=[case_a.pk])),
        "door form": client.get(reverse("children:edit-door", args=[case_a.pk, "education"]), **HTMX),
        "door form, page": client.get(reverse("children:edit-door", args=[case_a.pk, "education"])),
        "other names": client.get(reverse("children:other-names", args=[case_a.pk])),
        "other names, refused": client.post(reverse("children:other-names", args=[case_a.pk]), {"action": "add"}),
        "new case": client.get(reverse("children:new")),
    }
    shown = {name: names_in(without_folded_name(r.content.decode())) for name, r in pages.items()}
    assert shown == {name: [] for name in pages}
    assert "Kim Minji" in pages["case"].content.decode()  # folded, one tap away


SECTIONS = ("child", "family", "mother", "father")


@pytest.mark.parametrize("section", SECTIONS)
def test_the_form_that_edits_a_name_shows_it_only_after_a_deliberate_tap(client, discreet_cw, case_a, section):
    client.force_login(discreet_cw)
    url = reverse("children:edit", args=[case_a.pk, section])
    for response in (client.get(url, **HTMX), client.get(url)):
        html = response.content.decode()
        assert response.status_code == 200 and names_in(html) == []
        assert "Hidden in discreet mode:" in html and "?reveal=1" in html
    revealed = client.get(url, {"reveal": "1"}, **HTMX).content.decode()
    assert names_in(revealed) and 'name="reveal" value="1"' in revealed


@pytest.mark.parametrize(
    "section, values",
    [
        ("child", {"child-hukou_status": "in_progress"}),
        ("family", {"family-province": "jilin", "family-county": "Helong"}),
        ("mother", {"mother-status": "ran_away", "mother-whereabouts": "unknown"}),
        ("father", {"father-present": ""}),
    ],
)
def test_every_card_redrawn_after_an_in_place_save_honours_discreet_mode(client, discreet_cw, case_a, section, values):
    client.force_login(discreet_cw)
    form = client.get(reverse("children:edit", args=[case_a.pk, section]), **HTMX).context["form"]
    data = {f"{section}-{name}": value for name, value in form.initial.items() if value is not None}
    data = {key: value for key, value in data.items() if not isinstance(value, bool) or value}
    data.update(values)
    data[f"{section}-given_name"] = "Forged"
    response = client.post(reverse("children:edit", args=[case_a.pk, section]), data, **HTMX)
    assert response.status_code == 200 and f'id="section-{section}"' in response.content.decode()
    assert names_in(without_folded_name(response.content.decode())) == []
    # The names were not in the form: a name sent anyway is ignored, the names stay as they were.
    case_a.refresh_from_db()
    assert (case_a.family_name, case_a.given_name) == ("Kim", "Minji")


def test_a_refused_save_of_a_concealed_form_shows_no_name(client, discreet_cw, case_a):
    client.force_login(discreet_cw)
    url = reverse("children:edit", args=[case_a.pk, "child"])
    data = {"child-sex": case_a.sex, "child-date_of_birth": "2999-01-01", "child-version": case_a.version}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 422 and names_in(response.content.decode()) == []


def test_the_door_card_after_a_save_and_the_conflict_table_show_no_name(client, discreet_cw, case_a):
    client.force_login(discreet_cw)
    url = reverse("children:edit-door", args=[case_a.pk, "education"])
    door = case_a.document_access.get(kind="education")
    stale = {"education-status": "in_progress", "education-barrier": "", "education-note": "Asked the school"}
    stale["education-version"] = door.version
    update_door(
        child=case_a,
        by=discreet_cw,
        kind="education",
        status="no_access",
        barrier="cost",
        note="",
        reason="",
        expected_version=door.version,
    )
    conflict = client.post(url, stale, **HTMX)
    assert conflict.status_code == 409 and "Someone else saved this" in conflict.content.decode()
    assert names_in(conflict.content.decode()) == []
    saved = client.post(url, conflict.context["form"].data, **HTMX)
    assert saved.status_code == 200 and 'id="section-doors"' in saved.content.decode()
    assert names_in(saved.content.decode()) == []


def test_the_supervisors_pages_in_discreet_mode_show_no_name(client, sup_a, cw_a, case_a):
    Preferences.objects.create(user=sup_a, discreet_mode=True)
    update_child(
        child=case_a, by=cw_a, values={"given_name": "Minjeong"}, reason="Spelling", expected_version=case_a.version
    )
    client.force_login(sup_a)
    pages = {
        "team": client.get(reverse("supervision:team")),
        "history": client.get(reverse("supervision:timeline")),
        "case history": client.get(reverse("supervision:case-history", args=[case_a.pk])),
        "access review": client.get(reverse("supervision:access")),
        "assignment": client.get(reverse("supervision:assignment", args=[case_a.pk])),
        "who has looked": client.get(reverse("supervision:case-access", args=[case_a.pk])),
        "case page": client.get(case_a.get_absolute_url()),
    }
    shown = {name: names_in(without_folded_name(r.content.decode())) for name, r in pages.items()}
    assert shown == {name: [] for name in pages}
    assert "Minjeong" not in pages["history"].content.decode()
    # Without discreet mode the supervisor reads the names in the history.
    Preferences.objects.filter(user=sup_a).update(discreet_mode=False)
    assert "Minjeong" in client.get(reverse("supervision:timeline")).content.decode()
