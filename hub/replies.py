"""How a ticket can be answered now, and why not: one answer for the API and the workspace.

A reply goes out on the channel of the customer's latest message (else the ticket's origin).
When that channel cannot take it (a chat the visitor left, a web form, later a call), the
channel's declared fallback takes it (``Capabilities.fallback_reply_channel``: email), if that
one can reach the customer. The adapters answer for themselves (``can_reply``, ``recipient``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from hub import memo
from hub.adapters import ChannelAdapter, UnknownChannel, get_adapter, registered
from hub.models import Direction, Identity, Message, Ticket


@dataclass(frozen=True)
class ReplyRoute:
    channel: str
    usable: bool
    reason: str  # why not, for the agent; "" when usable
    recipient: str = ""  # whom the reply reaches on ``channel``, "" if nobody in particular
    # The channel the customer wrote on, when the reply goes elsewhere (a chat answered by email).
    instead_of: str = ""


def customer_channel(ticket: Ticket) -> str:
    """The channel of the customer's latest message, else the channel the ticket came in on."""
    latest = memo.cached(
        ("customer_channel", ticket.pk),
        lambda: (
            Message.objects.filter(ticket=ticket, direction=Direction.INBOUND)
            .order_by("-created_at", "-id")
            .values_list("channel", flat=True)
            .first()
        ),
    )
    return latest or ticket.origin_channel


def _adapter(channel: str) -> ChannelAdapter | None:
    try:
        return get_adapter(channel)
    except UnknownChannel:
        return None


def route_on(ticket: Ticket, channel: str, *, with_recipient: bool = True) -> ReplyRoute:
    """Whether a reply on ``channel`` (chosen by the agent) can go out now (and to whom)."""
    adapter = _adapter(channel)
    if adapter is None:
        return ReplyRoute(channel, False, _("This channel is not set up"))
    if not adapter.capabilities.replies:
        return ReplyRoute(channel, False, can_reply(adapter, ticket.pk)[1] or _("This channel takes no replies"))
    if not with_recipient:
        usable, reason = can_reply(adapter, ticket.pk)
        return ReplyRoute(channel, usable, reason)
    usable, reason, recipient = reach(adapter, ticket.pk)
    return ReplyRoute(channel, usable, reason, recipient if usable else "")


def can_reply(adapter: ChannelAdapter, ticket_id: int) -> tuple[bool, str]:
    """``adapter.can_reply``, asked once per ticket within a ``memo.scope``."""
    return memo.cached((adapter.key, "can_reply", ticket_id), lambda: adapter.can_reply(ticket_id))


def reach(adapter: ChannelAdapter, ticket_id: int) -> tuple[bool, str, str]:
    """``adapter.reach``, asked once per ticket within a ``memo.scope``."""
    return memo.cached((adapter.key, "reach", ticket_id), lambda: adapter.reach(ticket_id))


def reply_defaults(adapter: ChannelAdapter, ticket_id: int) -> dict[str, Any]:
    """``adapter.reply_defaults`` (the composer's Cc and signature), once per ticket in a scope."""
    return memo.cached((adapter.key, "reply_defaults", ticket_id), lambda: adapter.reply_defaults(ticket_id))


def reply_route(ticket: Ticket, *, with_recipient: bool = True) -> ReplyRoute:
    """Where a reply to ``ticket`` goes now (``customer_channel``, or its fallbacks), and why not.

    Fallbacks are followed as far as they go (a call from a landline: SMS cannot reach it, so
    email), each channel once; the reason names every channel tried.
    """
    channel = customer_channel(ticket)
    first = route_on(ticket, channel, with_recipient=with_recipient)
    if first.usable:
        return first
    reasons = [first.reason]
    tried = {channel}
    adapter = _adapter(channel)
    fallback = adapter.capabilities.fallback_reply_channel if adapter is not None else ""
    while fallback and fallback not in tried:
        tried.add(fallback)
        route = route_on(ticket, fallback, with_recipient=with_recipient)
        if route.usable:
            return ReplyRoute(fallback, True, "", route.recipient, instead_of=channel)
        reasons.append(route.reason)
        next_adapter = _adapter(fallback)
        fallback = next_adapter.capabilities.fallback_reply_channel if next_adapter is not None else ""
    return ReplyRoute(channel, False, "; ".join(r for r in reasons if r))


def identities_of(customer_id: int) -> list[Identity]:
    """The customer's identities by kind: read once per page (the customer panel lists them,
    the channel chooser and the email recipient look at them)."""
    found = Identity.objects.filter(customer_id=customer_id).order_by("kind", "pk")
    return memo.cached(("identities", customer_id), lambda: list(found))


def other_routes(ticket: Ticket, chosen: ReplyRoute) -> list[ReplyRoute]:
    """The other channels a reply to ``ticket`` could go out on, those usable now first (the
    agent may choose one), then the others with the reason (the chooser shows them greyed out):
    channels that take replies addressed to a kind of identity the customer has, without a live
    session, each checked by its adapter (a landline takes no texts, a number opted out). A
    channel the customer has no identity for is left out: on a hub without SMS, every mail
    would list it. Empty when ``chosen`` itself cannot be used."""
    if not chosen.usable:
        return []
    kinds = {identity.kind for identity in identities_of(ticket.customer_id)}
    usable: list[ReplyRoute] = []
    unusable: list[ReplyRoute] = []
    for key in registered():
        adapter = _adapter(key)
        if adapter is None or key == chosen.channel:
            continue
        caps = adapter.capabilities
        if not caps.replies or caps.sessions or caps.recipient_kind not in kinds:
            continue
        route = route_on(ticket, key)
        (usable if route.usable else unusable).append(route)
    return usable + unusable
