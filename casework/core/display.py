"""How a stored value reads to a person: one formatter for the conflict tables ("saved by
someone else" / "yours") and the supervisor's timeline (old → new), so a value never
reads one way on one page and another way on the next."""

import datetime
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from django.db.models import Field, Model
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

EMPTY = "—"

# What discreet mode hides wherever a record is shown or edited: the people's names and the
# village. Pages show "hidden" in their place; a form that edits them leaves them out until
# the user asks to see them (casework.web.discreet.conceal).
DISCREET_FIELDS = frozenset({"given_name", "family_name", "village"})

# What an access-log row was about, when it is not a case (AccessLog.object_type).
OBJECT_LABELS = {
    "access_log": gettext_lazy("the access log"),
    "aggregates": gettext_lazy("the aggregates"),
    "follow_up": gettext_lazy("the follow-ups"),
    "history": gettext_lazy("the change history"),
    "team": gettext_lazy("the team page"),
}


def object_label(object_type: str) -> str:
    """A word for an access-log object type, never the raw code."""
    return str(OBJECT_LABELS.get(object_type, _("another page")))


def display_value(value: object, choices: Iterable[tuple[Any, Any]] | None = None) -> str:
    """`choices` are (value, label) pairs: a choice value shows as its label."""
    if value is None or value == "":
        return EMPTY
    if choices:
        labels = dict(choices)
        if value in labels:
            return str(labels[value])
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value))
    return str(formats.localize(value))


def _is_cjk(text: str) -> bool:
    # Hangul syllables and jamo, CJK ideographs: names written without a space (김민지, 王晨).
    return any("\u1100" <= ch <= "\u11ff" or "\uac00" <= ch <= "\ud7af" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def full_name(person: Any) -> str:
    """Family name first, as Korean and Chinese names are written; no space between the
    parts of a name in Hangul or Chinese characters. An unknown name is a dash."""
    family, given = (person.family_name or "").strip(), (person.given_name or "").strip()
    if not (family or given):
        return EMPTY
    separator = "" if _is_cjk(family + given) else " "
    return separator.join(part for part in (family, given) if part)


@cache
def _choice_labels(model: type[Model], field_name: str, language: str | None) -> dict[Any, str]:
    field = model._meta.get_field(field_name)
    assert isinstance(field, Field)
    return {value: str(label) for value, label in field.flatchoices}


def choice_labels(model: type[Model], field_name: str) -> dict[Any, str]:
    """A choice field's labels in the active language, {value: label}: resolved once per
    language for the life of the process, not once per row (Django's get_FOO_display
    rebuilds the choice map on every call, which dominated the list pages)."""
    return _choice_labels(model, field_name, get_language())


@lru_cache(maxsize=8192)
def _date_in(language: str | None, value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def short_date(value: datetime.date | None) -> str:
    """A date as the `date:"DATE_FORMAT"` filter writes it in the active language (a dash
    for none), remembered per language: a list page writes fifty dates, mostly the same few."""
    if value is None:
        return EMPTY
    return _date_in(get_language(), value)


def local_datetime(value: datetime.datetime, format_name: str = "DATETIME_FORMAT") -> str:
    """A moment as the `date` filter writes it on a page: in the active time zone, in the
    active language's format (`format_name` a format setting's name or a format string,
    "c" for the ISO 8601 of a <time datetime>)."""
    return formats.date_format(timezone.localtime(value), format_name)
