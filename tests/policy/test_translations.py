"""The interface in Korean and Simplified Chinese is complete: every message of the
templates and the Python code is translated (none empty, none fuzzy), the .po files are
up to date with the source, the compiled .mo files match them, and placeholders survive."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ("ko", "zh_Hans")
# What makemessages reads (`make messages`): the application, not the tests or the benchmarks.
SOURCE_FOLDERS = ["casework", "children", "families", "templates"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def po(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = po(language)
    untranslated = [entry.msgid for entry in catalogue if not all(t.strip() for t in translations(entry))]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert (untranslated, fuzzy) == ([], [])
    assert not catalogue.obsolete_entries()


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept_in_every_translation(language):
    wrong = [
        entry.msgid
        for entry in po(language)
        for text in translations(entry)
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid))
    ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    source = {(e.msgctxt, e.msgid): translations(e) for e in po(language) if not e.obsolete}
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    assert {(e.msgctxt, e.msgid): translations(e) for e in compiled} == source


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (apt-get install gettext)")
def test_the_po_files_hold_every_message_of_the_source_and_no_other(tmp_path, monkeypatch):
    """makemessages over a scratch copy of the source: the messages it finds are the ones
    translated. Fails when a string was added, changed or removed without `make messages`.
    (A copy, because makemessages writes into any locale/ folder beside the code it reads.)"""
    source = tmp_path / "source"
    for folder in SOURCE_FOLDERS:
        shutil.copytree(Path(settings.BASE_DIR) / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["ko"], verbosity=0, no_obsolete=True)
    fresh = {
        (e.msgctxt, e.msgid, e.msgid_plural) for e in polib.pofile(str(source / "locale/ko/LC_MESSAGES/django.po"))
    }
    for language in LANGUAGES:
        kept = {(e.msgctxt, e.msgid, e.msgid_plural) for e in po(language)}
        assert (sorted(fresh - kept), sorted(kept - fresh)) == ([], []), language
