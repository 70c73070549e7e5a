"""The adapter contract, proven against every registered channel: a new channel passes these.

Each adapter gives a sample of what its provider sends (``contract_sample``); the hub receives
it as a provider would, twice, processes it, answers it, and asks what the channel can do.
"""

from __future__ import annotations

import pytest
from django.core import mail

from hub import adapters
from hub.actions import ChannelUnavailable, do_reply
from hub.adapters import Capabilities, ChannelAdapter, Interaction
from hub.models import Agent, DeliveryStatus, Direction, InboundEvent, Message, Ticket
from hub.pipeline import receive
from hub.replies import reply_route

# Transactional: the receipt queues processing on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

# Collected from the registry as Django set it up: every installed channel app, no fakes.
CHANNELS = adapters.registered()


@pytest.fixture(params=CHANNELS)
def adapter(request: pytest.FixtureRequest, db: None) -> ChannelAdapter:
    return adapters.get_adapter(request.param)


def received(adapter: ChannelAdapter) -> tuple[InboundEvent, bool]:
    sample = adapter.contract_sample()
    return receive(adapter.key, sample.external_id, sample.payload, raw=sample.raw)


def test_every_installed_channel_app_registers_an_adapter() -> None:
    assert {"email", "chat", "web"} <= set(CHANNELS)


def test_an_adapter_declares_its_key_and_capabilities(adapter: ChannelAdapter) -> None:
    assert isinstance(adapter.capabilities, Capabilities)
    assert adapters.get_adapter(adapter.key) is adapter
    fallback = adapter.capabilities.fallback_reply_channel
    assert fallback == "" or fallback in CHANNELS
    assert adapter.capabilities.replies or fallback, "a channel without replies must say where replies go"


def test_a_sample_normalizes_to_an_interaction_of_the_channel_with_a_sender(adapter: ChannelAdapter) -> None:
    event, _ = received(adapter)

    interaction = adapter.normalize(event)

    assert isinstance(interaction, Interaction)
    assert interaction.channel == adapter.key
    assert interaction.identities
    assert interaction.text.strip()


def test_a_redelivered_sample_is_one_event_one_ticket_one_message(adapter: ChannelAdapter) -> None:
    first, created = received(adapter)
    again, created_again = received(adapter)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.state == "processed", first.error
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    assert inbound.count() == 1
    assert inbound.get().channel == adapter.key
    assert Ticket.objects.count() == 1


def test_a_ticket_of_the_channel_says_how_it_can_be_answered_and_a_reply_goes_out(
    adapter: ChannelAdapter, agent: Agent
) -> None:
    event, _ = received(adapter)
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    ticket = Ticket.objects.get(pk=event.ticket_id)
    mail.outbox.clear()

    usable, reason = adapter.can_reply(ticket.pk)
    route = reply_route(ticket)

    assert isinstance(usable, bool) and isinstance(reason, str)
    assert usable or reason, "a channel that cannot answer says why"
    if not adapter.capabilities.replies:
        assert not usable
    if not adapter.contract_sample().reply_expected:
        with pytest.raises(ChannelUnavailable):
            do_reply(ticket, agent=agent, text="Danke!")
        return
    assert route.usable, route.reason
    assert route.channel == adapter.key or route.channel == adapter.capabilities.fallback_reply_channel

    reply = do_reply(ticket, agent=agent, text="Danke für Ihre Nachricht!")

    reply.refresh_from_db()
    assert reply.channel == route.channel
    assert reply.delivery_status == DeliveryStatus.SENT, reply.delivery_error
    again = do_reply(ticket, agent=agent, text="Danke für Ihre Nachricht!", client_id="k1")
    assert do_reply(ticket, agent=agent, text="Danke für Ihre Nachricht!", client_id="k1").pk == again.pk
