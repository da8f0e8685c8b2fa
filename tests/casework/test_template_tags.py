"""How names and choice labels are written on the pages."""

from types import SimpleNamespace

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
