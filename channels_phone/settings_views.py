"""Settings → Phone numbers: the list, a number's page with the webhook addresses to set at the
provider, deleting one.

Registered by the app (``register_settings`` in ``ready()``) and drawn in the settings area's
frame; the hub and the frontend never import this module. Admins change numbers, leads look.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_phone import numbers
from channels_phone.models import PhoneNumber, ProviderKind
from channels_phone.settings_actions import InUse, do_delete_phone_number, do_save_phone_number
from channels_phone.settings_forms import SECRET_LABELS, PhoneNumberForm
from hub import settings_area
from hub.crypto import is_stored
from hub.models import Agent
from hub.public_url import absolute, site_url_configured

KEY = "phone-numbers"

# The webhooks an admin sets at the provider for the number; the others (dial, recording,
# delivery reports) are named in our own answers and requests.
WEBHOOKS = (
    ("voice", gettext_lazy("A call comes in (voice URL)")),
    ("status", gettext_lazy("Call status changes (status callback)")),
    ("sms", gettext_lazy("A text comes in (messaging URL)")),
)


def register_settings() -> None:
    settings_area.register(
        settings_area.Section(
            key=KEY,
            label=gettext_lazy("Phone numbers"),
            group=settings_area.CHANNELS,
            urls="channels_phone.settings_urls",
            icon="phone",
            order=40,
            leads=settings_area.LeadAccess.VIEW,
            description=gettext_lazy("Numbers callers and texters reach: provider, team, hours, voicemail and SMS."),
        )
    )


def _get(pk: int) -> PhoneNumber:
    number = PhoneNumber.objects.select_related("team", "calendar").filter(pk=pk).first()
    if number is None:
        raise Http404("no such phone number")
    return number


def webhook_urls(number: PhoneNumber, request: HttpRequest) -> list[tuple[str, str]]:
    """(what it is for, address) for the provider's console, on the hub's public address."""
    if number.provider not in (ProviderKind.TWILIO, ProviderKind.GENERIC):
        return []
    return [
        (str(label), absolute(reverse(f"channels_phone:{name}", args=[number.provider]), request))
        for name, label in WEBHOOKS
    ]


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = PhoneNumber.objects.select_related("team", "calendar").order_by("number")
    if q:
        digits = numbers.e164(q)
        rows = rows.filter(Q(number__icontains=digits or q) | Q(name__icontains=q))
    if status in ("enabled", "disabled"):
        rows = rows.filter(enabled=status == "enabled")
    listed = [
        {
            "number": row,
            "display": numbers.display(row.number),
            "credentials": is_stored(row, "auth_token")
            and (row.provider != ProviderKind.GENERIC or is_stored(row, "webhook_secret")),
        }
        for row in rows
    ]
    return render(request, "channels_phone/settings/index.html", {"rows": listed, "q": q, "status": status})


@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    before = _get(pk) if pk is not None else None
    instance = _get(pk) if pk is not None else PhoneNumber()
    form = PhoneNumberForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        number: PhoneNumber = form.save(commit=False)
        changes = do_save_phone_number(agent, number, secrets=form.secrets(), before=before)
        settings_area.saved(request, changes, dict(SECRET_LABELS), form=form, created=pk is None)
        return redirect("settings:phone-numbers:detail", pk=number.pk)
    return render(
        request,
        "channels_phone/settings/edit.html",
        {
            "form": form,
            "phone_number": before,
            "display": numbers.display(before.number) if before else "",
            "webhooks": webhook_urls(before, request) if before else [],
            "site_url_configured": site_url_configured(),
        },
    )


@settings_area.screen(KEY)
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    number = _get(pk)
    display = numbers.display(number.number)
    if request.method == "POST":
        try:
            do_delete_phone_number(agent, number)
        except InUse:
            messages.error(
                request,
                _("%(number)s has calls or texts on record and cannot be deleted; untick “Enabled” instead.")
                % {"number": display},
            )
            return redirect("settings:phone-numbers:detail", pk=pk)
        messages.success(request, _("The phone number %(number)s is deleted.") % {"number": display})
        return redirect("settings:phone-numbers:index")
    return render(request, "channels_phone/settings/delete.html", {"phone_number": number, "display": display})
