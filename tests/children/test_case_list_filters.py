"""My cases: search, filters, sorting, pagination, htmx, and a query count that does not grow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.core.pages import PAGE_SIZE
from casework.interviews.services import record_interview
from casework.models import AccessLog
from children.queries import current_versions
from children.services import update_door
from families.services import update_mother
from tests import factories

URL = reverse("children:list")
TODAY = timezone.localdate()


def names(response):
    return [child.given_name for child in response.context["page"].object_list]


@pytest.fixture
def three_cases(cw_a):
    first = factories.open_case_for(cw_a, child={"given_name": "Alpha"})
    second = factories.open_case_for(cw_a, child={"given_name": "Bravo"})
    third = factories.open_case_for(cw_a, child={"given_name": "Charlie"})
    return first, second, third


def test_filter_by_mother_status(client, cw_a, three_cases):
    first, _second, _third = three_cases
    update_mother(
        expected_version=current_versions(first).get("mother"), child=first, by=cw_a, values={"status": "ran_away"}
    )
    client.force_login(cw_a)
    assert names(client.get(URL, {"mother_status": "ran_away"})) == ["Alpha"]


def test_filter_by_a_shut_door(client, cw_a, three_cases):
    for child in three_cases[:2]:
        update_door(
            expected_version=current_versions(child)["medical"],
            child=child,
            by=cw_a,
            kind="medical",
            status="has_access",
        )
    client.force_login(cw_a)
    assert names(client.get(URL, {"shut_door": "medical"})) == ["Charlie"]


def test_filter_overdue_follow_ups(client, cw_a, three_cases):
    first, second, _third = three_cases
    long_ago = TODAY - datetime.timedelta(days=30)
    record_interview(
        child=first, by=cw_a, held_on=long_ago, location_type="home", follow_up_on=long_ago + datetime.timedelta(days=7)
    )
    record_interview(
        child=second, by=cw_a, held_on=TODAY, location_type="home", follow_up_on=TODAY + datetime.timedelta(days=7)
    )
    client.force_login(cw_a)
    assert names(client.get(URL, {"overdue": "on"})) == ["Alpha"]


def test_filter_by_case_status(client, cw_a, three_cases):
    from children.services import close_case

    close_case(child=three_cases[1], by=cw_a, reason="Registered and safe")
    client.force_login(cw_a)
    assert names(client.get(URL, {"case_status": "closed"})) == ["Bravo"]
    assert names(client.get(URL, {"case_status": "open"})) == ["Alpha", "Charlie"]


def test_sort_by_name_and_unknown_sort_is_ignored(client, cw_a, three_cases):
    client.force_login(cw_a)
    assert names(client.get(URL, {"sort": "name"})) == ["Alpha", "Bravo", "Charlie"]
    for hostile in ("-password", "(select 1)", "family__mother__given_name", "id; drop table"):
        response = client.get(URL, {"sort": hostile})
        assert response.status_code == 200 and len(names(response)) == 3


def test_search_finds_by_name_and_case_number_within_visible_cases_only(client, cw_a, cw_b, three_cases):
    hidden = factories.open_case_for(cw_b, child={"given_name": "Alpha"})
    client.force_login(cw_a)
    assert names(client.get(URL, {"q": "alp"})) == ["Alpha"]
    assert names(client.get(URL, {"q": three_cases[2].case_number})) == ["Charlie"]
    assert client.get(URL, {"q": hidden.case_number}).context["page"].paginator.count == 0


def test_hostile_search_and_page_values_never_fail(client, cw_a, three_cases):
    """A hostile search matches nothing (it is text, not SQL or a LIKE pattern); an odd page
    number shows the one page there is."""
    client.force_login(cw_a)
    for params, shown in (
        ({"q": "' OR 1=1--"}, []),
        ({"page": "-1"}, ["Alpha", "Bravo", "Charlie"]),
        ({"page": "x"}, ["Alpha", "Bravo", "Charlie"]),
        ({"page": "99999999999"}, ["Alpha", "Bravo", "Charlie"]),
        ({"q": "%_%"}, []),
    ):
        response = client.get(URL, params)
        assert response.status_code == 200, params
        assert sorted(names(response)) == shown, params
        assert ("No cases match." in response.content.decode()) == (not shown), params


def test_htmx_gets_the_results_fragment(client, cw_a, three_cases):
    client.force_login(cw_a)
    html = client.get(URL, {"q": "Bravo"}, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="results"') and "Bravo" in html and "Alpha" not in html


def test_search_is_logged_without_the_words(client, cw_a, three_cases):
    client.force_login(cw_a)
    client.get(URL, {"q": "Charlie"})
    entry = AccessLog.objects.get(action="search")
    assert entry.username == "cw_a" and "Charlie" not in str(entry.detail) and entry.detail["results"] == 1


def test_discreet_mode_shows_case_numbers_not_names(client, cw_a, three_cases):
    from casework.models import Preferences

    Preferences.objects.create(user=cw_a, discreet_mode=True)
    client.force_login(cw_a)
    html = client.get(URL).content.decode()
    assert three_cases[0].case_number in html and "Alpha" not in html


def test_pages_hold_page_size_rows(client, cw_a):
    for i in range(PAGE_SIZE + 2):
        factories.open_case_for(cw_a, child={"given_name": f"Child{i:02d}"})
    client.force_login(cw_a)
    first = client.get(URL)
    assert len(names(first)) == PAGE_SIZE and first.context["page"].paginator.num_pages == 2
    assert len(names(client.get(URL, {"page": 2}))) == 2


def _queries_for_list(client, cw_a, django_assert_max_num_queries, expected):
    client.force_login(cw_a)
    client.get(URL)  # the first access-log row of a database also starts the chain
    with django_assert_max_num_queries(expected) as captured:
        client.get(URL, {"sort": "-last_interview"})
    return len(captured)


def test_list_query_count_does_not_grow_with_cases(client, cw_a, django_assert_max_num_queries):
    for _ in range(2):
        record_interview(child=factories.open_case_for(cw_a), by=cw_a, held_on=TODAY, location_type="home")
    few = _queries_for_list(client, cw_a, django_assert_max_num_queries, 15)
    for _ in range(10):
        record_interview(child=factories.open_case_for(cw_a), by=cw_a, held_on=TODAY, location_type="office")
    many = _queries_for_list(client, cw_a, django_assert_max_num_queries, 15)
    assert few == many
