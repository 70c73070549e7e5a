"""The phone number form of Settings → Phone numbers: credentials are write-only, kept when left empty."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels_phone import numbers
from channels_phone.api import check_credentials
from channels_phone.models import PhoneNumber, ProviderKind
from hub.crypto import is_stored
from hub.models import BusinessCalendar, Team
from hub.settings_forms import TeamChoice

SECRETS = ("auth_token", "webhook_secret")
SECRET_LABELS = {"auth_token": _("Auth token"), "webhook_secret": _("Webhook signing secret")}


class CalendarChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: BusinessCalendar) -> str:
        return obj.name


class NumberField(forms.CharField):
    """A phone number typed in any usual form (030 901820, +49 30 901820): E.164 out, shown
    in the international form agents read."""

    def prepare_value(self, value: Any) -> Any:
        return numbers.display(value) if isinstance(value, str) and value.startswith("+") else value

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        normalized = numbers.e164(text)
        if not normalized:
            raise forms.ValidationError(
                _("“%(value)s” is no valid phone number; write it with the country code, e.g. +49 30 123456."),
                params={"value": text},
            )
        return normalized


class PhoneNumberForm(forms.ModelForm):
    number = NumberField(label=_("Number"), max_length=32)
    provider = forms.ChoiceField(label=_("Provider"))
    auth_token_new = forms.CharField(
        label=SECRET_LABELS["auth_token"], required=False, max_length=500, strip=False, widget=forms.PasswordInput
    )
    auth_token_clear = forms.BooleanField(label=_("Remove the stored auth token"), required=False)
    webhook_secret_new = forms.CharField(
        label=SECRET_LABELS["webhook_secret"],
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput,
    )
    webhook_secret_clear = forms.BooleanField(label=_("Remove the stored webhook secret"), required=False)
    team = TeamChoice(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("No team (admins and leads see its tickets)"),
    )
    greeting_audio_url = forms.URLField(
        label=_("Greeting audio (URL)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Played instead of the spoken greeting."),
    )
    calendar = CalendarChoice(
        label=_("Business hours"),
        queryset=BusinessCalendar.objects.order_by("name"),
        required=False,
        empty_label=_("The team's business hours"),
        help_text=_("Outside these hours callers reach the voicemail; callbacks fall due within them."),
    )

    class Meta:
        model = PhoneNumber
        fields = [
            "number", "name", "enabled", "provider", "account_sid", "team", "calendar",
            "greeting", "greeting_audio_url", "language", "voicemail", "sms",
        ]  # fmt: skip
        labels = {
            "name": _("Name"),
            "enabled": _("Enabled"),
            "account_sid": _("Account SID or API user"),
            "greeting": _("Greeting"),
            "language": _("Language of the greeting"),
            "voicemail": _("Voicemail"),
            "sms": _("SMS"),
        }
        help_texts = {
            "name": _("Shown to agents beside the number, e.g. “Hotline”."),
            "account_sid": _("Twilio: the Account SID (AC…). Generic provider: the user or token id of its API."),
            "greeting": _("Spoken when a call comes in."),
            "language": _("The voice of the greeting, e.g. de-DE or en-GB."),
            "voicemail": _("Callers leave a message when nobody answers or outside business hours."),
            "sms": _("Texts to this number become tickets, and agents answer them by SMS."),
        }
        widgets = {"greeting": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(ProviderKind.TWILIO.value, ProviderKind.TWILIO.label)]
        choices.append((ProviderKind.GENERIC.value, ProviderKind.GENERIC.label))
        # The test outbox is for development; a number already on it may stay there.
        if self.instance.provider == ProviderKind.OUTBOX:
            choices.append((ProviderKind.OUTBOX.value, ProviderKind.OUTBOX.label))
        provider_field: forms.ChoiceField = self.fields["provider"]  # type: ignore[assignment]
        provider_field.choices = choices
        for name in SECRETS:
            stored = is_stored(self.instance, name)
            self.fields[f"{name}_new"].help_text = (
                _("A secret is stored; leave this empty to keep it.") if stored else _("No secret is stored.")
            )
            if not stored:
                del self.fields[f"{name}_clear"]
        self.fields["webhook_secret_new"].help_text = (
            str(self.fields["webhook_secret_new"].help_text)
            + " "
            + str(_("Generic provider only; Twilio signs its requests with the auth token."))
        )

    def clean_number(self) -> str:
        number: str = self.cleaned_data["number"]
        taken = PhoneNumber.objects.filter(number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("%(number)s is configured already."), params={"number": numbers.display(number)}
            )
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "provider" not in data:
            return data
        secrets = self.secrets()

        def stored(name: str) -> bool:
            value = secrets[name]
            return bool(value) if value is not None else is_stored(self.instance, name)

        sid = data.get("account_sid") or ""
        problems = check_credentials(data["provider"], sid, stored("auth_token"), stored("webhook_secret"))
        if "account_sid" in problems:
            self.add_error(
                "account_sid",
                _("A Twilio Account SID starts with AC.") if sid else _("Required for this provider."),
            )
        if "auth_token" in problems:
            self.add_error("auth_token_new", _("Required for this provider."))
        if "webhook_secret" in problems:
            self.add_error("webhook_secret_new", _("The generic provider signs its webhooks with it: required."))
        return data

    def secrets(self) -> dict[str, str | None]:
        """{field: new value, "" to remove, None to keep} for the credentials."""
        found: dict[str, str | None] = {}
        for name in SECRETS:
            if self.cleaned_data.get(f"{name}_new"):
                found[name] = self.cleaned_data[f"{name}_new"]
            elif self.cleaned_data.get(f"{name}_clear"):
                found[name] = ""
            else:
                found[name] = None
        return found

    FIELDSETS = (
        (_("Number"), ("number", "name", "enabled", "team")),
        (
            _("Provider"),
            ("provider", "account_sid", "auth_token_new", "auth_token_clear", "webhook_secret_new",
             "webhook_secret_clear"),
        ),
        (_("Calls"), ("calendar", "greeting", "greeting_audio_url", "language", "voicemail")),
        (_("Texts"), ("sms",)),
    )  # fmt: skip

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[n] for n in names if n in self.fields]) for title, names in self.FIELDSETS]
