from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Agent, Scope

EXPIRY = [("30", _("in 30 days")), ("90", _("in 90 days")), ("365", _("in a year")), ("never", _("never"))]


class AgentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agent) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “Shop integration” or “Anna's scripts”.")
    )
    acts_as = AgentChoice(
        label=_("Acts as"),
        queryset=Agent.objects.active().select_related("user").order_by("user__first_name", "user__last_name"),
        required=False,
        empty_label=_("A new integration (not a person)"),
        help_text=_(
            "A person's token sees and does what that person may, within the scope. An integration "
            "sees every ticket (and may administer with the admin scope)."
        ),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "Read: look only. Read and write: also reply, assign, change tickets. Administration: also settings."
        ),
    )
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY, initial="90")

    def expires_at(self) -> datetime | None:
        value: Any = self.cleaned_data["expires"]
        return None if value == "never" else timezone.now() + timedelta(days=int(value))
