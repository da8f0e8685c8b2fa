"""The person's own settings."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from casework.models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["discreet_mode", "language"]
        help_texts = {
            "discreet_mode": _("Show case numbers instead of names in lists, for when someone may see the screen."),
            "language": _("The language of every page, from now on and at every login, on any device."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in itself, so that anyone can find their own.
        language: forms.ChoiceField = self.fields["language"]  # type: ignore[assignment]
        language.choices = [("", _("The browser's language"))] + [
            (code, _local_name(code)) for code, _name in settings.LANGUAGES
        ]


def _local_name(code: str) -> str:
    return get_language_info(code)["name_local"]
