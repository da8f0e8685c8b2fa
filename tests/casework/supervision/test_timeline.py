"""The team's change history: every change to its case data, newest first, readable."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.access.services import reassign_case
from children.models import HukouStatus
from children.queries import current_versions
from children.services import change_mother_status, update_child, update_door
from tests import factories

URL = reverse("supervision:timeline")


def entries(response):
    return response.context["entries"]


def test_a_change_shows_field_by_field_with_labels_and_choice_names(client, sup_a, cw_a, case_a):
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={"hukou_status": HukouStatus.IN_PROGRESS},
        reason="Applied at the office",
    )
    client.force_login(sup_a)
    response = client.get(URL)

    newest = entries(response)[0]
    assert (newest.kind, newest.action, newest.who, newest.reason) == (
        "child",
        "changed",
        "cw_a",
        "Applied at the office",
    )
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("Household registration", "Unregistered", "Registration in progress")
    ]
    page = response.content.decode()
    assert "Household registration" in page and "Registration in progress" in page
    assert "in_progress" not in page


def test_a_mothers_status_change_is_in_the_team_history_through_the_child(client, sup_a, cw_a, case_a):
    change_mother_status(
        expected_version=current_versions(case_a).get("mother"),
        child=case_a,
        by=cw_a,
        status="ran_away",
        whereabouts="south_korea",
        reason="Neighbour says",
    )
    client.force_login(sup_a)
    newest = entries(client.get(URL))[0]
    assert (newest.kind, newest.case_numbers) == ("mother", [case_a.case_number])
    changes = {c.label: (c.old, c.new) for c in newest.changes}
    assert changes["Status"] == ("Forcibly repatriated", "Ran away")
    assert changes["Whereabouts"] == ("North Korea", "South Korea")


def test_entries_are_newest_first(client, sup_a, cw_a, case_a):
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={"given_name": "Minji2"},
        reason="first",
    )
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={"given_name": "Minji3"},
        reason="second",
    )
    client.force_login(sup_a)
    shown = [e.reason for e in entries(client.get(URL))[:2]]
    assert shown == ["second", "first"]


def test_the_creation_of_a_case_lists_its_values(client, sup_a, case_a):
    client.force_login(sup_a)
    created = [e for e in entries(client.get(URL, {"kind": "child"})) if e.action == "created"]
    (entry,) = created
    values = {c.label: c.new for c in entry.changes}
    assert values["Sex"] == "Female" and values["Living arrangement"] == "Father only"
    assert values["Team"] == "Team A"


def test_another_teams_changes_are_not_shown(client, sup_a, case_a, case_b, cw_b):
    update_child(
        expected_version=current_versions(case_b)["child"],
        child=case_b,
        by=cw_b,
        values={"given_name": "Other"},
        reason="team B change",
    )
    client.force_login(sup_a)
    numbers = {n for e in entries(client.get(URL)) for n in e.case_numbers}
    assert numbers == {case_a.case_number}


def test_filter_by_caseworker(client, sup_a, cw_a, cw_a2, case_a):
    other = factories.open_case_for(cw_a2)
    client.force_login(sup_a)
    shown = entries(client.get(URL, {"person": "cw_a2"}))
    assert shown and {e.who for e in shown} == {"cw_a2"}
    assert {n for e in shown for n in e.case_numbers} == {other.case_number}


def test_filter_by_case_number(client, sup_a, cw_a, case_a, cw_a2):
    other = factories.open_case_for(cw_a2)
    client.force_login(sup_a)
    shown = entries(client.get(URL, {"case": other.case_number}))
    assert shown and {n for e in shown for n in e.case_numbers} == {other.case_number}


def test_filter_by_kind_of_record(client, sup_a, cw_a, case_a):
    update_door(
        expected_version=current_versions(case_a)["education"],
        child=case_a,
        by=cw_a,
        kind="education",
        status="in_progress",
        reason="School visit",
    )
    client.force_login(sup_a)
    shown = entries(client.get(URL, {"kind": "document_access"}))
    assert {e.kind for e in shown} == {"document_access"}
    assert {"Status": ("No access", "In progress")}.items() <= {
        c.label: (c.old, c.new) for c in shown[0].changes
    }.items()


def test_filter_by_date_range(client, sup_a, cw_a, case_a):
    today = timezone.localdate()
    client.force_login(sup_a)
    assert entries(client.get(URL, {"since": today.isoformat(), "until": today.isoformat()}))
    tomorrow = today + datetime.timedelta(days=1)
    assert entries(client.get(URL, {"since": tomorrow.isoformat()})) == []
    yesterday = today - datetime.timedelta(days=1)
    assert entries(client.get(URL, {"until": yesterday.isoformat()})) == []


def test_a_person_outside_the_team_is_an_invalid_filter(client, sup_a, cw_b, case_a):
    client.force_login(sup_a)
    response = client.get(URL, {"person": "cw_b"})
    assert response.status_code == 200
    assert response.context["entries"] is None
    assert "Select a valid choice" in response.content.decode()


def test_reversed_dates_are_an_error(client, sup_a, case_a):
    client.force_login(sup_a)
    response = client.get(URL, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.context["entries"] is None


def test_the_history_is_paginated(client, sup_a, cw_a, case_a):
    for n in range(30):
        update_child(
            expected_version=current_versions(case_a)["child"],
            child=case_a,
            by=cw_a,
            values={"given_name": f"Name{n}"},
            reason=f"edit {n}",
        )
    client.force_login(sup_a)
    first = client.get(URL, {"kind": "child"})
    window = first.context["page"]
    assert len(entries(first)) == 25 and window.newer is None and window.older
    second = client.get(URL, {"kind": "child", "before": window.older})
    assert len(entries(second)) == 6
    assert entries(second)[-1].action == "created"
    assert second.context["page"].older is None
    # Back from the older page: the same 25 entries, newest first, with no newer page.
    back = client.get(URL, {"kind": "child", "after": second.context["page"].newer})
    assert [e.record.history_id for e in entries(back)] == [e.record.history_id for e in entries(first)]
    assert back.context["page"].newer is None and back.context["page"].older == window.older
    html = second.content.decode()
    assert "after=" in html and "Newest" in html and "page=" not in html


def test_entries_written_in_the_same_instant_are_paged_without_loss_or_repeat(client, sup_a, cw_a, case_a, monkeypatch):
    """The mark orders by date, then history id, then kind: rows of several tables that
    share a timestamp are neither skipped nor shown twice across pages."""
    same = timezone.now()
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: same)  # every history row in one instant
        for n in range(40):
            update_child(
                expected_version=current_versions(case_a)["child"],
                child=case_a,
                by=cw_a,
                values={"given_name": f"Name{n}"},
                reason=f"edit {n}",
            )
        for status in ("in_progress", "has_access", "in_progress"):
            update_door(
                expected_version=current_versions(case_a)["education"],
                child=case_a,
                by=cw_a,
                kind="education",
                status=status,
                reason="visit",
            )
    client.force_login(sup_a)
    seen, params = [], {}
    for _page in range(5):
        response = client.get(URL, params)
        seen += [(e.kind, e.record.history_id) for e in entries(response)]
        if not response.context["page"].older:
            break
        params = {"before": response.context["page"].older}
    assert len(seen) == len(set(seen)) == 44  # the opening, 40 changes, 3 door changes


def test_a_reassignment_is_in_the_history(client, sup_a, cw_a, cw_a2, case_a):
    reassign_case(child=case_a, to=cw_a2, by=sup_a, reason="cw_a on leave")
    client.force_login(sup_a)
    shown = entries(client.get(URL, {"kind": "assignment"}))
    assert [e.action for e in shown[:2]] == ["created", "changed"]
    granted, revoked = shown[0], shown[1]
    assert {c.label: c.new for c in granted.changes}["Caseworker"] == "cw_a2"
    assert granted.reason == revoked.reason == "cw_a on leave"
    assert {c.label: (c.old, c.new) for c in revoked.changes}["Revoked by"] == ("—", "sup_a")


def queries_for(client, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured), len(entries(response))


def test_query_count_does_not_grow_with_the_entries_shown(client, sup_a, cw_a, case_a):
    client.force_login(sup_a)
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={"given_name": "Name"},
        reason="one change",
    )
    client.get(URL)  # the session and other first-request work out of the way
    few_queries, few = queries_for(client, {"kind": "child"})
    for n in range(30):
        update_child(
            expected_version=current_versions(case_a)["child"],
            child=case_a,
            by=cw_a,
            values={"given_name": f"Name{n}"},
            reason=f"edit {n}",
        )
    many_queries, many = queries_for(client, {"kind": "child"})
    assert (few, many) == (2, 25)
    assert many_queries <= few_queries  # the first page also holds an opening, with its folded records


TIMELINE_QUERIES = 25


def test_a_full_page_of_every_kind_of_record_takes_a_fixed_number_of_queries(
    client, sup_a, cw_a, cw_a2, case_a, django_assert_max_num_queries
):
    for _n in range(6):  # five entries each: an opening, three changes and a new assignment
        other = factories.open_case_for(cw_a2)
        update_child(
            expected_version=current_versions(other)["child"],
            child=other,
            by=cw_a2,
            values={"hukou_status": HukouStatus.IN_PROGRESS},
            reason="x",
        )
        change_mother_status(
            expected_version=current_versions(other).get("mother"), child=other, by=cw_a2, status="ran_away", reason="y"
        )
        reassign_case(child=other, to=cw_a, by=sup_a, reason="z")
    client.force_login(sup_a)
    client.get(URL)
    # Session and user, the team, the filter's choices, the page of the union (no count:
    # the timeline is paged by marks), two queries per kind of record on the page, the
    # records created with the openings on the page (one query per kind), the names on
    # the page, and the access-log row: 25 on the newest page and on an older one alike,
    # whatever the page size.
    with django_assert_max_num_queries(TIMELINE_QUERIES):
        response = client.get(URL)
    assert len(entries(response)) == 25
    with django_assert_max_num_queries(TIMELINE_QUERIES):
        older = client.get(URL, {"before": response.context["page"].older})
    assert len(entries(older)) == 6


def test_the_case_history_page_shows_only_that_case(client, sup_a, cw_a, cw_a2, case_a):
    other = factories.open_case_for(cw_a2)
    client.force_login(sup_a)
    response = client.get(reverse("supervision:case-history", args=[case_a.pk]))
    shown = entries(response)
    assert shown and {n for e in shown for n in e.case_numbers} == {case_a.case_number}
    assert other.case_number not in response.content.decode()


@pytest.mark.parametrize("param", ["before", "since"])
def test_garbage_parameters_do_not_break_the_page(client, sup_a, case_a, param):
    """A garbage page number shows the first page; a garbage date is a form error."""
    client.force_login(sup_a)
    response = client.get(URL, {param: "' OR 1=1--"})
    assert response.status_code == 200
    page = response.content.decode()
    if param == "before":
        assert response.context["page"].newer is None
        assert entries(response) and {n for e in entries(response) for n in e.case_numbers} == {case_a.case_number}
        assert case_a.case_number in page
    else:
        assert entries(response) is None
        assert "Enter a valid date." in page


def test_opening_a_case_is_one_line_with_what_was_created_folded_under_it(client, sup_a, cw_a, case_a):
    """The child, its family, mother and father, four doors and the opener's assignment are
    written together: the history tells it as one story, "cw_a opened case C-…"."""
    client.force_login(sup_a)
    response = client.get(URL)
    shown = entries(response)
    assert len(shown) == 1
    (opening,) = shown
    assert opening.opened and opening.who == "cw_a" and opening.case_numbers == [case_a.case_number]
    labels = [label for label, _changes in opening.parts]
    assert labels[:3] == ["Family", "Mother", "Father"]
    assert len([label for label in labels if label not in ("Family", "Mother", "Father", "Assignment")]) == 4
    assert labels[-1] == "Assignment"
    page = response.content.decode()
    assert f'<strong>cw_a</strong> opened case <a href="{case_a.get_absolute_url()}">{case_a.case_number}</a>' in page
    assert "records created" in page


def test_a_record_created_later_is_its_own_line(client, sup_a, cw_a, cw_a2, case_a):
    reassign_case(child=case_a, to=cw_a2, by=sup_a, reason="cw_a on leave")
    client.force_login(sup_a)
    shown = entries(client.get(URL))
    assert [(e.kind, e.action) for e in shown] == [
        ("assignment", "created"),
        ("assignment", "changed"),
        ("child", "created"),
    ]


def test_a_filter_on_the_kind_of_record_shows_the_folded_records_on_their_own(client, sup_a, case_a):
    client.force_login(sup_a)
    shown = entries(client.get(URL, {"kind": "document_access"}))
    assert len(shown) == 4 and {e.action for e in shown} == {"created"}


def test_a_siblings_case_folds_only_what_was_created_with_it(client, sup_a, cw_a, case_a):
    sibling = factories.open_case_for(cw_a, family=case_a.family)
    client.force_login(sup_a)
    openings = {e.case_numbers[0]: e for e in entries(client.get(URL)) if e.opened}
    assert set(openings) == {case_a.case_number, sibling.case_number}
    assert "Family" in [label for label, _c in openings[case_a.case_number].parts]
    assert "Family" not in [label for label, _c in openings[sibling.case_number].parts]


def test_values_in_the_folded_detail_are_escaped(client, sup_a, cw_a):
    factories.open_case_for(cw_a, child={"given_name": "<b>Minji</b>"})
    client.force_login(sup_a)
    page = client.get(URL).content.decode()
    assert "&lt;b&gt;Minji&lt;/b&gt;" in page and "<b>Minji</b>" not in page


def test_discreet_mode_hides_the_sensitive_values_in_the_folded_detail(client, sup_a, cw_a, case_a):
    from casework.models import Preferences

    Preferences.objects.update_or_create(user=sup_a, defaults={"discreet_mode": True})
    client.force_login(sup_a)
    page = client.get(URL).content.decode()
    assert "hidden (discreet mode)" in page and case_a.given_name not in page
