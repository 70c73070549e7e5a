"""Which SLA policy measures a ticket, as it changes hands: conditions by position, an
organization's contract, a rule's or an agent's choice, a team or priority that changes."""

from __future__ import annotations

from typing import Any

import pytest

from hub.actions import do_set_priority, do_set_status, do_set_team, do_split_message
from hub.actions.sla import (
    do_delete_sla_policy,
    do_move_sla_policy,
    do_save_sla_policy,
    do_set_organization_sla_policy,
    do_set_ticket_sla_policy,
)
from hub.models import (
    Agent,
    AuditEntry,
    EventKind,
    Organization,
    RoutingRule,
    SlaClock,
    SlaPolicy,
    SlaState,
    Team,
    Ticket,
    TicketStatus,
)
from hub.pipeline import receive
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def policy(name: str, minutes: int, conditions: list[dict[str, Any]] | None = None, **kw: Any) -> SlaPolicy:
    from hub.sla.policies import normalize_policy

    targets = kw.pop("targets", {"first_response": {"2": minutes, "4": minutes // 2}, "resolution": {"2": 600}})
    values = normalize_policy(name=name, targets=targets, conditions=conditions or [], **kw)
    return do_save_sla_policy(actor=None, policy=None, values=values)


def arrive(external_id: str, **fields: Any) -> Ticket:
    event, _ = receive("fake", external_id, payload(**fields))
    event.refresh_from_db()
    return Ticket.objects.get(pk=event.ticket_id or 0)


def name_of(ticket: Ticket) -> str:
    policy = Ticket.objects.select_related("sla_policy").get(pk=ticket.pk).sla_policy
    return policy.name if policy is not None else ""


def first_response(ticket: Ticket) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, target="first_response")


def test_the_first_policy_whose_conditions_hold_applies_in_the_order_the_admin_set(
    fake_channel: FakeChannel, team: Team
) -> None:
    everyone = policy("Alle", 240)
    support = policy("Support", 60, [{"field": "ticket.team", "op": "equals", "value": "support"}])

    assert arrive("a", team="support").sla_policy_id == everyone.pk
    do_move_sla_policy(actor=None, policy=support, by=-1)
    assert arrive("b", email="b@example.de", team="support").sla_policy_id == support.pk
    assert arrive("c", email="c@example.de").sla_policy_id == everyone.pk  # no team: not Support's


def test_a_ticket_moved_to_another_team_is_measured_by_that_teams_policy_keeping_its_time(
    fake_channel: FakeChannel, team: Team, other_team: Team, agent: Agent
) -> None:
    policy("Billing", 30, [{"field": "ticket.team", "op": "equals", "value": "billing"}])
    policy("Alle", 240)
    ticket = arrive("a", team="support")
    started = first_response(ticket).started_at

    do_set_team(ticket, other_team, actor=agent)

    ticket.refresh_from_db()
    assert ticket.sla_policy is not None and ticket.sla_policy.name == "Billing"
    clock = first_response(ticket)
    assert clock.minutes == 30 and clock.started_at == started
    event = ticket.events.filter(kind=EventKind.SLA_POLICY).latest("pk")
    assert event.data["name"] == "Billing" and event.data["reason"].startswith("team changed")


def test_raising_the_priority_takes_the_policys_target_for_it_and_a_priority_policy_if_one_holds(
    fake_channel: FakeChannel, agent: Agent
) -> None:
    urgent = policy("Dringend", 15, [{"field": "ticket.priority", "op": "equals", "value": "urgent"}])
    policy("Alle", 240)
    ticket = arrive("a")
    assert ticket.sla_policy is not None and ticket.sla_policy.name == "Alle"

    do_set_priority(ticket, 4, actor=agent)

    ticket.refresh_from_db()
    assert ticket.sla_policy_id == urgent.pk
    assert first_response(ticket).minutes == 7  # the urgent target of the policy "Dringend"


def test_an_agent_fixes_a_ticket_to_a_policy_and_a_priority_change_keeps_it(
    fake_channel: FakeChannel, agent: Agent
) -> None:
    policy("Dringend", 15, [{"field": "ticket.priority", "op": "equals", "value": "urgent"}])
    policy("Alle", 240)
    gold = policy("Gold", 60)
    ticket = arrive("a")

    do_set_ticket_sla_policy(actor=agent, ticket=ticket, policy=gold)
    do_set_priority(ticket, 4, actor=agent)

    ticket.refresh_from_db()
    assert ticket.sla_policy_id == gold.pk and ticket.sla_policy_fixed
    assert first_response(ticket).minutes == 30  # Gold's urgent target
    event = ticket.events.filter(kind=EventKind.SLA_POLICY).latest("pk")
    assert (event.data["name"], event.data["reason"], event.actor_id) == ("Gold", "set by hand", agent.pk)

    do_set_ticket_sla_policy(actor=agent, ticket=ticket, policy=None)  # back to what the policies say

    ticket.refresh_from_db()
    assert ticket.sla_policy is not None and ticket.sla_policy.name == "Dringend"
    assert not ticket.sla_policy_fixed


def test_a_rule_on_the_customers_reply_sets_the_policy(fake_channel: FakeChannel) -> None:
    policy("Alle", 240)
    vip = policy("VIP", 20)
    RoutingRule.objects.create(
        name="VIP bei Beschwerde",
        triggers=["customer_replied"],
        conditions=[{"field": "body", "op": "contains", "value": "beschwerde"}],
        actions=[{"type": "set_sla_policy", "value": str(vip.pk)}],
    )
    ticket = arrive("a")

    again = arrive("b", text="Das ist eine Beschwerde!", ticket_id=ticket.pk)

    assert again.pk == ticket.pk and again.sla_policy_id == vip.pk and again.sla_policy_fixed
    assert first_response(again).minutes == 20


def test_an_organizations_new_contract_measures_its_open_tickets(fake_channel: FakeChannel) -> None:
    policy("Alle", 240)
    gold = policy("Gold", 30)
    acme = Organization.objects.create(name="ACME", domains=["acme.example"])
    open_one = arrive("a", email="anna@acme.example")
    solved = arrive("b", email="bert@acme.example")
    do_set_status(solved, TicketStatus.SOLVED, actor=None)
    outsider = arrive("c", email="carla@other.example")

    do_set_organization_sla_policy(actor=None, organization=acme, policy=gold)

    assert Ticket.objects.get(pk=open_one.pk).sla_policy_id == gold.pk
    assert first_response(open_one).minutes == 30
    assert name_of(solved) == "Alle"  # closed matters are left as they were
    assert name_of(outsider) == "Alle"
    assert AuditEntry.objects.filter(action="organization.sla_policy", target_label="ACME").exists()


def test_a_message_split_off_into_a_new_ticket_waits_for_its_own_first_response(
    fake_channel: FakeChannel, agent: Agent
) -> None:
    policy("Alle", 240)
    ticket = arrive("a")
    second = arrive("b", text="Und noch etwas ganz anderes", ticket_id=ticket.pk)
    message = second.messages.latest("pk")

    split = do_split_message(message, actor=agent)

    split.refresh_from_db()
    clock = first_response(split)
    assert split.sla_policy is not None and split.sla_policy.name == "Alle"
    assert clock.state == SlaState.OK and clock.started_at == message.created_at
    assert split.sla_due_at == clock.due_at


def test_a_disabled_policy_measures_no_new_ticket(fake_channel: FakeChannel, api_for: Any, admin_agent: Agent) -> None:
    only = policy("Alle", 240, enabled=False)

    assert arrive("a").sla_policy_id is None
    do_delete_sla_policy(actor=None, policy=only)
    assert not SlaPolicy.objects.exists()
