"""The field interview form: the interview, the mother now, the four doors now."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.core.tracked import StaleEdit
from casework.models import Interview
from casework.web.conflicts import carry_newer_version, conflict_rows
from casework.web.forms import DateInput, ReasonField, WordsForEmptyChoices
from children.forms import DoorForm
from children.models import DocumentKind
from children.services import DoorUpdate
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


def interview_forms(child, data=None):
    """The online form and the offline sync both build these: the interview, its reason,
    the four doors now and the mother now, from the same field names."""
    doors = {door.kind: door for door in child.document_access.all()}
    mother = child.family.mother
    forms = {
        "interview": InterviewForm(data, prefix="interview"),
        "reason": InterviewReasonForm(data, prefix="reason"),
        "doors": [DoorNowForm(data, instance=doors[kind], prefix=f"door-{kind}") for kind in DocumentKind.values],
        "mother": None,
    }
    if mother is not None:
        forms["mother"] = MotherNowForm(
            data,
            prefix="mother",
            initial={"status": mother.status, "whereabouts": mother.whereabouts, "version": mother.version},
        )
    return forms


def all_valid(forms) -> bool:
    parts = [forms["interview"], forms["reason"], *forms["doors"]] + ([forms["mother"]] if forms["mother"] else [])
    return all([form.is_valid() for form in parts])  # a list, so every form shows its errors


def interview_changes(forms) -> dict:
    """Only what the caseworker changed on the form is written; untouched parts are left
    alone even if someone else has changed them meanwhile."""
    mother, doors, versions = None, {}, {}
    if forms["mother"] is not None and forms["mother"].has_changed():
        mother = forms["mother"].cleaned_data
        versions["mother"] = mother["version"]
    for form in forms["doors"]:
        if form.has_changed():
            data = form.cleaned_data
            doors[form.instance.kind] = DoorUpdate(status=data["status"], barrier=data["barrier"], note=data["note"])
            versions[form.instance.kind] = data["version"]
    return {
        "mother_status": mother["status"] if mother else None,
        "mother_whereabouts": mother["whereabouts"] if mother else None,
        "doors": doors,
        "expected_versions": versions,
    }


def interview_conflict(forms, stale: StaleEdit) -> dict:
    record = stale.instance
    if record._meta.model_name == "mother":
        form, title = forms["mother"], _("Mother's status")
        rows = conflict_rows(form, record, fields=("status", "whereabouts"))
    else:
        form = next(f for f in forms["doors"] if f.instance.kind == record.kind)
        title, rows = record.get_kind_display(), conflict_rows(form, record)
    carry_newer_version(form, record)
    return {"title": title, "rows": rows}
