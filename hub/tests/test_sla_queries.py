"""What keeping the SLA clocks costs on the hot paths: a fixed number of queries per batch of
messages and per reply, however many messages and however many clocks move."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.actions import do_reply
from hub.actions.sla import do_save_sla_policy
from hub.models import Agent, InboundEvent, SlaClock, SlaPolicy, Ticket
from hub.pipeline import process_batch
from hub.routing import cache
from hub.sla.policies import normalize_policy
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)

TARGETS = {"first_response": {"2": 60}, "next_response": {"2": 30}, "resolution": {"2": 480}}


def make_policy() -> SlaPolicy:
    return do_save_sla_policy(actor=None, policy=None, values=normalize_policy(name="Standard", targets=TARGETS))


def batch(prefix: str, n: int, **fields: Any) -> int:
    """``n`` events arrived and processed as one batch; the queries it took."""
    for i in range(n):
        InboundEvent.objects.create(
            channel="fake", external_id=f"{prefix}-{i}", payload=payload(email=f"{prefix}{i}@example.de", **fields)
        )
    cache.current()  # the rules (and the policies with them) as this process keeps them
    with CaptureQueriesContext(connection) as queries:
        assert process_batch(limit=50).claimed == n
    return len(queries.captured_queries)


def replies(prefix: str, tickets: list[Ticket]) -> int:
    """The tickets' customers answer on them, all in one batch; the queries it took."""
    for n, ticket in enumerate(tickets):
        email = ticket.customer.identities.get().value
        InboundEvent.objects.create(
            channel="fake",
            external_id=f"{prefix}-{n}",
            payload=payload(email=email, text="Noch da?", ticket_id=ticket.pk),
        )
    with CaptureQueriesContext(connection) as queries:
        assert process_batch(limit=50).claimed == len(tickets)
    return len(queries.captured_queries)


def answered(prefix: str, agent: Agent) -> list[Ticket]:
    """Twelve tickets of new customers, each answered by an agent."""
    batch(prefix, 12)
    tickets = list(Ticket.objects.filter(customer__identities__value__startswith=prefix).order_by("pk"))
    for ticket in tickets:
        do_reply(ticket, agent=agent, text="Wir sind dran.")
    return tickets


def costs(prefix: str, agent: Agent) -> dict[int, int]:
    """What a batch of 3 and one of 12 customers writing again cost."""
    tickets = answered(prefix, agent)
    found = {3: replies(f"{prefix}-r3", tickets[:3])}
    for ticket in tickets:
        do_reply(ticket, agent=agent, text="Und weiter?")
    found[12] = replies(f"{prefix}-r12", tickets)
    return found


def test_new_tickets_under_a_policy_cost_a_fixed_few_queries_more_per_batch(fake_channel: FakeChannel) -> None:
    batch("warm", 1)  # the process's first batch loads what it keeps
    without = {n: batch(f"w{n}x", n) for n in (3, 12)}
    make_policy()
    batch("warm2", 1)
    under = {n: batch(f"p{n}x", n) for n in (3, 12)}

    assert SlaClock.objects.count() == 2 * (1 + 3 + 12)  # first response and resolution each
    # One more statement for the batch, whatever its size: the clocks' upsert.
    assert under[3] - without[3] == under[12] - without[12] == 1


def test_customers_writing_again_cost_a_fixed_few_queries_more_per_batch(
    fake_channel: FakeChannel, agent: Agent
) -> None:
    without = costs("plain", agent)
    make_policy()
    under = costs("measured", agent)

    assert SlaClock.objects.filter(target="next_response").count() == 12
    # The clocks of all the batch's tickets: one SELECT and one upsert.
    assert under[3] - without[3] == under[12] - without[12] == 2


def test_a_reply_under_a_policy_costs_four_queries_more(
    fake_channel: FakeChannel, agent: Agent, django_assert_max_num_queries: Any
) -> None:
    batch("a", 1)
    make_policy()
    batch("b", 1)
    other, measured = list(Ticket.objects.order_by("pk"))
    assert (other.sla_policy_id, measured.sla_policy_id) == (None, SlaPolicy.objects.get().pk)
    cache.current()
    with CaptureQueriesContext(connection) as plain:
        do_reply(other, agent=agent, text="Hallo")

    # The rule set's token, the ticket's clocks, their upsert, and the outcome of the first
    # response it meets (kept apart for the reports, ``SlaOutcome``).
    with django_assert_max_num_queries(len(plain.captured_queries) + 4):
        do_reply(measured, agent=agent, text="Hallo")
