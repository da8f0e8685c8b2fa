"""The data admin's aggregates page and its downloads."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.aggregates.services import publish_release
from casework.models import AccessLog, AggregatesRelease
from families.models import Province
from tests.casework.aggregates.data import SECRET_NAME, SECRET_VILLAGE, ChildSpec, build_caseload, survey_specs

DASHBOARD = reverse("aggregates:dashboard")


def download_url(fmt, query=""):
    return reverse("aggregates:download", args=[fmt]) + (f"?{query}" if query else "")


@pytest.fixture
def survey(team_a, cw_a, data_admin):
    # A small province ("other", 3 children) so that the page has suppressed cells.
    specs = survey_specs()[:97] + [ChildSpec(province=Province.OTHER)] * 3
    children = build_caseload(specs, team=team_a, by=cw_a)
    publish_release(by=data_admin, reason="monthly figures")
    return children


@pytest.mark.parametrize("url", [DASHBOARD, download_url("csv"), download_url("json")])
@pytest.mark.parametrize("who", ["cw_a", "sup_a", "sys_admin"])
def test_everyone_but_the_data_admin_gets_404(client, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [DASHBOARD, download_url("csv")])
def test_signed_out_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_refused_attempt_is_in_the_access_log(client, cw_a):
    client.force_login(cw_a)
    client.get(download_url("csv"))
    row = AccessLog.objects.get(action="denied")
    assert (row.username, row.object_type) == ("cw_a", "aggregates")


def test_the_page_shows_tables_charts_and_suppressed_cells_without_drawing_them(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and 'class="agg-bar"' in page
    repatriated = next(
        r
        for r in AggregatesRelease.objects.get().records
        if (r["table"], r["category"]) == ("mother_status", "repatriated")
    )
    assert abs(repatriated["count"] - 36) <= 2
    assert "Forcibly repatriated" in page and f"{repatriated['count']} · {repatriated['share']:.1f}%" in page
    assert "suppressed" in page
    # One bar per published cell of the charted tables; suppressed ones are words, not bars.
    charted = [row for section in response.context["sections"] for row in section["rows"]]
    published = [row for row in charted if not row["record"].suppressed]
    assert page.count('class="agg-bar"') == len(published) < len(charted)
    assert SECRET_NAME not in page and SECRET_VILLAGE not in page and survey[0].case_number not in page


def test_the_page_query_count_does_not_grow_with_the_caseload(
    client, data_admin, team_a, cw_a, django_assert_max_num_queries
):
    client.force_login(data_admin)
    build_caseload(survey_specs()[:10], team=team_a, by=cw_a)
    with django_assert_max_num_queries(14) as small:
        client.get(DASHBOARD)
    build_caseload(survey_specs(), team=team_a, by=cw_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(DASHBOARD)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_download_query_count_does_not_grow_with_the_caseload(
    client, data_admin, team_a, cw_a, fmt, django_assert_max_num_queries
):
    """A download serves the published release's records: what it reads does not depend
    on how many children were counted."""
    client.force_login(data_admin)
    build_caseload(survey_specs()[:10], team=team_a, by=cw_a)
    publish_release(by=data_admin, reason="small", now=timezone.now() - datetime.timedelta(days=40))
    with django_assert_max_num_queries(12) as small:
        assert client.get(download_url(fmt)).status_code == 200
    build_caseload(survey_specs(), team=team_a, by=cw_a)
    publish_release(by=data_admin, reason="large")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(download_url(fmt)).status_code == 200


def test_a_province_filter_shows_that_province_from_the_published_cross_tabs(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.get(DASHBOARD, {"province": "jilin", "junk": "x"})
    tables = {section["table"] for section in response.context["sections"]}
    assert tables and all(table.endswith("_by_province") for table in tables)
    assert response.context["cross_tabs"] == []
    assert download_url("csv", "release=1&amp;province=jilin") in response.content.decode()  # validated filters only


def test_the_csv_download_is_a_tidy_attachment_with_a_server_made_name(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.get(download_url("csv", "province=jilin"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="aggregates-')
    assert response["Content-Disposition"].endswith('-jilin.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == ["table", "group", "category", "count", "share", "suppressed"]
    assert rows[0][6:] == [
        "release",
        "reference_date",
        "threshold",
        "perturbation_bound",
        "perturbation_variance",
        "note",
    ]
    assert rows[1][6:10] == ["1", f"{AggregatesRelease.objects.get().reference_date:%Y-%m-%d}", "5", "2"]
    assert {row[1] for row in rows[1:]} == {"jilin"}


def test_csv_and_json_downloads_agree(client, data_admin, survey):
    client.force_login(data_admin)
    rows = list(csv.DictReader(io.StringIO(client.get(download_url("csv")).content.decode())))
    objects = json.loads(client.get(download_url("json")).content)
    assert len(rows) == len(objects) > 100
    for row, obj in zip(rows, objects, strict=True):
        assert [row["table"], row["group"], row["category"]] == [obj["table"], obj["group"], obj["category"]]
        assert row["count"] == ("" if obj["count"] is None else str(obj["count"]))
        assert row["suppressed"] == str(obj["suppressed"]).lower()
    assert any(obj["suppressed"] for obj in objects)
    assert all(obj["count"] is None and obj["share"] is None for obj in objects if obj["suppressed"])


def test_every_download_is_in_the_access_log_with_its_parameters(client, data_admin, survey):
    client.force_login(data_admin)
    client.get(download_url("json", "province=liaoning"))
    row = AccessLog.objects.get(action="export", object_type="aggregates")
    assert (row.username, row.object_type) == ("dataadmin", "aggregates")
    assert row.detail["format"] == "json" and row.detail["province"] == "liaoning"


@pytest.mark.parametrize("query", ["province=atlantis", "year=1999", "province=jilin%0d%0aX-Evil:1"])
def test_a_filter_value_off_the_list_is_not_served(client, data_admin, survey, query):
    client.force_login(data_admin)
    assert client.get(download_url("csv", query)).status_code == 404
    assert not AccessLog.objects.filter(action="export", object_type="aggregates").exists()


def test_an_unknown_format_is_404(client, data_admin):
    client.force_login(data_admin)
    assert client.get(download_url("xlsx")).status_code == 404


def test_a_year_filter_keeps_the_interview_months_of_that_year_only(client, data_admin, survey):
    client.force_login(data_admin)
    objects = json.loads(client.get(download_url("json", "year=2026")).content)
    months = {obj["category"] for obj in objects if obj["table"] == "interviews_per_month"}
    assert months and all(month.startswith("2026-") for month in months)
    assert any(obj["table"] == "mother_status" for obj in objects)
