"""The person's own settings and sign-in forms."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from casework.accounts import passwords, services
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


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or a backup code. The form only checks the shape;
    casework.accounts.services checks the code against the person's devices."""

    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_token(self):
        token = self.cleaned_data["token"]
        self.device = services.verified_device(user=self.user, token=token)
        if self.device is None:
            raise forms.ValidationError(_("That code is not valid. Try the next code your app shows."), code="invalid")
        return token


class EnrolForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's password change (the current password, the new one twice, the validators),
    plus the second factor: a session left open, or a password seen over a shoulder, is not
    enough to take the account over."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    field_order = ["old_password", "new_password1", "new_password2", "token"]

    def clean_token(self):
        token = self.cleaned_data["token"]
        if services.verified_device(user=self.user, token=token) is None:
            raise forms.ValidationError(_("That code is not valid. Try the next code your app shows."), code="invalid")
        return token

    def save(self, commit=True):
        setattr(self.user, passwords.OWNER_CHOSE, True)
        user = super().save(commit=commit)
        services.password_changed_by_owner(user=user)
        return user
