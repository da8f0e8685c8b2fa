"""children:list and children:detail, the pages that exercise the access gate end to end."""

import datetime
import re
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from casework.interviews.services import record_interview
from casework.models import AccessLog
from children.models import Child
from tests import factories
from tests.not_found import assert_the_plain_404
from tests.query_counts import ACCESS_LOG_QUERIES

LIST = reverse("children:list")
# Queries for one page of the list, however many cases the user holds: the session and
# the user (2); the device that verified the session's second factor (1); the visible
# ids, the page and its doors (3); the access-log row (see above); preferences and roles
# (2). The session is saved only when its idle limit is renewed, at most once a minute
# (casework.web.middleware), not on every page. A change here is a change in what a page
# costs: check why.
LIST_QUERIES = 8 + ACCESS_LOG_QUERIES
# The case page: session and user (2); the second factor's device (1); the gate's
# permission check and the child with family, parents and team (2); the access-log row;
# preferences, the change check and roles (3); the doors, the interviews, the other names and the
# follow-up (children.queries.with_follow_up, the one rule of "overdue") (3); the plan's
# goals, services and referrals (casework.plans.queries.case_plan) (3).
DETAIL_QUERIES = 15 + ACCESS_LOG_QUERIES  # with the other names of the case
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def detail_url(pk):
    return reverse("children:detail", args=[pk])


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def without_csrf_tokens(response) -> str:
    """The page with its CSRF tokens blanked: they are masked afresh for every response."""
    page = response.content.decode()
    page = re.sub(r'("X-CSRFToken": ")[^"]*(")', r"\1\2", page)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*(")', r"\1\2", page)


def log_rows():
    return list(AccessLog.objects.order_by("id").values("user_id", "action", "object_type", "object_id", "detail"))


# --- login --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, "/cases/00000000-0000-0000-0000-000000000000/"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- detail ---------------------------------------------------------------------------------


def test_the_assigned_caseworker_sees_the_case_and_the_view_is_logged(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.get(detail_url(case_a.pk), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    assert case_a.case_number in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.user_id, entry.action, entry.object_type, entry.object_id) == (
        cw_a.pk,
        "view",
        "child",
        str(case_a.pk),
    )
    assert entry.address == "198.51.100.4"


def test_the_team_supervisor_sees_the_case(client, sup_a, case_a):
    client.force_login(sup_a)
    response = client.get(detail_url(case_a.pk))
    assert response.status_code == 200
    assert response.context["child"] == case_a
    page = response.content.decode()
    assert case_a.case_number in page and "Kim Minji" in page


@pytest.mark.parametrize("intruder", ["cw_b", "cw_a2", "sup_b", "data_admin", "sys_admin"])
def test_anyone_else_gets_a_404_and_the_attempt_is_logged(client, request, case_a, intruder):
    user = request.getfixturevalue(intruder)
    client.force_login(user)
    response = client.get(detail_url(case_a.pk))
    assert_the_plain_404(response, case_a)
    assert [(r["user_id"], r["action"], r["object_id"]) for r in log_rows()] == [(user.pk, "denied", str(case_a.pk))]


def test_a_forbidden_case_and_a_missing_one_look_the_same(client, cw_b, case_a):
    """AC-5: status and body are identical, so existence does not leak."""
    client.force_login(cw_b)
    forbidden = client.get(detail_url(case_a.pk))
    missing = client.get(detail_url(uuid.uuid4()))
    assert forbidden.status_code == missing.status_code == 404
    assert without_csrf_tokens(forbidden) == without_csrf_tokens(missing)
    assert forbidden.templates[0].name == missing.templates[0].name == "404.html"
    assert [r["action"] for r in log_rows()] == ["denied", "denied"]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "1%20OR%201=1", "%2e%2e%2f", "0" * 40])
def test_malformed_ids_are_a_404(client, cw_a, case_a, bad_id):
    client.force_login(cw_a)
    response = client.get(f"/cases/{bad_id}/")
    assert_the_plain_404(response, case_a)


def test_a_model_wide_permission_opens_no_case_page(client, cw_b, case_a):
    """AC-9 through the page: a mistaken global grant must not open a case."""
    permission = Permission.objects.get(codename="view_child", content_type__app_label="children")
    # Written past the refusal in casework.access.model_wide, as a raw insert would be.
    type(cw_b).user_permissions.through.objects.create(user=cw_b, permission=permission)
    client.force_login(cw_b)
    assert_the_plain_404(client.get(detail_url(case_a.pk)), case_a)
    listed = client.get(LIST)
    assert listed.context["page"].paginator.count == 0
    assert case_a.case_number not in listed.content.decode()


def test_a_deactivated_caseworker_loses_the_case_on_the_next_request(client, cw_a, case_a):
    client.force_login(cw_a)
    assert case_a.case_number in client.get(detail_url(case_a.pk)).content.decode()
    cw_a.is_active = False
    cw_a.save()
    response = client.get(detail_url(case_a.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={detail_url(case_a.pk)}"
    assert case_a.case_number not in response.content.decode()


# --- list and search --------------------------------------------------------------------------


def test_the_list_shows_own_cases_only_and_is_logged(client, cw_a, case_a, case_b):
    client.force_login(cw_a)
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert str(case_a.pk) in page
    assert str(case_b.pk) not in page and case_b.case_number not in page
    [entry] = log_rows()
    assert (entry["user_id"], entry["action"], entry["object_type"], entry["object_id"]) == (
        cw_a.pk,
        "list",
        "child",
        "",
    )
    assert entry["detail"]["results"] == 1


def test_the_supervisor_lists_every_case_of_the_team_and_none_of_another(client, sup_a, cw_a2, case_a, case_b):
    other_a = factories.open_case_for(cw_a2)
    client.force_login(sup_a)
    page = client.get(LIST).content.decode()
    assert str(case_a.pk) in page and str(other_a.pk) in page
    assert str(case_b.pk) not in page


def test_search_finds_only_visible_cases_and_counts_only_them(client, cw_a, case_a, case_b):
    """AC-6: both children are called Kim Minji; cw_a must neither see nor count the other."""
    client.force_login(cw_a)
    response = client.get(LIST, {"q": "Kim Minji"})
    assert response.context["page"].paginator.count == 1
    assert [child.pk for child in response.context["page"].object_list] == [case_a.pk]
    assert str(case_b.pk) not in response.content.decode()


def test_searching_another_teams_case_number_finds_nothing(client, cw_a, case_a, case_b):
    client.force_login(cw_a)
    response = client.get(LIST, {"q": case_b.case_number})
    assert response.context["page"].paginator.count == 0
    assert str(case_b.pk) not in response.content.decode()


def test_a_search_is_logged_without_the_words_searched(client, cw_a, case_a):
    client.force_login(cw_a)
    client.get(LIST, {"q": "Minji"})
    [entry] = AccessLog.objects.all()
    assert entry.action == "search"
    assert entry.detail["searched"] is True
    assert "Minji" not in str(entry.detail) and "Minji" not in entry.object_id


def test_each_list_and_search_request_writes_one_row(client, cw_a, case_a):
    client.force_login(cw_a)
    client.get(LIST)
    client.get(LIST, {"q": "Kim"})
    client.get(LIST, {"page": "2"})
    assert [r["action"] for r in log_rows()] == ["list", "search", "list"]


@pytest.mark.parametrize("page", ["0", "-1", "999", "abc", ""])
def test_odd_page_numbers_do_not_break_the_list(client, cw_a, case_a, page):
    client.force_login(cw_a)
    response = client.get(LIST, {"page": page})
    assert response.status_code == 200
    assert str(case_a.pk) in response.content.decode()


def _open_cases(user, count):
    for _ in range(count):
        factories.open_case_for(user)


def test_the_list_query_count_does_not_grow_with_the_caseload(client, cw_a, django_assert_num_queries):
    """The page is fetched by primary key with its prefetches: one fixed set of queries for
    one case or for a full page and more (30 > PAGE_SIZE)."""
    client.force_login(cw_a)
    _open_cases(cw_a, 1)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST)
    _open_cases(cw_a, 29)
    for child in Child.objects.order_by("case_number")[:10]:  # rows with a last interview and a follow-up
        record_interview(child=child, by=cw_a, held_on=YESTERDAY, location_type="home", follow_up_on=YESTERDAY)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"].object_list) == 25


def test_the_list_rows_escape_what_users_typed(client, cw_a):
    """The rows are rendered by Jinja (casework/web/fragments.py), escaped as Django's
    engine escapes, with template syntax in a name shown as typed."""
    payload = '"><img src=x onerror=alert(1)><script>alert(2)</script>{{ 7*7 }}'
    child = factories.open_case_for(cw_a)
    Child.objects.filter(pk=child.pk).update(given_name=payload)
    client.force_login(cw_a)
    html = client.get(LIST).content.decode()
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;{{ 7*7 }}" in html


def test_the_search_query_count_does_not_grow_with_the_caseload(client, cw_a, django_assert_num_queries):
    client.force_login(cw_a)
    _open_cases(cw_a, 1)
    with django_assert_num_queries(LIST_QUERIES + 1):  # plus the COUNT of the matches
        client.get(LIST, {"q": "Kim"})
    _open_cases(cw_a, 29)
    with django_assert_num_queries(LIST_QUERIES + 1):
        client.get(LIST, {"q": "Kim"})


def test_the_case_page_query_count_does_not_grow_with_interviews(client, cw_a, case_a, django_assert_num_queries):
    client.force_login(cw_a)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(detail_url(case_a.pk))
    for _ in range(6):
        record_interview(child=case_a, by=cw_a, held_on=YESTERDAY, location_type="school", notes="Visit")
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(case_a.pk))
    assert len(response.context["interviews"]) == 6


# --- what the browser keeps ---------------------------------------------------------------------


def test_no_name_appears_in_the_page_titles(client, cw_a):
    """A tab title is seen over a shoulder and kept in the browser's history."""
    child = factories.open_case_for(cw_a, child={"given_name": "Eunbyul", "family_name": "Ryu"})
    client.force_login(cw_a)
    for response in (client.get(LIST), client.get(LIST, {"q": "Ryu"}), client.get(detail_url(child.pk))):
        assert "Eunbyul" in response.content.decode()  # the page does show the child
        title = title_of(response)
        for name in ("Eunbyul", "Ryu", "Sunhee", "Wei", "Zhang", "Sanhe"):
            assert name not in title


@pytest.mark.parametrize("which", ["list", "search", "detail", "denied"])
def test_case_pages_are_never_stored_by_the_browser(client, cw_a, cw_b, case_a, which):
    user = cw_b if which == "denied" else cw_a
    client.force_login(user)
    url, params = {
        "list": (LIST, {}),
        "search": (LIST, {"q": "Kim"}),
        "detail": (detail_url(case_a.pk), {}),
        "denied": (detail_url(case_a.pk), {}),
    }[which]
    cache_control = client.get(url, params)["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
