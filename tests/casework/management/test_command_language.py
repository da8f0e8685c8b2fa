"""Management commands speak the operator's language, read from the environment as every
command-line tool reads it (casework.management.base); machine output stays as it is."""

import io
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command, get_commands, load_command_class

from casework.management.base import TranslatedCommand, operator_language

COMMANDS = sorted(
    name
    for name, app in get_commands().items()
    if app == "casework" and Path("casework/management/commands", f"{name}.py").exists()
)


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "ko_KR.UTF-8"}, "zh-hans"),
        ({"LANGUAGE": "ko:en", "LANG": "en_GB.UTF-8"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_operator_language_is_read_as_gettext_reads_it(environ, language):
    assert operator_language(environ) == language


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_of_ours_speaks_the_operators_language(name):
    assert isinstance(load_command_class("casework", name), TranslatedCommand), name


def test_a_command_answers_in_korean_and_in_chinese(monkeypatch, db):
    for locale, expected in (("ko_KR.UTF-8", "이름 검색 키"), ("zh_CN.UTF-8", "姓名检索键")):
        monkeypatch.setenv("LANG", locale)
        out = io.StringIO()
        call_command("rebuild_name_keys", stdout=out)
        assert expected in out.getvalue(), out.getvalue()


def test_the_help_of_a_command_is_in_the_operators_language(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(SystemExit):
        ManagementUtility(["manage.py", "verify_audit", "--help"]).execute()
    shown = capsys.readouterr().out
    assert "核对每条审计记录链" in shown and "每次往返读取的行数" in shown
