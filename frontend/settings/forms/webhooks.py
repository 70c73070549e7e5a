"""A webhook's settings: its name, URL, the events it hears, and the team it is limited to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Team, Webhook, WebhookTopic
from hub.webhooks.address import checked_url

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
    # When the page was drawn: a webhook paused automatically since stays paused (do_save_webhook).
    drawn_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def clean_url(self) -> str:
        return checked_url(self.cleaned_data["url"])

    @classmethod
    def initial_of(cls, webhook: Webhook) -> dict[str, Any]:
        # As ISO with its offset: read back unchanged whatever the zone (a naive local time is
        # ambiguous in the autumn's repeated hour, and the field's error would not show).
        return webhook.editable() | {"drawn_at": timezone.now().isoformat()}

    def values(self) -> dict[str, Any]:
        """``do_save_webhook``'s keyword arguments."""
        return {field: self.cleaned_data[field] for field in (*Webhook.EDITABLE, "drawn_at")}
