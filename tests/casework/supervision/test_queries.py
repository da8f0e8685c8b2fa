"""casework.supervision.queries: the reads behind the supervisor's pages."""

from casework.core.tracked import save_tracked
from casework.supervision import queries as review
from children.models import Child
from children.queries import current_versions
from children.services import update_child
from families.models import Father
from tests import factories


def kinds_and_cases(team, **filters):
    rows = list(review.history_rows(team, review.ReviewFilter(**filters)))
    return review.timeline_entries(team, rows)


def test_history_covers_every_kind_of_case_record(team_a, case_a):
    """Every record written when the case was opened is there: folded under the opening, and
    on its own when the history is filtered by its kind."""
    (opening,) = kinds_and_cases(team_a)
    folded = {kind for kind in review.KINDS if kind != "child" and kinds_and_cases(team_a, kind=kind)}
    assert folded == {"document_access", "assignment", "family", "mother", "father"}
    assert len(opening.parts) == len(folded) + 3  # four doors


def test_family_mother_and_father_reach_the_team_through_the_child(team_a, team_b, case_a, case_b):
    entries = kinds_and_cases(team_a, kind="father")
    assert [e.record.id for e in entries] == [case_a.family.father_id]
    assert entries[0].case_numbers == [case_a.case_number]


def test_a_family_with_two_children_names_both_cases(team_a, cw_a, case_a):
    sibling = factories.open_case_for(cw_a, family=case_a.family, child={"given_name": "Minho"})
    (entry,) = kinds_and_cases(team_a, kind="family")
    assert entry.case_numbers == sorted([case_a.case_number, sibling.case_number])


def test_a_case_moved_to_another_team_leaves_the_old_teams_history(team_a, team_b, cw_a, sup_a, case_a):
    moved = Child.objects.get(pk=case_a.pk)
    moved.team = team_b
    save_tracked(moved, by=sup_a, reason="Family moved to Liaoning", expected_version=moved.version)
    assert kinds_and_cases(team_a) == []
    assert {e.kind for e in kinds_and_cases(team_b)} == {"child"}
    assert {e.kind for e in kinds_and_cases(team_b, kind="document_access")} == {"document_access"}


def test_the_diff_names_people_not_ids(team_a, sup_a, cw_a, cw_a2, case_a):
    from casework.access.services import reassign_case

    reassign_case(child=case_a, to=cw_a2, by=sup_a, reason="Leave")
    granted = kinds_and_cases(team_a, kind="assignment")[0]
    values = {change.label: change.new for change in granted.changes}
    assert values["Caseworker"] == "cw_a2" and str(cw_a2.pk) not in values.values()


def test_an_unchanged_save_shows_no_field_and_bookkeeping_is_hidden(team_a, cw_a, case_a):
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={},
        reason="Saved without changes",
    )
    newest = kinds_and_cases(team_a, kind="child")[0]
    assert newest.reason == "Saved without changes" and newest.changes == []


def test_booleans_read_as_yes_and_no(team_a, cw_a, case_a):
    father = Father.objects.get(pk=case_a.family.father_id)
    father.present = False
    save_tracked(father, by=cw_a, reason="Father left for work in Shenyang", expected_version=father.version)
    newest = kinds_and_cases(team_a, kind="father")[0]
    assert [(c.label, c.old, c.new) for c in newest.changes] == [("Lives with the child", "Yes", "No")]


def test_overdue_children_need_an_open_case(team_a, cw_a, case_a):
    import datetime

    from django.utils import timezone

    from casework.interviews.services import record_interview
    from children.services import close_case

    today = timezone.localdate()
    record_interview(
        child=case_a,
        by=cw_a,
        held_on=today - datetime.timedelta(days=9),
        location_type="home",
        follow_up_on=today - datetime.timedelta(days=2),
    )
    assert list(review.overdue_children(team_a, today)) == [case_a]
    close_case(child=case_a, by=cw_a, reason="Registered")
    assert list(review.overdue_children(team_a, today)) == []
