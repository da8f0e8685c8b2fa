"""The timeline's index (casework.models.TimelineRow) shows exactly what the history
tables show: after a transfer, for a family with children in two teams, with every filter,
page after page; and nothing of another team, even when the index itself is wrong."""

import datetime
import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.access.services import reassign_case
from casework.models import TimelineRow
from casework.supervision import timeline_index
from casework.supervision.queries import Mark, ReviewFilter, _indexed_rows, _union_rows
from casework.transfers.services import accept_transfer, propose_transfer
from children.models import Child, HukouStatus
from children.queries import current_versions
from children.services import change_mother_status, update_child, update_door
from families.services import update_father
from tests import factories

URL = reverse("supervision:timeline")


def _both(team, f=None, **marks):
    f = f or ReviewFilter()
    return list(_indexed_rows(team, f, **marks)), list(_union_rows(team, f, **marks))


def assert_same_rows(team, f=None):
    """The index and the history tables agree, whole and page by page in both directions."""
    indexed, union = _both(team, f)
    assert indexed == union
    for at in range(0, len(union), 3):
        mark = Mark(union[at][1], union[at][0], union[at][2])
        older, older_union = _both(team, f, before=mark, limit=4)
        assert older == older_union
        newer, newer_union = _both(team, f, after=mark, limit=4)
        assert newer == newer_union
    return indexed


def index_rows():
    return set(TimelineRow.objects.values_list("team_id", "kind", "history_id", "anchor", "folded"))


def assert_index_is_what_a_rebuild_writes():
    kept = index_rows()
    timeline_index.rebuild()
    assert index_rows() == kept


def _edit(child, by, **values):
    return update_child(
        expected_version=current_versions(child)["child"], child=child, by=by, values=values, reason="edit"
    )


def _some_history(cw, sup, case):
    _edit(case, cw, hukou_status=HukouStatus.IN_PROGRESS)
    update_door(
        expected_version=current_versions(case)["education"],
        child=case,
        by=cw,
        kind="education",
        status="in_progress",
        reason="visit",
    )
    change_mother_status(
        expected_version=current_versions(case).get("mother"), child=case, by=cw, status="ran_away", reason="y"
    )
    reassign_case(child=case, to=cw, by=sup, reason="back from leave")


def test_the_index_shows_what_the_history_tables_show_with_every_filter(
    team_a, team_b, sup_a, sup_b, cw_a, cw_a2, cw_b, case_a, case_b
):
    _some_history(cw_a, sup_a, case_a)
    _some_history(cw_b, sup_b, case_b)
    other = factories.open_case_for(cw_a2)
    _edit(other, cw_a2, given_name="Other")
    today = timezone.localdate()
    for team in (team_a, team_b):
        assert assert_same_rows(team)
        for f in (
            ReviewFilter(user_id=cw_a.pk),
            ReviewFilter(user_id=cw_a2.pk),
            ReviewFilter(since=today, until=today),
            ReviewFilter(since=today + datetime.timedelta(days=1)),
        ):
            assert_same_rows(team, f)
    assert_index_is_what_a_rebuild_writes()


def test_after_a_transfer_the_whole_case_is_in_the_new_teams_timeline_and_gone_from_the_old(
    team_a, team_b, sup_a, sup_b, cw_a, case_a, case_b
):
    _some_history(cw_a, sup_a, case_a)
    before_a = {row[0:3:2] for row in _union_rows(team_a, ReviewFilter())}
    transfer = propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="moved")
    accept_transfer(transfer=transfer, by=sup_b)

    in_b = assert_same_rows(team_b)
    in_a = assert_same_rows(team_a)
    assert in_a == []  # team A had only this case
    # Every row team A saw of the case (its opening, changes, the family's) is now B's.
    assert before_a <= {row[0:3:2] for row in in_b}
    client_numbers = {Child.objects.get(pk=case_a.pk).case_number}
    assert client_numbers == {case_a.case_number}
    assert_index_is_what_a_rebuild_writes()


def test_a_family_with_children_in_two_teams_is_in_both_timelines(team_a, team_b, sup_a, cw_a, cw_b, case_a):
    sibling = factories.open_case_for(cw_b, family=case_a.family)
    change_mother_status(
        expected_version=current_versions(sibling).get("mother"), child=sibling, by=cw_b, status="ran_away", reason="y"
    )
    in_a = assert_same_rows(team_a)
    in_b = assert_same_rows(team_b)
    assert "mother" in {kind for _id, _at, kind in in_a} & {kind for _id, _at, kind in in_b}
    # The family's creation is folded into case_a's opening, for both teams as before.
    assert "family" not in {kind for _id, _at, kind in in_a} | {kind for _id, _at, kind in in_b}
    assert_index_is_what_a_rebuild_writes()


def test_a_sibling_moved_away_takes_the_family_from_the_old_team_only_if_no_child_is_left(
    team_a, team_b, sup_a, sup_b, cw_a, case_a
):
    sibling = factories.open_case_for(cw_a, family=case_a.family)
    change_mother_status(
        expected_version=current_versions(sibling).get("mother"), child=sibling, by=cw_a, status="ran_away", reason="y"
    )
    transfer = propose_transfer(child=sibling, to_team=team_b, by=sup_a, reason="moved")
    accept_transfer(transfer=transfer, by=sup_b)
    kinds_a = {kind for _id, _at, kind in assert_same_rows(team_a)}
    kinds_b = {kind for _id, _at, kind in assert_same_rows(team_b)}
    assert "mother" in kinds_a & kinds_b  # case_a keeps the family in team A
    # The last child of the family leaves team A: the family's history goes with it.
    transfer = propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="moved too")
    accept_transfer(transfer=transfer, by=sup_b)
    assert assert_same_rows(team_a) == []
    assert "mother" in {kind for _id, _at, kind in assert_same_rows(team_b)}
    assert_index_is_what_a_rebuild_writes()


def test_a_father_added_later_is_in_the_timeline_on_his_own_line(team_a, cw_a, cw_a2):
    case = factories.open_case_for(cw_a, father=None)
    update_father(
        child=case,
        by=cw_a2,  # by the opener within 30 s, he would be folded into the opening
        values={"given_name": "Wei", "family_name": "Zhang", "birth_year": 1975, "present": True},
        expected_version=None,
        reason="found",
    )
    rows = assert_same_rows(team_a)
    assert "father" in {kind for _id, _at, kind in rows}
    assert_index_is_what_a_rebuild_writes()


def test_another_teams_history_never_appears_before_or_after_a_transfer(
    client, team_a, team_b, sup_a, sup_b, cw_a, cw_b, case_a, case_b
):
    _some_history(cw_b, sup_b, case_b)

    def numbers_seen_by(supervisor):
        client.force_login(supervisor)
        seen, params = set(), {}
        while True:
            response = client.get(URL, params)
            seen |= {n for e in response.context["entries"] for n in e.case_numbers}
            assert case_b.case_number not in response.content.decode() or supervisor == sup_b
            if not response.context["page"].older:
                return seen
            params = {"before": response.context["page"].older}

    assert numbers_seen_by(sup_a) == {case_a.case_number}
    transfer = propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="moved")
    accept_transfer(transfer=transfer, by=sup_b)
    assert numbers_seen_by(sup_a) == set()
    assert numbers_seen_by(sup_b) == {case_a.case_number, case_b.case_number}


def test_a_wrong_index_row_never_shows_another_teams_history(client, team_a, sup_a, case_a, case_b):
    """Someone writes index rows that give team A team B's history (the index is no audit
    data and the application may write it): the timeline checks each row against the
    team's cases of today and shows none of them."""
    stolen = TimelineRow.objects.filter(team_id=case_b.team_id)
    for row in list(stolen):
        row.pk, row.team_id = None, team_a.pk
        row.save()
    assert _indexed_rows(team_a, ReviewFilter()) and all(
        kind for _id, _at, kind in _indexed_rows(team_a, ReviewFilter())
    )
    client.force_login(sup_a)
    response = client.get(URL)
    assert {n for e in response.context["entries"] for n in e.case_numbers} == {case_a.case_number}
    assert case_b.case_number not in response.content.decode()
    assert list(_indexed_rows(team_a, ReviewFilter())) == list(_union_rows(team_a, ReviewFilter()))


def test_the_whole_timeline_is_paged_by_marks_without_loss_or_repeat(client, team_a, sup_a, cw_a, cw_a2, case_a):
    for n in range(15):
        _edit(case_a, cw_a, given_name=f"Name{n}")
        factories.open_case_for(cw_a2)
    expected = [(kind, history_id) for history_id, _at, kind in _union_rows(team_a, ReviewFilter())]
    client.force_login(sup_a)
    seen, params, pages = [], {}, []
    while True:
        response = client.get(URL, params)
        pages.append(response)
        seen += [(e.kind, e.record.history_id) for e in response.context["entries"]]
        if not response.context["page"].older:
            break
        params = {"before": response.context["page"].older}
    assert seen == expected and len(pages) == 2
    back = client.get(URL, {"after": pages[1].context["page"].newer})
    assert [(e.kind, e.record.history_id) for e in back.context["entries"]] == expected[:25]


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(captured)


def test_the_whole_teams_page_takes_as_many_queries_however_long_the_history(client, sup_a, cw_a, cw_a2, case_a):
    client.force_login(sup_a)
    for n in range(3):
        _edit(case_a, cw_a, given_name=f"Name{n}")
    client.get(URL)
    few = _queries(client)
    for n in range(40):
        _edit(case_a, cw_a, given_name=f"Again{n}")
        reassign_case(child=case_a, to=cw_a2 if n % 2 else cw_a, by=sup_a, reason="cover")
    many = _queries(client)
    assert many <= few


def test_the_index_is_written_again_from_the_history_by_the_command(team_a, sup_a, cw_a, case_a):
    _some_history(cw_a, sup_a, case_a)
    kept = index_rows()
    TimelineRow.objects.all().delete()
    assert _indexed_rows(team_a, ReviewFilter()).count() == 0
    out = io.StringIO()
    call_command("rebuild_timeline_index", stdout=out)
    assert index_rows() == kept and str(len(kept)) in out.getvalue()
    assert_same_rows(team_a)


def test_the_index_knows_how_a_team_sees_every_kind_of_the_timeline():
    from casework.supervision.queries import KINDS

    assert set(KINDS) == set(timeline_index.CASE_KINDS) | set(timeline_index.FAMILY_KINDS) | {"partner"}
