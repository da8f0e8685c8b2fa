"""Forms of a transfer between teams: propose (to which team, why), and the answers."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Team
from casework.transfers.queries import other_teams
from casework.web.forms import ReasonField


class ProposeForm(forms.Form):
    to_team: "forms.ModelChoiceField[Team]" = forms.ModelChoiceField(queryset=None, label=_("Transfer to team"))
    reason = ReasonField(
        multiline=True,
        help_text=_(
            "The receiving team reads this before it accepts the case, with the child's age and province only: "
            "do not write names, places or the case number here."
        ),
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Team]", self.fields["to_team"]).queryset = other_teams(team)


class AnswerForm(forms.Form):
    """Accept or withdraw: the reason is optional."""

    reason = ReasonField(required=False)


class RefuseForm(forms.Form):
    reason = ReasonField()
