"""Forms for a team's supervisor: assignment, revocation and the review filters."""

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.access.queries import access_review_people, team_caseworkers, team_members
from casework.models import AccessAction, PrivilegeKind
from casework.supervision import queries as review
from casework.web.forms import DateInput, FilterDateField, ReasonField, WordsForEmptyChoices


class AssignForm(WordsForEmptyChoices, forms.Form):
    """Assign a case to a caseworker of the supervisor's team. The choice of caseworker is
    limited to the team: anyone else is an invalid choice, not a silent success."""

    REASSIGN = "reassign"
    ADD = "add"

    caseworker: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        queryset=None, to_field_name="username", label=_("Caseworker")
    )
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            (REASSIGN, _("Reassign: the current caseworkers lose the case")),
            (ADD, _("Add: the current caseworkers keep the case (cover, shared work)")),
        ],
        initial=REASSIGN,
        widget=forms.RadioSelect,
    )
    ends_on = forms.DateField(
        label=_("Temporary until"),
        required=False,
        widget=DateInput,
        help_text=_("For cover during leave: access stops at the start of this day. Leave empty for no end."),
    )
    reason = ReasonField(multiline=True)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["caseworker"]).queryset = team_caseworkers(team)

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is not None and ends_on <= timezone.localdate():
            raise forms.ValidationError(_("A temporary assignment must end after today."))
        return ends_on


class RevokeForm(forms.Form):
    reason = ReasonField()


class ReviewFilterForm(forms.Form):
    """Filters for the timeline and the access review. People are named by username in the
    query string (no sequential ids in URLs) and limited to the team's members."""

    person: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        queryset=None, to_field_name="username", required=False, label=_("Caseworker"), empty_label=_("Anyone")
    )
    case = forms.CharField(label=_("Case number"), required=False, max_length=20)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    since = FilterDateField(label=_("From"))
    until = FilterDateField(label=_("To"))

    def __init__(self, *args, team, kinds, with_case=True, **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["person"]).queryset = team_members(team)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("All"))] + list(kinds)
        if not with_case:
            del self.fields["case"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def review_filter(self, **fixed) -> review.ReviewFilter:
        data = self.cleaned_data
        person = data.get("person")
        return review.ReviewFilter(
            user_id=person.pk if person else None,
            case_number=(data.get("case") or "").strip(),
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
            **fixed,
        )


def timeline_filter_form(data, *, team, with_case=True) -> ReviewFilterForm:
    return ReviewFilterForm(data, team=team, kinds=review.kind_choices(), with_case=with_case)


def access_filter_form(data, *, team, with_case=True) -> ReviewFilterForm:
    """The access review's filters: on the team-wide review the actions include changes
    of roles and teams, and the person may be a system admin who made one."""
    kinds = AccessAction.choices if not with_case else AccessAction.choices + PrivilegeKind.choices
    form = ReviewFilterForm(data, team=team, kinds=kinds, with_case=with_case)
    form.fields["kind"].label = _("Action")
    if with_case:
        people = cast("forms.ModelChoiceField[User]", form.fields["person"])
        people.queryset = access_review_people(team)
        people.label = _("Person")
    return form
