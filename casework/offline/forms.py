"""The forms of field work without a connection: a team's offline limits."""

from django import forms

from casework.models import OfflineSettings
from casework.web.forms import ReasonField


class OfflineSettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = ReasonField(required=False)

    class Meta:
        model = OfflineSettings
        fields = ["max_cases", "expiry_hours", "include_village", "include_notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, most in (("max_cases", 100), ("expiry_hours", 720)):
            self.fields[name] = forms.IntegerField(label=self.fields[name].label, min_value=1, max_value=most)
        self.initial.setdefault("version", self.instance.version)

    def _post_clean(self):
        # The service saves through full_clean; the form does not build the row itself.
        pass
