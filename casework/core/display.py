"""How a stored value reads to a person: one formatter for the conflict tables ("saved by
someone else" / "yours") and the supervisor's timeline (old → new), so a value never
reads one way on one page and another way on the next."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
