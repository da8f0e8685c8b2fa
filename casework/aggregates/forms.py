"""The dashboard's filter form: predefined values only, turned into `export.Filters`.

The same form validates the page and its downloads, so a value that is not on the list (a
province, a year that has interviews) never reaches a query, a file name or a link.
"""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.aggregates.export import Filters
from casework.web.forms import ReasonField
from families.models import Province


class FilterForm(forms.Form):
    """Predefined values only: a province of the list, a year that has interviews."""

    province = forms.ChoiceField(label=_("Province"), required=False, choices=[("", _("All provinces"))])
    year = forms.TypedChoiceField(label=_("Interviews in"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Mapping[str, Any] | None, *, years: Iterable[int]) -> None:
        super().__init__(data)
        # cast: `fields` is typed as plain Fields; these two are the ChoiceFields declared above.
        cast(forms.ChoiceField, self.fields["province"]).choices = [("", _("All provinces")), *Province.choices]
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            ("", _("All years")),
            *((str(y), str(y)) for y in years),
        ]

    def filters(self) -> Filters:
        return Filters(province=self.cleaned_data["province"], year=self.cleaned_data["year"])


class ReleaseForm(forms.Form):
    """Which published release to show or download: one of the list, the latest by default."""

    release = forms.TypedChoiceField(label=_("Release"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Mapping[str, Any] | None, *, numbers: Iterable[int]) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["release"]).choices = [(str(n), str(n)) for n in numbers]


class PublishForm(forms.Form):
    """A new release needs a reason (kept with the release, never in the access log)."""

    reason = ReasonField(label=_("Why publish a new release"))
