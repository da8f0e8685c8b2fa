"""Forms for the case pages. Forms validate; services write (children.services,
families.services)."""

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.web.forms import DateInput, ReasonField, WordsForEmptyChoices
from children.models import AccessStatus, CaseStatus, Child, DocumentAccess, DocumentKind, OtherName
from families.models import EARLIEST_YEAR, Family, Father, Mother, MotherStatus


def _not_in_future(value, message):
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


def _year_field(label, required=False):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=EARLIEST_YEAR,
        # max is today's year, checked in clean (a class attribute would freeze the year)
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _check_year(value, label):
    if value is not None and value > timezone.localdate().year:
        raise forms.ValidationError(_("%(label)s cannot be in the future.") % {"label": label})
    return value


class VersionedForm(WordsForEmptyChoices, forms.ModelForm):
    """Carries the version the form was opened at, so a save over someone else's newer
    change is detected (children.services.StaleEdit) instead of overwriting it."""

    # Required when the form edits an existing record (a save without it would skip the
    # version check); a form without them (NewChildForm, ...) sets them to None.
    # (the check is in clean(): a hidden field's own error would not be shown).
    version: forms.IntegerField | None = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    reason: ReasonField | None = ReasonField(label=_("Reason for the change (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and "version" in self.fields:
            self.initial.setdefault("version", self.instance.version)

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        editing = not self.instance._state.adding and "version" in self.fields
        if editing and cleaned.get("version") is None:
            self.add_error(None, _("This form is incomplete: reload the page and make the change again."))
        return cleaned

    def values(self) -> dict:
        # A field taken out of the form (discreet mode's names) is left as it is.
        return {name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.fields}


class ChildForm(VersionedForm):
    class Meta:
        model = Child
        fields = [
            "family_name",
            "given_name",
            "date_of_birth",
            "birth_year_estimated",
            "sex",
            "living_arrangement",
            "hukou_status",
            "consent_recorded_on",
        ]
        widgets = {"date_of_birth": DateInput(), "consent_recorded_on": DateInput()}

    def clean_date_of_birth(self):
        value = _not_in_future(self.cleaned_data.get("date_of_birth"), _("A date of birth cannot be in the future."))
        if value is not None and value.year < 1990:
            raise forms.ValidationError(_("A child in this caseload was born in 1990 or later."))
        return value

    def clean_consent_recorded_on(self):
        return _not_in_future(
            self.cleaned_data.get("consent_recorded_on"), _("Consent cannot be recorded in the future.")
        )


class NewChildForm(ChildForm):
    """The child part of "open a case": no version yet."""

    version = None
    reason = None

    class Meta(ChildForm.Meta):
        pass


class FamilyForm(VersionedForm):
    class Meta:
        model = Family
        fields = ["province", "county", "village", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class NewFamilyForm(FamilyForm):
    version = None
    reason = None

    class Meta(FamilyForm.Meta):
        pass


class MotherForm(VersionedForm):
    birth_year = _year_field(_("Birth year"))
    arrived_china_year = _year_field(_("Year arrived in China"))

    class Meta:
        model = Mother
        fields = [
            "family_name",
            "given_name",
            "birth_year",
            "origin_province",
            "arrived_china_year",
            "status",
            "status_changed_on",
            "whereabouts",
        ]
        widgets = {"status_changed_on": DateInput()}

    def clean_birth_year(self):
        return _check_year(self.cleaned_data.get("birth_year"), _("A birth year"))

    def clean_arrived_china_year(self):
        return _check_year(self.cleaned_data.get("arrived_china_year"), _("The year of arrival"))

    def clean_status_changed_on(self):
        return _not_in_future(self.cleaned_data.get("status_changed_on"), _("The status date cannot be in the future."))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        born, arrived = cleaned.get("birth_year"), cleaned.get("arrived_china_year")
        if born and arrived and arrived < born:
            self.add_error("arrived_china_year", _("She cannot have arrived before she was born."))
        return cleaned


class NewMotherForm(MotherForm):
    version = None
    reason = None

    class Meta(MotherForm.Meta):
        pass


class FatherForm(VersionedForm):
    birth_year = _year_field(_("Birth year"))
    supports_registration = forms.NullBooleanField(
        label=_("Supports the child's registration"), required=False, widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Father
        fields = ["family_name", "given_name", "birth_year", "hukou_county", "present", "supports_registration"]

    def clean_birth_year(self):
        return _check_year(self.cleaned_data.get("birth_year"), _("A birth year"))


class NewFatherForm(FatherForm):
    version = None
    reason = None

    class Meta(FatherForm.Meta):
        pass


class DoorForm(VersionedForm):
    class Meta:
        model = DocumentAccess
        fields = ["status", "barrier", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("status") == AccessStatus.HAS_ACCESS:
            cleaned["barrier"] = ""
        return cleaned


class SiblingFamilyField(forms.ModelChoiceField):
    def label_from_instance(self, family):
        numbers = ", ".join(child.case_number for child in family.visible_children)
        return _("Family of %(cases)s") % {"cases": numbers}


class FamilyChoiceForm(forms.Form):
    """For a sibling: the family of a case the user may already see."""

    family = SiblingFamilyField(queryset=Family.objects.none(), required=False, label=_("Same family as"))

    def __init__(self, *args, families=None, **kwargs):
        super().__init__(*args, **kwargs)
        family = cast(SiblingFamilyField, self.fields["family"])
        family.queryset = families if families is not None else Family.objects.none()
        family.empty_label = _("A new family")


class CloseCaseForm(forms.Form):
    reason = ReasonField(label=_("Why is the case closed?"), multiline=True)


class ReopenCaseForm(forms.Form):
    reason = ReasonField(label=_("Why is the case reopened?"), multiline=True)


ORDERINGS = {
    "case_number": ("case_number",),
    "-case_number": ("-case_number",),
    "name": ("family_name", "given_name", "case_number"),
    "-name": ("-family_name", "-given_name", "case_number"),
    "age": ("-date_of_birth", "case_number"),
    "-age": ("date_of_birth", "case_number"),
    "last_interview": ("last_interview", "case_number"),
    "-last_interview": ("-last_interview", "case_number"),
    "follow_up": ("next_follow_up", "case_number"),
    "-follow_up": ("-next_follow_up", "case_number"),
}


class CaseFilterForm(forms.Form):
    """Search, filters and sorting of "my cases". Unknown values are ignored, never an error
    page: the sort key is looked up in an allowlist, never passed to order_by as given."""

    q = forms.CharField(label=_("Name or case number"), required=False, max_length=100)
    case_status = forms.ChoiceField(
        label=_("Case"), required=False, choices=[("", _("Open and closed")), *CaseStatus.choices]
    )
    mother_status = forms.ChoiceField(
        label=_("Mother"), required=False, choices=[("", _("Any status")), *MotherStatus.choices]
    )
    shut_door = forms.ChoiceField(label=_("Door shut"), required=False, choices=[("", _("Any")), *DocumentKind.choices])
    overdue = forms.BooleanField(label=_("Follow-up overdue"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("case_number", _("Case number")),
            ("name", _("Name")),
            ("age", _("Youngest first")),
            ("-last_interview", _("Last interview, latest first")),
            ("last_interview", _("Last interview, longest ago first")),
            ("follow_up", _("Next follow-up")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)

    def filters(self) -> dict:
        self.is_valid()  # invalid fields drop out of cleaned_data and fall back to defaults
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            "case_status": data.get("case_status", ""),
            "mother_status": data.get("mother_status", ""),
            "shut_door": data.get("shut_door", ""),
            "overdue": data.get("overdue", False),
            "ordering": ORDERINGS.get(data.get("sort") or "case_number", ORDERINGS["case_number"]),
            "page": data.get("page") or 1,
        }


class OtherNameForm(forms.ModelForm):
    """Another name or spelling of the child, the mother or the father, and where it was seen."""

    reason = ReasonField(label=_("Reason for the change (optional)"), required=False)

    class Meta:
        model = OtherName
        fields = ["person", "family_name", "given_name", "seen_in"]
        help_texts = {"seen_in": _("For example: birth certificate, school register, the father's Chinese ID.")}

    def clean(self):
        cleaned = super().clean() or {}
        if not (cleaned.get("family_name") or cleaned.get("given_name")):
            raise forms.ValidationError(_("Give a family name, a given name or both."))
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RemoveOtherNameForm(forms.Form):
    other_name = forms.UUIDField(widget=forms.HiddenInput)
    reason = ReasonField(label=_("Why is it removed?"))
