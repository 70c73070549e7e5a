"""How a ticket can be answered now: the customer's channel, else its fallbacks, with reasons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from pytest_django import DjangoAssertNumQueries

from hub import adapters
from hub.adapters import BaseAdapter, Capabilities, DeliveryResult, Interaction
from hub.models import InboundEvent, Message
from hub.replies import reply_route
from hub.tests.factories import CustomerFactory, IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db


@dataclass
class Refusing(BaseAdapter):
    """A channel that cannot answer now, and says where to go instead."""

    key: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)
    why: str = ""

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        return False, self.why

    def normalize(self, event: InboundEvent) -> Interaction:
        raise NotImplementedError("routing of replies only")

    def send(self, message: Message) -> DeliveryResult:
        return DeliveryResult(ok=False, error=self.why, retryable=False)


@pytest.fixture
def landline() -> Iterator[None]:
    """A call that takes no replies falls back to a text channel, which cannot reach a landline."""
    call = Refusing("t-call", Capabilities(replies=False, fallback_reply_channel="t-text"), "Calls take no replies")
    text = Refusing("t-text", Capabilities(fallback_reply_channel="email"), "Not a mobile number")
    adapters.register(call)
    adapters.register(text)
    yield
    adapters.unregister("t-call")
    adapters.unregister("t-text")


def test_a_web_form_ticket_is_answered_by_email_to_the_senders_address() -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, value="eva@kunde.example")
    ticket = TicketFactory.create(customer=customer, origin_channel="web")

    route = reply_route(ticket)

    assert (route.channel, route.usable, route.recipient, route.instead_of) == (
        "email",
        True,
        "eva@kunde.example",
        "web",
    )


def test_fallbacks_are_followed_until_one_reaches_the_customer(landline: None) -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, value="kai@kunde.example")
    ticket = TicketFactory.create(customer=customer, origin_channel="t-call")

    route = reply_route(ticket)

    assert (route.channel, route.usable, route.instead_of) == ("email", True, "t-call")


def test_with_no_way_to_answer_the_reason_names_every_channel_tried(landline: None) -> None:
    ticket = TicketFactory.create(customer=CustomerFactory.create(), origin_channel="t-call")

    route = reply_route(ticket)

    assert (route.channel, route.usable) == ("t-call", False)
    assert route.reason.startswith("Calls take no replies; Not a mobile number; ")
    assert "keine E-Mail-Adresse" in route.reason


def test_where_an_email_reply_goes_and_why_not_is_answered_in_three_queries(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    # The ticket page asks this on every load: the customer's channel, their latest mail, their
    # addresses (with whether they bounce); not the eight reads of asking twice.
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, value="eva@kunde.example")
    IdentityFactory.create(customer=customer, value="eva.alt@kunde.example", bouncing=True)
    ticket = TicketFactory.create(customer=customer, origin_channel="email")

    with django_assert_num_queries(3):
        route = reply_route(ticket)

    assert (route.channel, route.usable, route.recipient) == ("email", True, "eva@kunde.example")


def test_a_reply_to_an_address_that_bounces_is_refused_with_the_reason() -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, value="eva@kunde.example", bouncing=True)
    ticket = TicketFactory.create(customer=customer, origin_channel="email")

    route = reply_route(ticket)

    assert not route.usable and route.recipient == ""
    assert "eva@kunde.example" in route.reason
