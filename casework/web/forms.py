"""Form pieces every page shares: how widgets are drawn, one date input, one reason field
with one length limit."""

import datetime
from functools import cached_property
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template.exceptions import TemplateDoesNotExist
from django.utils.translation import gettext_lazy as _


class FormRenderer(Jinja2):
    """Widgets, fields and error lists drawn from Django's Jinja2 copies of its form
    templates (the same HTML, in half the time: settings.FORM_RENDERER), and from its
    Django-template ones for what has no Jinja2 copy: the admin's widgets."""

    @cached_property
    def _django_templates(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django_templates.get_template(template_name)


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


class WordsForEmptyChoices(forms.BaseForm):
    """Django shows an empty choice as "---------"; the form says what choosing it means:
    a required choice asks to choose, an optional one records nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label == "---------":
                    field.empty_label = _("Choose…")
            elif isinstance(field, forms.ChoiceField):
                empty = _("Choose…") if field.required else _("Not recorded")
                choices: Any = field.choices  # flat (value, label) pairs in our forms
                field.choices = [
                    (value, empty if value == "" and label == "---------" else label) for value, label in choices
                ]
