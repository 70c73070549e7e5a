"""The agent's own email signature: edited here, shown (filled in) below the composer's text."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.auth import agent_required
from hub.actions.profile import MAX_SIGNATURE, do_set_signature
from hub.canned import KNOWN
from hub.models import Agent


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label=gettext_lazy("Your signature"),
        required=False,
        strip=False,
        max_length=MAX_SIGNATURE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Ends your email replies, above the mailbox's signature. Empty: none."),
    )


@agent_required
def signature(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = SignatureForm(request.POST or None, initial={"signature": agent.signature})
    if request.method == "POST" and form.is_valid():
        do_set_signature(agent, form.cleaned_data["signature"])
        messages.success(request, _("Your signature is saved."))
        return redirect("agent_signature")
    return render(request, "frontend/signature.html", {"form": form, "placeholders": KNOWN})
