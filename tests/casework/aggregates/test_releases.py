"""Releases of the anonymised aggregates: frozen, numbered, published with a reason, at most
one a calendar month by default, in the access log, served by the dashboard and downloads."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from casework.aggregates.services import publish_release
from casework.models import AccessLog, AggregatesRelease
from tests.casework.aggregates.data import ChildSpec, build_caseload, survey_specs

DASHBOARD = reverse("aggregates:dashboard")
RELEASES = reverse("aggregates:releases")
NOVEMBER = timezone.make_aware(datetime.datetime(2026, 11, 20, 12))
DECEMBER = timezone.make_aware(datetime.datetime(2026, 12, 2, 12))


@pytest.fixture
def survey(team_a, cw_a):
    return build_caseload(survey_specs(), team=team_a, by=cw_a)


def figures(release):
    return {(r["table"], r["group"], r["category"]): r for r in release.records}


def test_a_release_freezes_the_figures_with_who_when_why_and_the_reference_date(data_admin, survey, team_a, cw_a):
    release = publish_release(by=data_admin, reason="monthly report", now=NOVEMBER)
    assert (release.number, release.published_by, release.reason) == (1, data_admin, "monthly report")
    assert release.reference_date == datetime.date(2026, 11, 20) and release.threshold == 5
    assert (release.perturbation_bound, release.perturbation_variance) == (2, Decimal("1.2"))
    frozen = list(AggregatesRelease.objects.get().records)
    build_caseload([ChildSpec()] * 10, team=team_a, by=cw_a)
    assert AggregatesRelease.objects.get().records == frozen
    assert abs(figures(release)[("mother_status", "all", "repatriated")]["count"] - 36) <= 2


def test_releases_are_numbered_and_the_month_allows_one_by_default(data_admin, survey, team_a, cw_a):
    publish_release(by=data_admin, reason="november", now=NOVEMBER)
    with pytest.raises(ValidationError, match="next month"):
        publish_release(by=data_admin, reason="again", now=NOVEMBER + datetime.timedelta(days=5))
    build_caseload([ChildSpec()] * 10, team=team_a, by=cw_a)
    december = publish_release(by=data_admin, reason="december", now=DECEMBER)
    assert december.number == 2
    one, two = AggregatesRelease.objects.order_by("number")
    assert abs(figures(one)[("province", "all", "jilin")]["count"] - 60) <= 2
    assert abs(figures(two)[("province", "all", "jilin")]["count"] - 70) <= 2


def test_the_monthly_limit_is_a_setting(data_admin, survey, settings):
    settings.AGGREGATES_RELEASES_PER_MONTH = 2
    publish_release(by=data_admin, reason="first", now=NOVEMBER)
    publish_release(by=data_admin, reason="second", now=NOVEMBER)
    with pytest.raises(ValidationError):
        publish_release(by=data_admin, reason="third", now=NOVEMBER)
    assert AggregatesRelease.objects.count() == 2


def test_a_release_needs_a_reason(data_admin, survey):
    with pytest.raises(ValidationError):
        publish_release(by=data_admin, reason="   ")
    assert not AggregatesRelease.objects.exists()


def test_publishing_is_in_the_access_log_without_the_reason(data_admin, survey):
    publish_release(by=data_admin, reason="secret words", now=NOVEMBER)
    row = AccessLog.objects.get(object_type="aggregates_release")
    assert (row.username, row.action, row.detail["published"]) == ("dataadmin", "export", 1)
    assert "secret words" not in json.dumps(row.detail)


def test_a_published_release_cannot_be_changed_or_deleted_in_the_database(data_admin, survey):
    release = publish_release(by=data_admin, reason="monthly")
    with pytest.raises(DatabaseError), transaction.atomic():
        AggregatesRelease.objects.filter(pk=release.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AggregatesRelease.objects.filter(pk=release.pk).delete()
    assert AggregatesRelease.objects.get().reason == "monthly"


# ---------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------


def test_without_a_release_the_dashboard_offers_to_publish_and_nothing_is_counted(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.get(DASHBOARD)
    body = response.content.decode()
    assert "Nothing has been published yet." in body and RELEASES in body
    assert response.context["sections"] == [] and response.context["cross_tabs"] == []
    assert client.get(reverse("aggregates:download", args=["csv"])).status_code == 404


def test_the_data_admin_publishes_from_the_releases_page_with_a_reason(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.post(RELEASES, {"reason": "for the board"})
    assert response.status_code == 302 and response["Location"] == f"{DASHBOARD}?release=1"
    release = AggregatesRelease.objects.get()
    assert (release.published_by, release.reason) == (data_admin, "for the board")
    page = client.get(response["Location"]).content.decode()
    assert "Release 1" in page and "2026" in page
    listing = client.get(RELEASES).content.decode()
    assert "for the board" in listing and "dataadmin" in listing


def test_a_second_release_in_the_month_is_refused_on_the_page(client, data_admin, survey):
    client.force_login(data_admin)
    client.post(RELEASES, {"reason": "first"})
    response = client.post(RELEASES, {"reason": "second"})
    assert response.status_code == 200 and "next month" in response.content.decode()
    assert AggregatesRelease.objects.count() == 1


def test_an_empty_reason_publishes_nothing(client, data_admin, survey):
    client.force_login(data_admin)
    response = client.post(RELEASES, {"reason": " "})
    assert response.status_code == 200 and "Say why." in response.content.decode()
    assert not AggregatesRelease.objects.exists()


@pytest.mark.parametrize("who", ["cw_a", "sup_a", "sys_admin"])
def test_nobody_but_the_data_admin_can_publish(client, request, who, survey):
    client.force_login(request.getfixturevalue(who))
    assert client.post(RELEASES, {"reason": "mine"}).status_code == 404
    assert not AggregatesRelease.objects.exists()


def test_an_earlier_release_stays_downloadable_unchanged(client, data_admin, survey, team_a, cw_a, settings):
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    client.force_login(data_admin)
    publish_release(by=data_admin, reason="first")
    url = reverse("aggregates:download", args=["json"])
    before = client.get(url).content
    build_caseload([ChildSpec()] * 10, team=team_a, by=cw_a)
    publish_release(by=data_admin, reason="second")
    assert client.get(url).content != before  # the latest is release 2
    assert client.get(url, {"release": 1}).content == before
    response = client.get(url, {"release": 1})
    assert "release1" in response["Content-Disposition"]
    assert client.get(url, {"release": 7}).status_code == 404
    assert client.get(DASHBOARD, {"release": 7}).status_code == 404
