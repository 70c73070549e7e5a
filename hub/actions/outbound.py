"""Conversations an agent starts: a new ticket whose first message goes out to the customer, or
one logged on the customer's behalf (a phone call noted down), or an internal note.

The first message goes out the way every reply does (``do_reply``: the adapter registry, the
delivery task after commit), so the customer's answer threads back like any answer to a reply
(email: our Message-ID in In-Reply-To). Which channels can start a conversation is the
adapters' to say (``starting_channels``), never a channel's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import events, realtime
from hub.access import team_ids, visible_tickets
from hub.actions.contacts import IdentityTaken, do_create_customer, normalized
from hub.actions.messages import do_add_note, do_reply
from hub.adapters import UnknownChannel, get_adapter, registered
from hub.models import Agent, Customer, Direction, Identity, IdentityKind, Message, MessageKind, Team, Ticket
from hub.pipeline.identify import organizations_for, resolve_merged
from hub.pipeline.store import touched_fields
from hub.sla import hooks as sla
from hub.text import clean_text, preview


class StartError(ValueError):
    """The conversation cannot be started as asked; the message says why, for the agent."""


class StartNotAllowed(StartError):
    """The agent may not start conversations for this team."""


OUT, IN = "out", "in"


def starting_channels() -> list[str]:
    """Channels an agent can start a conversation on: they take replies addressed to one of the
    customer's identities (``Capabilities.recipient_kind``) and need no live session."""
    keys = []
    for key in registered():
        caps = get_adapter(key).capabilities
        if caps.replies and caps.recipient_kind and not caps.sessions and not caps.local_delivery:
            keys.append(key)
    return keys


def recipient_kind(channel: str) -> str:
    """The identity kind a first message on ``channel`` is addressed to ("" if none)."""
    try:
        return get_adapter(channel).capabilities.recipient_kind
    except UnknownChannel:
        return ""


@dataclass(frozen=True)
class Recipient:
    """Whom the conversation is with: a known customer, or an address (a new customer unless
    someone has it already; then that one)."""

    customer: Customer | None = None
    email: str = ""
    name: str = ""


def _customer(recipient: Recipient, agent: Agent) -> tuple[Customer, str]:
    """The customer, and the normalized address the first mail goes to ("" for a known customer)."""
    if recipient.customer is not None:
        return resolve_merged(recipient.customer), ""
    address = normalized(IdentityKind.EMAIL, recipient.email)
    known = Identity.objects.filter(kind=IdentityKind.EMAIL, value=address).select_related("customer").first()
    if known is not None:
        return resolve_merged(known.customer), address
    organization = organizations_for({address.rsplit("@", 1)[1]}).get(address.rsplit("@", 1)[1])
    fields = {"display_name": clean_text(recipient.name)[:200], "organization": organization}
    try:
        return do_create_customer(actor=agent, fields=fields, identities=[(IdentityKind.EMAIL, address)]), address
    except IdentityTaken as taken:  # written meanwhile by a mail from them
        return resolve_merged(taken.owner), address


def _team(team: Team | None, agent: Agent) -> Team | None:
    """The ticket's team: the one asked for if the agent belongs to it (admins and leads: any),
    else the agent's only team."""
    if team is None:
        if agent.sees_everything:
            return None
        mine = team_ids(agent)
        if len(mine) != 1:
            raise StartError(_("Choose the team the conversation belongs to"))
        return Team.objects.get(pk=mine[0])
    if not agent.sees_everything and team.pk not in team_ids(agent):
        raise StartNotAllowed(_("You can only start conversations for your own teams"))
    return team


def _check_channel(channel: str, direction: str, internal: bool) -> None:
    try:
        get_adapter(channel)
    except UnknownChannel:
        raise StartError(_("This channel is not set up")) from None
    if direction == OUT and not internal and channel not in starting_channels():
        raise StartError(_("A conversation cannot be started on this channel"))


def _log_inbound(ticket: Ticket, *, agent: Agent, customer: Customer, channel: str, text: str) -> Message:
    """The customer's words as the agent took them down (a call, a letter): an inbound message
    of the customer's, marked as written by the agent on their behalf. Nothing is sent."""
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        channel=channel,
        direction=Direction.INBOUND,
        kind=MessageKind.MESSAGE,
        author_customer=customer,
        author_agent=agent,
        sender=str(customer),
        subject=ticket.subject,
        text=clean_text(text),
        metadata={"on_behalf": True, "logged_by": agent.pk, "logged_by_name": agent.name},
        created_at=now,
    )
    ticket.save(update_fields=touched_fields(ticket, message))
    realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
    return message


def do_start_conversation(
    *,
    agent: Agent,
    recipient: Recipient,
    channel: str,
    subject: str,
    text: str,
    html: str = "",
    team: Team | None = None,
    direction: str = OUT,
    internal: bool = False,
    status: str | None = None,
    client_id: str | None = None,
) -> tuple[Ticket, Message]:
    """A new ticket for ``recipient`` on ``channel`` with its first message, in one transaction.

    ``direction`` "out": the message goes to the customer like any reply (``do_reply``, queued
    for delivery after commit; a mail to ``recipient.email`` when given, else where the channel
    reaches the customer); ChannelUnavailable, and nothing stored, when it cannot. "in": the
    customer's message logged by the agent on their behalf. ``internal``: an internal note
    instead, nothing sent. StartError (StartNotAllowed for another team, IdentityTaken never:
    an address someone has is theirs) when the conversation cannot be started as asked.
    Idempotent per ``client_id`` (and agent and customer): the same key again returns the
    conversation it started. Locking: the new ticket's row, as ``do_reply`` takes it.
    """
    if direction not in (OUT, IN):
        raise StartError(_("The direction is either out or in"))
    _check_channel(channel, direction, internal)
    if not text.strip():
        raise StartError(_("Write the first message"))
    with transaction.atomic():
        team = _team(team, agent)
        customer, address = _customer(recipient, agent)
        if client_id:
            # The same request again (a retry, a double click): the conversation it started.
            earlier = (
                Message.objects.filter(ticket__customer=customer, client_id=client_id, author_agent=agent)
                .select_related("ticket")
                .first()
            )
            if earlier is not None:
                # Moved out of the agent's sight since: said, not shown (nor started twice).
                if not visible_tickets(agent).filter(pk=earlier.ticket_id).exists():
                    raise StartError(_("This conversation was started already and has since left your teams."))
                return earlier.ticket, earlier
        kind = recipient_kind(channel)
        now = timezone.now()
        ticket = Ticket.objects.create(
            subject=clean_text(subject)[:300] or preview(text, 80),
            customer=customer,
            team=team,
            origin_channel=channel,
            language=customer.language,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        how = {OUT: "started by", IN: "logged on behalf of the customer by"}[direction]
        events.ticket_created(ticket=ticket, channel=channel, reason=f"{how} {agent.name}")
        # Measured as a new ticket of the customer would be; their own words start the clocks.
        sla.split_off(ticket, at=now, customer_waits=direction == IN and not internal, actor=agent)
        realtime.ticket_changed(ticket, "ticket.created")
        if internal:
            message = do_add_note(ticket, agent=agent, text=text, client_id=client_id)
        elif direction == IN:
            message = _log_inbound(ticket, agent=agent, customer=customer, channel=channel, text=text)
        else:
            metadata: dict[str, object] = {"opens_conversation": True}
            if address and kind == IdentityKind.EMAIL:
                metadata["to"] = [address]
            message = do_reply(
                ticket,
                agent=agent,
                text=text,
                html=html,
                channel=channel,
                client_id=client_id,
                status=status,
                metadata=metadata,
            )
    ticket.refresh_from_db()
    return ticket, message
