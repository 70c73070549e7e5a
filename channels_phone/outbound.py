"""Texts out: to which of the customer's numbers, from which of ours, and the provider's REST call.

A reply goes to the number the customer last texted or called from, if a text can reach it
(a German landline cannot), else to their newest mobile number; from the number they wrote
to or called, else one of the ticket's team, else any of ours with SMS. A number that texted
STOP gets nothing, and the agent is told why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from channels_phone import numbers, optout, providers, webhooks
from channels_phone.models import OutboundText, PhoneNumber, SmsOptOut
from channels_phone.providers.base import ProviderError
from hub import memo
from hub.adapters import DeliveryResult
from hub.models import Direction, Identity, IdentityKind, Message, Ticket
from hub.replies import identities_of

log = logging.getLogger(__name__)
CHANNELS = ("sms", "phone")
# Twilio's "Attempt to send to unsubscribed recipient": the carrier holds a STOP we never saw.
UNSUBSCRIBED = "21610"


@dataclass(frozen=True)
class TextRoute:
    to: str
    number: PhoneNumber | None
    problem: str  # why no text can go out, for the agent; "" when one can


def _latest_inbound(ticket: Ticket) -> Message | None:
    return memo.cached(
        ("phone.latest_inbound", ticket.pk),
        lambda: (
            Message.objects.filter(ticket=ticket, channel__in=CHANNELS, direction=Direction.INBOUND)
            .only("channel", "metadata")
            .order_by("-created_at", "-id")
            .first()
        ),
    )


def customer_phones(customer_id: int) -> list[str]:
    """The customer's phone numbers, newest first; on a read-only page from the identities it
    has read already (``hub.replies.identities_of``)."""
    if memo.active():
        phones = [i for i in identities_of(customer_id) if i.kind == IdentityKind.PHONE]
        phones.sort(key=lambda i: (i.created_at, i.pk), reverse=True)
        return [i.value for i in phones]
    return list(
        Identity.objects.filter(customer_id=customer_id, kind=IdentityKind.PHONE)
        .order_by("-created_at", "-id")
        .values_list("value", flat=True)
    )


def customer_number(ticket: Ticket, latest: Message | None = None) -> tuple[str, bool]:
    """The number a text to the customer goes to, and whether a text can reach it at all."""
    latest = latest if latest is not None else _latest_inbound(ticket)
    if latest is not None:
        sender = numbers.e164(str(latest.metadata.get("from") or ""))
        # A number that texted us takes texts; a caller's number only if it is a mobile one.
        if sender and (latest.channel == "sms" or numbers.textable(sender)):
            return sender, True
    phones = customer_phones(ticket.customer_id)
    mobile = next((p for p in phones if numbers.textable(p)), "")
    if mobile:
        return mobile, True
    return (phones[0] if phones else ""), False


def enabled_numbers() -> list[PhoneNumber]:
    """Our enabled numbers by id, read once per read-only page (``hub.memo``): the composer's
    sender and the call button both pick from them."""
    return memo.cached(("phone.enabled",), lambda: list(PhoneNumber.objects.enabled().order_by("pk")))


def sender_for(ticket: Ticket, latest: Message | None = None) -> PhoneNumber | None:
    texting = PhoneNumber.objects.enabled().filter(sms=True)
    latest = latest if latest is not None else _latest_inbound(ticket)
    ours = str(latest.metadata.get("number") or "") if latest is not None else ""
    if memo.active():
        # A page reads our few texting numbers once and picks in memory, as below.
        found_here = [n for n in enabled_numbers() if n.sms]
        return (
            next((n for n in found_here if ours and n.number == ours), None)
            or next((n for n in found_here if ticket.team_id is not None and n.team_id == ticket.team_id), None)
            or next(iter(found_here), None)
        )
    found = texting.filter(number=ours).first() if ours else None
    if found is None and ticket.team_id is not None:
        found = texting.filter(team_id=ticket.team_id).order_by("pk").first()
    return found or texting.order_by("pk").first()


def route_for(ticket: Ticket) -> TextRoute:
    """Whom a text on ``ticket`` goes to from which of our numbers, or why it cannot go."""
    return memo.cached(("phone.route", ticket.pk), lambda: _route_for(ticket))


def _route_for(ticket: Ticket) -> TextRoute:
    latest = _latest_inbound(ticket)
    to, reachable = customer_number(ticket, latest)
    if not to:
        return TextRoute("", None, _("The customer has no phone number"))
    if not reachable:
        return TextRoute(to, None, _("No mobile number: %(number)s takes no texts") % {"number": numbers.display(to)})
    stopped = optout.opted_out(to)
    if stopped is not None:
        return TextRoute(to, None, _opted_out(stopped))
    number = sender_for(ticket, latest)
    if number is None:
        return TextRoute(to, None, _("No phone number is set up for SMS"))
    return TextRoute(to, number, "")


def _opted_out(stopped: SmsOptOut) -> str:
    return _("%(number)s opted out of SMS (texted “%(keyword)s” on %(date)s)") % {
        "number": numbers.display(stopped.phone),
        "keyword": stopped.keyword,
        "date": stopped.changed_at.date().isoformat(),
    }


def send_text(message: Message) -> DeliveryResult:
    """Deliver an agent's text (the delivery task; at least once)."""
    route = route_for(message.ticket)
    if route.problem or route.number is None:
        return DeliveryResult(ok=False, error=route.problem, retryable=False)
    number = route.number
    provider = providers.get(number.provider)
    # Written before the provider is asked: its delivery report may come before it answers.
    OutboundText.objects.update_or_create(
        message=message, defaults={"number": number, "provider": provider.key, "to_number": route.to}
    )
    status_url = webhooks.public_url("channels_phone:sms-status", provider.key, message=message.pk)
    try:
        sent = provider.send_text(number, route.to, message.text, status_url)
    except ProviderError as exc:
        if exc.code == UNSUBSCRIBED:
            SmsOptOut.objects.update_or_create(phone=route.to, defaults={"opted_out": True, "keyword": "STOP"})
        log.warning("text %s to %s not sent (%s): %s", message.pk, route.to, exc.retryable and "retry", exc)
        return DeliveryResult(ok=False, error=str(exc)[:1000], retryable=exc.retryable)
    OutboundText.objects.filter(message=message).update(external_id=sent.external_id)
    return DeliveryResult(ok=True, external_id=numbers.external_id(provider.key, sent.external_id))
