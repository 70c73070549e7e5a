"""Forms of two-factor sign-in: confirming an app, switching it off, and the admins' requirement."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

_CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        widget=forms.TextInput(attrs=_CODE_ATTRS),
        help_text=_("The 6 digits the app shows now for this hub."),
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from the app or a recovery code"), max_length=20, widget=forms.TextInput(attrs=_CODE_ATTRS)
    )


class SecurityForm(forms.Form):
    require_two_factor_for_admins = forms.BooleanField(
        label=_("Require two-factor sign-in for administrators"),
        required=False,
        help_text=_(
            "Administrators without an authenticator app are sent to set one up before they can use the "
            "workspace or the settings. Other agents may add one when they like. API tokens are not affected."
        ),
    )
