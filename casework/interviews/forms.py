"""The field interview form: the interview, the mother now, the four doors now."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Interview
from casework.web.forms import DateInput, ReasonField, WordsForEmptyChoices
from children.forms import DoorForm
from families.models import MotherStatus, Whereabouts


class InterviewForm(WordsForEmptyChoices, forms.ModelForm):
    """The interview itself. The mother's status and the doors travel in their own forms
    (MotherNowForm, DoorNowForm) in the same <form> and the same transaction."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = Interview
        fields = ["held_on", "location_type", "participants", "notes", "risk_level", "follow_up_on"]
        widgets = {
            "held_on": DateInput(),
            "follow_up_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("held_on", timezone.localdate())
        self.initial.setdefault("submission_token", uuid.uuid4())

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError(_("An interview cannot be in the future."))
        if held_on.year < 2000:
            raise forms.ValidationError(_("Check the year of the interview."))
        return held_on

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        held_on, follow_up_on = cleaned.get("held_on"), cleaned.get("follow_up_on")
        if held_on and follow_up_on and follow_up_on < held_on:
            self.add_error("follow_up_on", _("The follow-up cannot be before the interview."))
        return cleaned

    def _post_clean(self):
        # The model's own validation would also run here; the service saves through
        # full_clean again, so skip constructing an instance from the form.
        pass


class MotherNowForm(forms.Form):
    """The mother's status as the interview found it. The hidden initial values tell
    whether the caseworker changed anything; only a change is written."""

    status = forms.ChoiceField(label=_("Mother's status"), choices=MotherStatus.choices, show_hidden_initial=True)
    whereabouts = forms.ChoiceField(label=_("Whereabouts"), choices=Whereabouts.choices, show_hidden_initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DoorNowForm(DoorForm):
    reason = None

    class Meta(DoorForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("status", "barrier", "note"):
            self.fields[name].show_hidden_initial = True
        self.fields["version"].required = True


class InterviewReasonForm(forms.Form):
    reason = ReasonField(required=False)
