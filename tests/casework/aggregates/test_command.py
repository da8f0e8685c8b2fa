"""python manage.py export_aggregates: the same records as the download, always logged."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework.aggregates.services import publish_release
from casework.models import AccessLog, AggregatesRelease
from tests.casework.aggregates.data import build_caseload, survey_specs


@pytest.fixture
def survey(team_a, cw_a):
    return build_caseload(survey_specs(), team=team_a, by=cw_a)


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_aggregates", *args, stdout=out)
    return out.getvalue()


def test_the_command_writes_the_same_csv_as_the_download(client, data_admin, survey):
    client.force_login(data_admin)
    written = run("--format", "csv")  # publishes the first release
    downloaded = client.get(reverse("aggregates:download", args=["csv"])).content.decode()
    assert written == downloaded
    header = next(csv.reader(io.StringIO(downloaded)))
    assert header[:6] == ["table", "group", "category", "count", "share", "suppressed"]


def test_the_command_writes_the_same_json_as_the_download_to_a_file(client, data_admin, survey, tmp_path):
    client.force_login(data_admin)
    publish_release(by=data_admin, reason="monthly figures")
    downloaded = json.loads(client.get(reverse("aggregates:download", args=["json"]) + "?province=jilin").content)
    target = tmp_path / "out.json"
    assert run("--format", "json", "--output", str(target), "--province", "jilin") == ""
    assert json.loads(target.read_text(encoding="utf-8")) == downloaded


def test_the_survey_figures_are_in_the_command_output(survey):
    rows = list(csv.DictReader(io.StringIO(run())))
    key = ("mother_status", "all", "repatriated")
    repatriated = next(r for r in rows if (r["table"], r["group"], r["category"]) == key)
    # Perturbed by at most the published bound, which every row carries.
    assert repatriated["suppressed"] == "false" and repatriated["perturbation_bound"] == "2"
    assert abs(int(repatriated["count"]) - 36) <= 2 and 33 <= float(repatriated["share"]) <= 39


def test_a_console_export_is_logged_without_a_user(survey):
    run("--format", "json")
    row = AccessLog.objects.get(action="export", object_type="aggregates")
    assert row.user_id is None and row.object_type == "aggregates"
    assert row.detail["format"] == "json" and row.detail["source"] == "command"


def test_an_export_on_behalf_of_a_data_admin_is_logged_as_them(data_admin, survey):
    run("--user", "dataadmin")
    assert AccessLog.objects.get(action="export", object_type="aggregates").username == "dataadmin"


def test_only_a_data_admin_can_be_named_as_the_user(cw_a, survey):
    with pytest.raises(CommandError):
        run("--user", "cw_a")
    assert not AccessLog.objects.filter(action="export", object_type="aggregates").exists()


def test_the_first_export_publishes_the_first_release_and_later_ones_serve_it_unchanged(team_a, cw_a, survey):
    first = run("--format", "json")
    release = AggregatesRelease.objects.get()
    assert (release.number, release.published_by, release.reason) == (
        1,
        None,
        "first release, published by export_aggregates",
    )
    build_caseload(survey_specs()[:20], team=team_a, by=cw_a)  # the caseload grows
    assert run("--format", "json") == first
    assert AggregatesRelease.objects.count() == 1
    assert AccessLog.objects.filter(object_type="aggregates", action="export").count() == 2


def test_publish_release_publishes_the_next_release_and_earlier_ones_stay_downloadable(
    team_a, cw_a, data_admin, survey, settings
):
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    first = run("--format", "csv")
    build_caseload(survey_specs()[:20], team=team_a, by=cw_a)
    out = io.StringIO()
    call_command("publish_release", "--user", "dataadmin", "--reason", "quarterly report", stdout=out)
    assert out.getvalue().startswith("Release 2 published")
    latest = run("--format", "csv")
    assert latest != first
    assert run("--format", "csv", "--release", "1") == first
    assert AggregatesRelease.objects.get(number=2).published_by == data_admin


def test_publish_release_refuses_a_second_release_in_the_month_and_anyone_but_a_data_admin(cw_a, data_admin, survey):
    call_command("publish_release", "--user", "dataadmin", "--reason", "monthly", stdout=io.StringIO())
    with pytest.raises(CommandError, match="next month"):
        call_command("publish_release", "--user", "dataadmin", "--reason", "again", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("publish_release", "--user", "cw_a", "--reason", "mine", stdout=io.StringIO())
    assert AggregatesRelease.objects.count() == 1
