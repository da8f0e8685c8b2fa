"""My cases: search by a name as people type it, across scripts, through the stored name
keys: one indexed query, only visible cases, and the keys follow every change of a name."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.names.readings import query_keys
from children.access import visible_child_ids
from children.models import Child, NameKey
from children.queries import current_versions, search_filter
from children.services import add_other_name, remove_other_name, update_child
from families.services import update_father, update_mother
from tests import factories

URL = reverse("children:list")


def found(client, text):
    return sorted(child.case_number for child in client.get(URL, {"q": text}).context["page"].object_list)


@pytest.fixture
def kim_hanzi(cw_a):
    return factories.open_case_for(cw_a, child={"family_name": "金", "given_name": "正花"})


@pytest.fixture
def kim_hangul(cw_a):
    return factories.open_case_for(cw_a, child={"family_name": "김", "given_name": "정화"})


@pytest.mark.parametrize(
    "typed", ["김정화", "金正花", "Kim Jeong-hwa", "Kim Chong-hwa", "Gim Jeonghwa", "jin zheng hua"]
)
def test_search_finds_a_name_in_chinese_characters_however_it_is_typed(client, cw_a, kim_hanzi, typed):
    client.force_login(cw_a)
    assert found(client, typed) == [kim_hanzi.case_number]


@pytest.mark.parametrize("typed", ["金正花", "Kim Jeong-hwa"])
def test_search_finds_a_name_in_hangul_by_characters_and_romanisation(client, cw_a, kim_hangul, typed):
    client.force_login(cw_a)
    assert found(client, typed) == [kim_hangul.case_number]


def test_a_name_recorded_in_romanisation_is_found_in_hangul(client, cw_a):
    case = factories.open_case_for(cw_a, child={"family_name": "Pak", "given_name": "Chŏng-hŭi"})
    client.force_login(cw_a)
    assert found(client, "박정희") == [case.case_number]


def test_the_mother_and_the_father_are_found_by_their_names(client, cw_a):
    case = factories.open_case_for(
        cw_a,
        mother={**factories.MOTHER, "family_name": "리", "given_name": "순희"},
        father={**factories.FATHER, "family_name": "王", "given_name": "建国"},
    )
    client.force_login(cw_a)
    assert found(client, "Ri Sunhui") == found(client, "이순희") == [case.case_number]
    assert found(client, "wang jianguo") == found(client, "왕건국") == [case.case_number]


def test_search_never_finds_a_case_the_user_may_not_see(client, cw_a, cw_b, kim_hanzi):
    hidden = factories.open_case_for(cw_b, child={"family_name": "金", "given_name": "正花"})
    client.force_login(cw_a)
    assert found(client, "김정화") == [kim_hanzi.case_number]
    assert hidden.case_number not in found(client, "金正花")
    client.force_login(cw_b)
    assert found(client, "Kim Jeong-hwa") == [hidden.case_number]


def test_the_case_number_is_still_found(client, cw_a, kim_hanzi):
    client.force_login(cw_a)
    assert found(client, kim_hanzi.case_number) == [kim_hanzi.case_number]


def test_keys_follow_a_change_of_name(client, cw_a, kim_hanzi):
    update_child(child=kim_hanzi, by=cw_a, values={"family_name": "朴"}, expected_version=kim_hanzi.version)
    client.force_login(cw_a)
    assert found(client, "김정화") == []
    assert found(client, "박정화") == found(client, "piao zheng hua") == [kim_hanzi.case_number]


def test_a_parents_new_name_is_found_in_every_case_of_the_family(client, cw_a):
    first = factories.open_case_for(cw_a)
    sibling = factories.open_case_for(cw_a, family=first.family)
    versions = current_versions(first)
    update_father(
        child=first, by=cw_a, values={"family_name": "刘", "given_name": "强"}, expected_version=versions["father"]
    )
    update_mother(
        child=first, by=cw_a, values={"family_name": "崔", "given_name": "영희"}, expected_version=versions["mother"]
    )
    client.force_login(cw_a)
    expected = sorted([first.case_number, sibling.case_number])
    assert found(client, "Liu Qiang") == found(client, "유강") == expected
    assert found(client, "Choe Yŏng-hŭi") == expected


def test_other_names_are_searched_and_their_removal_is_in_history(client, cw_a, kim_hangul):
    other = add_other_name(
        child=kim_hangul,
        by=cw_a,
        values={"person": "mother", "family_name": "Kim", "given_name": "Sun-ok", "seen_in": "South Korean record"},
        reason="Seen on her record",
    )
    client.force_login(cw_a)
    assert found(client, "김순옥") == [kim_hangul.case_number]
    remove_other_name(child=kim_hangul, by=cw_a, other_name_id=other.pk, reason="A mistake")
    assert found(client, "김순옥") == []
    assert [h.history_type for h in other.history.order_by("history_id")] == ["+", "-"]
    assert other.history.latest("history_id").history_change_reason == "A mistake"


def test_search_is_one_query_whatever_the_caseload(client, cw_a):
    client.force_login(cw_a)

    def queries_for_search():
        with CaptureQueriesContext(connection) as captured:
            client.get(URL, {"q": "김정화"})
        return len(captured.captured_queries)

    factories.open_case_for(cw_a, child={"family_name": "金", "given_name": "正花"})
    few = queries_for_search()
    for n in range(8):
        factories.open_case_for(cw_a, child={"family_name": "金", "given_name": f"正花{n}"})
    assert queries_for_search() == few
    # The search itself reads the children table once, with the keys in a subquery.
    with CaptureQueriesContext(connection) as captured:
        list(Child.objects.filter(search_filter("김정화")))
    assert len(captured.captured_queries) == 1 and "children_namekey" in captured.captured_queries[0]["sql"]


def _plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE children_namekey")
        # Small tables are cheaper to scan than to index: ask what the plan is when a scan
        # is not an option, as it is not on a caseload of many thousand keys.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_on_postgresql_the_name_keys_are_read_through_an_index(cw_a, kim_hanzi):
    for n in range(30):
        factories.open_case_for(cw_a, child={"family_name": "王", "given_name": f"桂兰{n}"})
    prefixes = query_keys("김정화")
    assert prefixes
    condition = Q()
    for key in prefixes:
        condition |= Q(key__startswith=key)  # as search_filter builds it
    keys = NameKey.objects.filter(condition).values("child_id")
    plan = _plan(*Child.objects.filter(pk__in=keys).query.sql_with_params())
    assert "children_namekey_key" in plan and "Index" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_on_postgresql_the_list_reads_only_the_keys_of_the_users_own_cases_through_an_index(cw_a, cw_b):
    """A common name (Kim starts a fifth of the keys of a large organisation) must cost
    what the user's caseload costs: the key lookup is bounded by the visible ids and read
    through an index, and another team's keys are not read at all."""
    for n in range(20):
        factories.open_case_for(cw_a, child={"family_name": "김", "given_name": f"정화{n}"})
        factories.open_case_for(cw_b, child={"family_name": "김", "given_name": f"정화{n}"})
    ids = visible_child_ids(cw_a)
    query = Child.objects.filter(pk__in=ids).filter(search_filter("Kim", among=ids))
    sql, params = query.query.sql_with_params()
    # The user's ids twice: once for the cases, once to bound the key lookup.
    assert sum(str(param).replace("-", "") == ids[0].hex for param in params) == 2
    plan = _plan(sql, params)
    assert "children_namekey" in plan and "Index" in plan, plan
    assert "Seq Scan on children_namekey" not in plan, plan
    assert {child.pk for child in query} == set(ids)


def test_the_command_rebuilds_the_keys_of_every_case(cw_a, kim_hanzi, kim_hangul):
    before = set(NameKey.objects.values_list("child_id", "key"))
    NameKey.objects.all().delete()
    call_command("rebuild_name_keys", verbosity=0)
    assert set(NameKey.objects.values_list("child_id", "key")) == before
    assert {"k:kimconkhwa", "p:jinzhenghua", "s:金正花"} <= set(
        NameKey.objects.filter(child=kim_hanzi).values_list("key", flat=True)
    )
