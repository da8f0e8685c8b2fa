"""The case page: what it shows, how many queries it takes, and closing a case."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from casework.interviews.services import record_interview
from children.models import Child
from children.queries import current_versions
from children.services import update_door
from tests.not_found import assert_the_plain_404

TODAY = timezone.localdate()


def test_shows_mother_doors_and_interviews_newest_first(client, cw_a, case_a):
    update_door(
        expected_version=current_versions(case_a)["education"],
        child=case_a,
        by=cw_a,
        kind="education",
        status="no_access",
        barrier="no_hukou",
        note="asked",
    )
    record_interview(
        child=case_a, by=cw_a, held_on=TODAY - datetime.timedelta(days=9), location_type="school", notes="older visit"
    )
    record_interview(
        child=case_a,
        by=cw_a,
        held_on=TODAY,
        location_type="home",
        notes="newer visit",
        follow_up_on=TODAY + datetime.timedelta(days=3),
    )
    client.force_login(cw_a)
    html = client.get(case_a.get_absolute_url()).content.decode()
    assert "Forcibly repatriated" in html and "North Korea" in html
    assert "No household registration" in html
    assert html.index("newer visit") < html.index("older visit")
    assert f"Follow-up due {date_format(TODAY + datetime.timedelta(days=3))}" in html


def test_user_text_is_escaped(client, cw_a, case_a):
    payload = '"><img src=x onerror=alert(1)><script>alert(2)</script>{{ 7*7 }}'
    record_interview(child=case_a, by=cw_a, held_on=TODAY, location_type="home", notes=payload, participants=payload)
    client.force_login(cw_a)
    html = client.get(case_a.get_absolute_url()).content.decode()
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;{{ 7*7 }}" in html  # escaped, and never evaluated


def test_query_count_does_not_grow_with_interviews(client, cw_a, case_a, django_assert_max_num_queries):
    client.force_login(cw_a)
    client.get(case_a.get_absolute_url())
    with django_assert_max_num_queries(20) as few:
        client.get(case_a.get_absolute_url())
    for days in range(15):
        record_interview(child=case_a, by=cw_a, held_on=TODAY - datetime.timedelta(days=days), location_type="home")
    with django_assert_max_num_queries(20) as many:
        client.get(case_a.get_absolute_url())
    assert len(few) == len(many)


def test_closing_needs_a_reason_and_is_in_history(client, cw_a, case_a):
    client.force_login(cw_a)
    url = reverse("children:close", args=[case_a.pk])
    client.post(url, {"reason": ""})
    assert Child.objects.get(pk=case_a.pk).case_status == "open"
    client.post(url, {"reason": "Registered with the father's hukou"})
    record = Child.history.filter(id=case_a.pk).latest()
    assert record.case_status == "closed" and record.history_change_reason == "Registered with the father's hukou"


def test_closing_someone_elses_case_is_a_404(client, cw_b, case_a):
    client.force_login(cw_b)
    before = Child.history.filter(id=case_a.pk).count()
    assert_the_plain_404(client.post(reverse("children:close", args=[case_a.pk]), {"reason": "x"}), case_a)
    assert Child.objects.get(pk=case_a.pk).case_status == "open"
    assert Child.history.filter(id=case_a.pk).count() == before


def test_closing_requires_post(client, cw_a, case_a):
    client.force_login(cw_a)
    before = Child.history.filter(id=case_a.pk).count()
    response = client.get(reverse("children:close", args=[case_a.pk]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert Child.objects.get(pk=case_a.pk).case_status == "open"
    assert Child.history.filter(id=case_a.pk).count() == before


def test_data_admin_lands_away_from_cases(client, data_admin, case_a):
    client.force_login(data_admin)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("aggregates:dashboard")
    assert_the_plain_404(client.get(case_a.get_absolute_url()), case_a)


def test_a_closed_case_can_be_reopened_with_a_reason(client, cw_a, case_a):
    from children.services import close_case

    close_case(child=case_a, by=cw_a, reason="moved away")
    client.force_login(cw_a)
    assert "Reopen this case" in client.get(case_a.get_absolute_url()).content.decode()
    url = reverse("children:reopen", args=[case_a.pk])
    client.post(url, {"reason": " "})
    assert Child.objects.get(pk=case_a.pk).case_status == "closed"
    client.post(url, {"reason": "The family came back to Yanji"})
    record = Child.history.filter(id=case_a.pk).latest()
    assert record.case_status == "open" and record.history_change_reason == "The family came back to Yanji"


def test_reopening_someone_elses_case_is_a_404(client, cw_a, cw_b, case_a):
    from children.services import close_case

    close_case(child=case_a, by=cw_a, reason="moved away")
    client.force_login(cw_b)
    before = Child.history.filter(id=case_a.pk).count()
    assert_the_plain_404(client.post(reverse("children:reopen", args=[case_a.pk]), {"reason": "x"}), case_a)
    assert Child.objects.get(pk=case_a.pk).case_status == "closed"
    assert Child.history.filter(id=case_a.pk).count() == before
