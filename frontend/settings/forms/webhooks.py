"""A webhook's settings: its name, URL, the events it hears, and the team it is limited to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.models import Team, Webhook, WebhookTopic

TOPICS = [(value, label) for value, label in WebhookTopic.choices if value != WebhookTopic.PING]


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example “ERP” or “Slack #support”."))
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The hub POSTs JSON here, signed with the secret below. Use https:// outside your own network."),
    )
    topics = forms.MultipleChoiceField(
        label=_("Events"), choices=TOPICS, widget=forms.CheckboxSelectMultiple, help_text=_("Choose at least one.")
    )
    team = forms.ModelChoiceField(
        label=_("Only tickets of"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Every team"),
        help_text=_("The ticket's team at the moment of the event."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_url(self) -> str:
        value: str = self.cleaned_data["url"].strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError(_("The URL starts with http:// or https:// and names a host."))
        if parts.username or parts.password:
            raise forms.ValidationError(_("Put no user name or password in the URL; check the signature instead."))
        return value

    @classmethod
    def initial_of(cls, webhook: Webhook) -> dict[str, Any]:
        return {
            "name": webhook.name,
            "url": webhook.url,
            "topics": list(webhook.topics),
            "team": webhook.team_id,
            "active": webhook.active,
        }

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "url": data["url"],
            "topics": list(data["topics"]),
            "team": data["team"],
            "active": bool(data["active"]),
        }
