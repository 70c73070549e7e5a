from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from frontend.settings.forms.account import time_zones

# The demo data brings its own administrator of this name.
DEMO_ADMIN = "admin"


class SetupForm(forms.Form):
    company = forms.CharField(label=_("Company name"), max_length=200)
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zones)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"))
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("What you sign in with: letters, digits and @ . + - _"),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not like your name or email."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    first_channel = forms.ChoiceField(
        label=_("What do you want to connect first?"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_("You go straight to that screen after the setup; everything can be added later too."),
    )
    demo_data = forms.BooleanField(
        label=_("Add demo data (example teams, agents, customers and tickets) to try the hub"),
        required=False,
    )

    def __init__(self, *args: Any, channel_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first: forms.ChoiceField = self.fields["first_channel"]  # type: ignore[assignment]
        first.choices = [("", _("Nothing yet")), *(channel_choices or [])]
        self.fields["language"].initial = settings.LANGUAGE_CODE
        self.fields["time_zone"].initial = settings.TIME_ZONE

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            user = get_user_model()(
                username=data.get("username", ""), email=data.get("email", ""), first_name=data.get("first_name", "")
            )
            try:
                password_validation.validate_password(one, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if data.get("demo_data") and str(data.get("username", "")).lower() == DEMO_ADMIN:
            self.add_error("username", _("“admin” is the demo data's own login: choose another name."))
        return data
