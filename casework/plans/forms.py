"""Forms of the case plan, partners, services and referrals. Forms validate; the services
of casework.plans.services write (and check again what the data requires)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Partner, PlanGoal, Referral, ReferralStatus, Service
from casework.plans import queries
from casework.plans.services import NEXT_STATUSES, ServiceEntry, check_amount
from casework.web.forms import DateInput, ReasonField, WordsForEmptyChoices
from children.forms import VersionedForm
from children.models import Child
from families.models import Province


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, partner):
        return f"{partner.name} ({partner.get_kind_display()})"


class PartnerForm(VersionedForm):
    province = forms.ChoiceField(label=_("Province"), choices=Province.choices)

    class Meta:
        model = Partner
        fields = ["name", "kind", "province", "county", "contact", "active"]


class NewPartnerForm(PartnerForm):
    version = None

    class Meta(PartnerForm.Meta):
        fields = ["name", "kind", "province", "county", "contact"]


class ResponsibleField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_username()


class GoalForm(VersionedForm):
    responsible = ResponsibleField(queryset=Partner.objects.none(), label=_("Responsible"))

    class Meta:
        model = PlanGoal
        fields = ["area", "text", "status", "target_on", "responsible"]
        widgets = {"target_on": DateInput(), "text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, child: Child, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queries.responsible_people(child)
        if self.instance._state.adding and by is not None:
            self.initial.setdefault("responsible", by.pk)


class NewGoalForm(GoalForm):
    version = None

    class Meta(GoalForm.Meta):
        fields = ["area", "text", "target_on", "responsible"]


class ServiceForm(WordsForEmptyChoices, forms.ModelForm):
    """A service on its own (the case page) or, with `optional`, beside an interview: left
    empty, no service is recorded; begun, it must be whole."""

    partner = PartnerChoiceField(queryset=Partner.objects.none(), required=False, label=_("Partner"))
    reason = None

    class Meta:
        model = Service
        fields = ["kind", "given_on", "partner", "amount_yuan", "note"]
        widgets = {
            "given_on": DateInput(),
            "amount_yuan": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args, child: Child, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queries.team_partners(child.team_id, active_only=True)
        if optional:
            for name in ("kind", "given_on"):
                self.fields[name].required = False
            self.fields["given_on"].help_text = _("Empty: the day of the interview.")
        else:
            self.initial.setdefault("given_on", timezone.localdate())

    def is_empty(self) -> bool:
        """Beside an interview: nothing typed in, so nothing to record."""
        return self.optional and not self.cleaned_data.get("kind")

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if self.optional and not cleaned.get("kind"):
            if any(cleaned.get(name) for name in ("partner", "amount_yuan", "note")):
                self.add_error("kind", _("Choose the service, or clear the other service fields."))
            return cleaned
        given_on = cleaned.get("given_on")
        if given_on and given_on > timezone.localdate():
            self.add_error("given_on", _("A service cannot be in the future."))
        if cleaned.get("kind") and "amount_yuan" not in self.errors:
            try:
                check_amount(cleaned["kind"], cleaned.get("amount_yuan"))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def _post_clean(self):
        # The service validates and saves the row (with the same rules).
        pass

    def entry(self, *, given_on=None) -> ServiceEntry:
        """The service to record; beside an interview an empty date is the interview's."""
        data = self.cleaned_data
        return ServiceEntry(
            kind=data["kind"],
            given_on=data.get("given_on") or given_on,
            partner=data.get("partner"),
            amount_yuan=data.get("amount_yuan"),
            note=data.get("note", ""),
        )


class ReferralForm(WordsForEmptyChoices, forms.ModelForm):
    partner = PartnerChoiceField(queryset=Partner.objects.none(), label=_("Refer to"))
    send = forms.BooleanField(label=_("Send it now"), required=False)
    reason = ReasonField(required=False)

    class Meta:
        model = Referral
        fields = [
            "partner",
            "area",
            "need",
            "share_name",
            "share_age",
            "share_door",
            "share_medical",
            "medical_details",
            "consent_given_on",
            "consent_method",
        ]
        widgets = {"consent_given_on": DateInput()}

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queries.team_partners(child.team_id, active_only=True)
        # Each box reads as the guardian's consent on its own, without a heading.
        self.fields["share_name"].label = _("The guardian agreed to share the child's name")
        self.fields["share_age"].label = _("The guardian agreed to share the child's age")
        self.fields["share_door"].label = _("The guardian agreed to share the door concerned")
        self.fields["share_medical"].label = _("The guardian agreed to share medical details")

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("share_medical") and not (cleaned.get("medical_details") or "").strip():
            self.add_error("medical_details", _("Write the medical details the guardian agreed to disclose."))
        given_on, method = cleaned.get("consent_given_on"), cleaned.get("consent_method")
        if bool(given_on) != bool(method):
            self.add_error(
                "consent_method" if given_on else "consent_given_on",
                _("Record both when and how the guardian gave consent, or neither."),
            )
        if given_on and given_on > timezone.localdate():
            self.add_error("consent_given_on", _("Consent cannot be given in the future."))
        if cleaned.get("send") and not (given_on and method):
            self.add_error("send", _("A referral cannot be sent before the guardian's consent is recorded."))
        return cleaned

    def _post_clean(self):
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = ReasonField(required=False)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ReferralStatus.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in NEXT_STATUSES.get(referral.status, ())]  # type: ignore[attr-defined]
        self.initial.setdefault("version", referral.version)


class OverrideForm(forms.Form):
    reason = ReasonField(label=_("Why it must be sent without the guardian's consent"), multiline=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
