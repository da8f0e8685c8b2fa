"""The access gate runs its query from a statement built once per process
(children.access._statement): the same answers as the query built afresh by the ORM
(`_granted`, the one definition of who may see what), for every kind of user, for one case
and for all, on the day a cover ends, and never the answer of the user before."""

import datetime

import pytest
from django.utils import timezone

from casework.access.services import assign_case
from children import access
from tests import factories


def built_afresh(user, perm, child_pk=None) -> set:
    return set(access._granted(user, perm, child_pk))


@pytest.fixture
def caseload(team_a, team_b, cw_a, cw_a2, cw_b, sup_a, sup_b, data_admin):
    cases = [factories.open_case_for(cw_a) for _ in range(3)] + [factories.open_case_for(cw_b) for _ in range(2)]
    cover_ends = timezone.localdate() + datetime.timedelta(days=2)
    assign_case(child=cases[0], to=cw_a2, by=sup_a, ends_on=cover_ends, reason="Cover during leave")
    return {"users": [cw_a, cw_a2, cw_b, sup_a, sup_b, data_admin], "cases": cases, "cover_ends": cover_ends}


@pytest.mark.parametrize("perm", [access.VIEW, access.CHANGE])
def test_the_built_statement_answers_as_the_orm_query_for_every_user_and_case(caseload, perm):
    for user in caseload["users"]:
        assert set(access._granted_ids(user, perm)) == built_afresh(user, perm), user.username
        for case in caseload["cases"]:
            assert set(access._granted_ids(user, perm, case.pk)) == built_afresh(user, perm, case.pk), (
                user.username,
                case.case_number,
            )


def test_each_call_answers_for_its_own_user_not_the_one_before(caseload, cw_a, cw_b):
    seen_by_a = set(access.visible_child_ids(cw_a))
    seen_by_b = set(access.visible_child_ids(cw_b))
    assert len(seen_by_a) == 3 and len(seen_by_b) == 2 and not seen_by_a & seen_by_b
    assert set(access.visible_child_ids(cw_a)) == seen_by_a


def test_a_statement_built_before_a_cover_ends_lets_the_cover_lapse_on_its_day(caseload, cw_a2, travel_to):
    cover = caseload["cases"][0]
    assert access.may_access(cw_a2, cover.pk)  # the statement is built (or was) with today's date

    travel_to(caseload["cover_ends"])
    assert not access.may_access(cw_a2, cover.pk)
    assert cover.pk not in access.visible_child_ids(cw_a2)
    assert built_afresh(cw_a2, access.VIEW) == set()


def test_an_unknown_permission_is_refused_before_any_statement_is_built(cw_a):
    with pytest.raises(ValueError):
        access.visible_child_ids(cw_a, "children.delete_child")
