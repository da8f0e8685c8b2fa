"""How names and choice labels are written on the pages."""

import datetime
from types import SimpleNamespace

from django.template.defaultfilters import date as date_filter
from django.utils import translation

from casework.core import display
from casework.templatetags.casework_tags import full_name, label
from children.models import DocumentAccess


def person(family, given):
    return SimpleNamespace(family_name=family, given_name=given)


def test_korean_and_chinese_names_have_no_space():
    assert full_name(person("김", "민지")) == "김민지"
    assert full_name(person("王", "晨")) == "王晨"


def test_romanised_names_keep_the_space_family_name_first():
    assert full_name(person("Kim", "Minji")) == "Kim Minji"


def test_an_unknown_name_is_a_dash_and_half_a_name_is_shown():
    assert full_name(person("", "")) == "—"
    assert full_name(person("Pak", "")) == "Pak"


def test_label_gives_the_choice_name_not_the_code():
    door = DocumentAccess(kind="bank", status="no_access")
    assert (str(label(door, "kind")), str(label(door, "status"))) == ("Bank account", "No access")
    assert label(None, "kind") == ""


def test_labels_and_dates_follow_the_active_language_though_remembered():
    """choice_labels and short_date are remembered per language: switching the language
    never serves the previous language's words, and a date reads as the `date` filter's."""
    day = datetime.date(2026, 3, 1)
    seen = {}
    for language in ("en", "ko", "zh-hans", "en"):
        with translation.override(language):
            seen[language] = (display.choice_labels(DocumentAccess, "kind")["bank"], display.short_date(day))
            assert display.short_date(day) == date_filter(day, "DATE_FORMAT")
            assert seen[language][0] == str(label(DocumentAccess(kind="bank"), "kind"))
    assert seen["en"] == ("Bank account", "March 1, 2026")
    assert len({seen["en"][0], seen["ko"][0], seen["zh-hans"][0]}) == 3
    assert display.short_date(None) == "—"
