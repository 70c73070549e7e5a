"""The operator's back door (admins use the settings area): numbers with write-only secrets,
agents' lines, and the channel's records of calls and texts, read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from channels_phone.models import AgentLine, Call, OutboundText, PhoneNumber, Recording, SmsOptOut
from hub.crypto import is_stored

SECRETS = ("auth_token", "webhook_secret")
# The admin builds its forms anew with its own callback (formfield_for_dbfield), which replaces a
# form's Meta.formfield_callback: without this their URL fields assume http, with Django's
# RemovedInDjango60Warning, and "example.com/greeting.mp3" would be stored as http://….
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


def _formfield(field: Any, **kwargs: Any) -> Any:
    # The same rule for the form class's own fields: https, Django 6's default, without its warning.
    # Looked up along the field's classes, as the admin reads its overrides.
    overrides = next((URL_FIELDS[k] for k in type(field).mro() if k in URL_FIELDS), {})
    return field.formfield(**(overrides | kwargs))


class PhoneNumberForm(forms.ModelForm):
    """Secrets are write-only: never sent to the browser, replaced only when typed."""

    # Not named like the model fields: a ModelForm would copy an empty entry onto the number.
    auth_token_new = forms.CharField(
        label=_("auth token"), required=False, max_length=500, strip=True, widget=forms.PasswordInput
    )
    auth_token_clear = forms.BooleanField(label=_("remove the stored auth token"), required=False)
    webhook_secret_new = forms.CharField(
        label=_("webhook secret"), required=False, max_length=500, strip=True, widget=forms.PasswordInput
    )
    webhook_secret_clear = forms.BooleanField(label=_("remove the stored webhook secret"), required=False)

    class Meta:
        model = PhoneNumber
        formfield_callback = _formfield  # this class's own fields; the admin's are URL_FIELDS
        fields = [
            "number", "name", "enabled", "provider", "account_sid", "auth_token_new", "auth_token_clear",
            "webhook_secret_new", "webhook_secret_clear", "team", "sms", "voicemail", "greeting",
            "greeting_audio_url", "language", "calendar",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            stored = is_stored(self.instance, name)
            self.fields[f"{name}_new"].help_text = (
                _("A secret is stored; leave this empty to keep it.") if stored else _("No secret is stored.")
            )
            if not stored:
                self.fields[f"{name}_clear"].widget = forms.HiddenInput()

    def save(self, commit: bool = True) -> PhoneNumber:
        number = super().save(commit=False)
        for name in SECRETS:
            if self.cleaned_data.get(f"{name}_new"):
                setattr(number, name, self.cleaned_data[f"{name}_new"])
            elif self.cleaned_data.get(f"{name}_clear"):
                setattr(number, name, "")
        if commit:
            number.save()
            self.save_m2m()
        return number


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    form = PhoneNumberForm
    formfield_overrides = URL_FIELDS
    list_display = ("number", "name", "provider", "team", "enabled", "sms", "voicemail")
    list_filter = ("provider", "enabled", "sms")


@admin.register(AgentLine)
class AgentLineAdmin(admin.ModelAdmin):
    list_display = ("agent", "phone", "client", "enabled")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnly):
    list_display = ("call_sid", "from_number", "to_number", "status", "answered_by", "started_at", "duration")
    list_filter = ("status", "provider")


@admin.register(Recording)
class RecordingAdmin(ReadOnly):
    # Its read-only page still builds a form of every field (to list them).
    formfield_overrides = URL_FIELDS
    list_display = ("recording_sid", "call", "state", "attempts", "created_at")


@admin.register(OutboundText)
class OutboundTextAdmin(ReadOnly):
    list_display = ("message", "to_number", "external_id", "report_status", "reported_at")


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ("phone", "opted_out", "keyword", "changed_at")
