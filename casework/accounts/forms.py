"""The person's own settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["discreet_mode"]
        help_texts = {
            "discreet_mode": _("Show case numbers instead of names in lists, for when someone may see the screen.")
        }
