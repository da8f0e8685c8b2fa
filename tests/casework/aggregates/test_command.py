"""python manage.py export_aggregates: the same records as the download, always logged."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework.models import AccessLog
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
    downloaded = client.get(reverse("aggregates:download", args=["csv"])).content.decode()
    assert run("--format", "csv") == downloaded
    assert next(csv.reader(io.StringIO(downloaded))) == ["table", "group", "category", "count", "share", "suppressed"]


def test_the_command_writes_the_same_json_as_the_download_to_a_file(client, data_admin, survey, tmp_path):
    client.force_login(data_admin)
    downloaded = json.loads(client.get(reverse("aggregates:download", args=["json"]) + "?province=jilin").content)
    target = tmp_path / "out.json"
    assert run("--format", "json", "--output", str(target), "--province", "jilin") == ""
    assert json.loads(target.read_text(encoding="utf-8")) == downloaded


def test_the_survey_figures_are_in_the_command_output(survey):
    rows = list(csv.DictReader(io.StringIO(run())))
    key = ("mother_status", "all", "repatriated")
    repatriated = next(r for r in rows if (r["table"], r["group"], r["category"]) == key)
    assert (repatriated["count"], repatriated["share"], repatriated["suppressed"]) == ("36", "36.0", "false")


def test_a_console_export_is_logged_without_a_user(survey):
    run("--format", "json")
    row = AccessLog.objects.get(action="export")
    assert row.user_id is None and row.object_type == "aggregates"
    assert row.detail["format"] == "json" and row.detail["source"] == "command"


def test_an_export_on_behalf_of_a_data_admin_is_logged_as_them(data_admin, survey):
    run("--user", "dataadmin")
    assert AccessLog.objects.get(action="export").username == "dataadmin"


def test_only_a_data_admin_can_be_named_as_the_user(cw_a, survey):
    with pytest.raises(CommandError):
        run("--user", "cw_a")
    assert not AccessLog.objects.filter(action="export").exists()
