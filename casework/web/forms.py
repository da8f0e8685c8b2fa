"""Form pieces every page shares: one date input, one reason field with one length limit."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

# Reasons go into history beside every change; long enough for a paragraph, not a report.
REASON_MAX = 2000


class DateInput(forms.DateInput):
    """The browser's date picker, always fed ISO dates (the picker ignores other formats)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# What a date filter accepts: every record the application holds lies in between, and a
# date outside (9999-12-31, 0001-01-01) would overflow the day after or the time zone.
FILTER_DATE_MIN = datetime.date(1900, 1, 1)
FILTER_DATE_MAX = datetime.date(2199, 12, 31)


class FilterDateField(forms.DateField):
    """An optional date in a list filter ("from", "to"): the date input, and a form error
    for a date no record can have, never a 500."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(widget=DateInput, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": FILTER_DATE_MIN.isoformat(), "last": FILTER_DATE_MAX.isoformat()},
            )


class ReasonField(forms.CharField):
    """Why a change was made. Required reasons refuse whitespace with "Say why." rather
    than Django's generic "This field is required."."""

    def __init__(self, *, label=None, required=True, multiline=False, **kwargs):
        widget = forms.Textarea(attrs={"rows": 2}) if multiline else forms.TextInput(attrs={"autocomplete": "off"})
        kwargs.setdefault("error_messages", {"required": _("Say why.")})
        super().__init__(
            label=label if label is not None else (_("Reason") if required else _("Reason (optional)")),
            required=required,
            max_length=REASON_MAX,
            strip=True,
            widget=widget,
            **kwargs,
        )
