"""Form pieces every page shares: one date input, one reason field with one length limit."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Reasons go into history beside every change; long enough for a paragraph, not a report.
REASON_MAX = 2000


class DateInput(forms.DateInput):
    """The browser's date picker, always fed ISO dates (the picker ignores other formats)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


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
