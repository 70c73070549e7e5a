"""Admin-configured routing rules as agents meet them: where mail lands, what the timeline says."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.actions import do_assign, do_set_status
from hub.models import EventKind, InboundEvent, Message, MessageKind, RoutingRule, Team, Ticket, TicketStatus
from hub.pipeline import process_batch, receive
from hub.routing import cache
from hub.tests.factories import AgentFactory, OrganizationFactory, TeamFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def rule(name: str, *, conditions: list[dict[str, Any]], actions: list[dict[str, Any]], **kw: Any) -> RoutingRule:
    kw.setdefault("triggers", ["ticket_created"])
    kw.setdefault("position", RoutingRule.objects.count())
    return RoutingRule.objects.create(name=name, conditions=conditions, actions=actions, **kw)


def mail(n: int | str, **fields: Any) -> Ticket:
    """A mail through the real pipeline; the ticket it landed on."""
    event, _ = receive("fake", f"m-{n}", payload(**fields))
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    return Ticket.objects.get(pk=event.ticket_id)


def arrived(n: int | str, **fields: Any) -> InboundEvent:
    """A mail as the door wrote it, not processed yet."""
    return InboundEvent.objects.create(channel="fake", external_id=f"m-{n}", payload=payload(**fields))


def routed(ticket: Ticket) -> list[str]:
    return [str(e.data["rule"]) for e in ticket.events.filter(kind=EventKind.ROUTED).order_by("id")]


@pytest.fixture
def vip(db: None) -> Team:
    return TeamFactory.create(name="VIP", slug="vip")


def test_a_key_account_customers_mail_gets_high_priority_and_the_vip_team(
    fake_channel: FakeChannel, team: Team, vip: Team
) -> None:
    OrganizationFactory.create(name="Müller GmbH", domains=["mueller.example"], key_account=True)
    rule(
        "Key accounts",
        conditions=[{"field": "customer.key_account", "op": "equals", "value": True}],
        actions=[{"type": "set_team", "value": "vip"}, {"type": "set_priority", "value": "high"}],
    )

    ticket = mail(1, email="einkauf@mueller.example", subject="Lieferung fehlt", team="support")
    other = mail(2, email="max@example.de", subject="Lieferung fehlt", team="support")

    assert (ticket.team, ticket.priority) == (vip, 3)
    assert (other.team, other.priority) == (team, 2)
    assert routed(ticket)[-1] == "rule «Key accounts»: team VIP; priority high"
    assert routed(other) == ["team of the fake entry point"]


def test_rules_run_in_order_and_a_stop_rule_ends_them(fake_channel: FakeChannel, team: Team, vip: Team) -> None:
    billing = TeamFactory.create(name="Billing", slug="billing")
    rule(
        "Rechnungen",
        conditions=[{"field": "subject", "op": "contains", "value": "Rechnung"}],
        actions=[{"type": "set_team", "value": "billing"}, {"type": "add_tags", "value": ["invoice"]}],
        stop=True,
    )
    rule(
        "Everything else to VIP",
        conditions=[],
        actions=[{"type": "set_team", "value": "vip"}],
    )

    invoice = mail(1, subject="Rechnung 4711")
    question = mail(2, subject="Frage")

    assert invoice.team == billing
    assert list(invoice.tags.values_list("name", flat=True)) == ["invoice"]
    assert routed(invoice)[-1] == "rule «Rechnungen»: team Billing; tags +invoice"
    assert question.team == vip


def test_a_rule_with_any_match_needs_one_condition_and_a_disabled_rule_none(fake_channel: FakeChannel) -> None:
    rule(
        "Dringend",
        match="any",
        conditions=[
            {"field": "subject", "op": "contains", "value": "dringend"},
            {"field": "body", "op": "matches", "value": r"sofort|asap"},
        ],
        actions=[{"type": "set_priority", "value": "urgent"}],
    )
    rule(
        "Off",
        enabled=False,
        conditions=[],
        actions=[{"type": "set_priority", "value": "low"}],
    )

    assert mail(1, subject="Bitte", text="Bitte sofort zurückrufen").priority == 4
    assert mail(2, subject="Frage", text="Wann kommt das?", email="b@example.de").priority == 2


def test_a_rule_with_a_catastrophic_regex_times_out_and_the_mail_still_lands(
    fake_channel: FakeChannel, team: Team
) -> None:
    rule(
        "Kaputt",
        conditions=[{"field": "body", "op": "matches", "value": r"^(a|aa)+$"}],
        actions=[{"type": "set_priority", "value": "urgent"}],
    )
    rule("Danach", conditions=[], actions=[{"type": "add_tags", "value": ["seen"]}])

    ticket = mail(1, text="a" * 5000 + "!", team="support")

    assert ticket.team == team
    assert ticket.priority == 2
    assert list(ticket.tags.values_list("name", flat=True)) == ["seen"]


def test_a_customers_reply_runs_the_reply_rules_on_its_ticket(fake_channel: FakeChannel) -> None:
    rule(
        "Kündigung",
        triggers=["customer_replied"],
        conditions=[{"field": "body", "op": "contains", "value": "kündigen"}],
        actions=[{"type": "add_tags", "value": ["churn"]}, {"type": "set_priority", "value": "high"}],
    )
    first = mail(1, subject="Vertrag", text="Wie lange läuft mein Vertrag?")
    assert first.priority == 2

    reply = mail(2, subject="Re: Vertrag", text="Dann will ich kündigen.", ticket_id=first.pk)

    assert reply == first
    assert reply.priority == 3
    assert list(reply.tags.values_list("name", flat=True)) == ["churn"]
    assert routed(reply)[-1] == "rule «Kündigung»: tags +churn; priority high"


def test_a_reply_that_reopens_a_solved_ticket_runs_the_reopened_rules(fake_channel: FakeChannel) -> None:
    rule(
        "Wieder offen",
        triggers=["ticket_reopened"],
        conditions=[{"field": "ticket.tags", "op": "not_contains", "value": "reopened"}],
        actions=[{"type": "add_tags", "value": ["reopened"]}],
    )
    first = mail(1, subject="Frage")
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.SOLVED)
    mail(2, text="Doch nicht gelöst", ticket_id=first.pk)
    mail(3, text="Noch eine Frage", ticket_id=first.pk)  # open already: not reopened

    first.refresh_from_db()
    assert first.status == TicketStatus.OPEN
    assert list(first.tags.values_list("name", flat=True)) == ["reopened"]
    assert [r for r in routed(first) if r.startswith("rule")] == ["rule «Wieder offen»: tags +reopened"]


def test_a_rule_that_solves_a_new_ticket_on_arrival_keeps_it_solved(fake_channel: FakeChannel) -> None:
    rule(
        "Newsletter ablegen",
        conditions=[{"field": "subject", "op": "contains", "value": "Newsletter"}],
        actions=[{"type": "set_status", "value": "solved"}],
    )

    ticket = mail(40, subject="Unser Newsletter im Dezember")
    later = mail(41, text="Bitte abmelden", ticket_id=ticket.pk)  # a person writing again reopens

    assert ticket.status == TicketStatus.SOLVED and ticket.solved_at is not None
    assert later.pk == ticket.pk and later.status == TicketStatus.OPEN
    changes = [(e.data["previous"], e.data["status"]) for e in ticket.events.filter(kind=EventKind.STATUS)]
    assert changes == [("solved", "open")]  # the reply's reopening only, none on arrival


def test_assigning_a_ticket_or_changing_its_status_runs_those_rules(fake_channel: FakeChannel, team: Team) -> None:
    rule(
        "Übernommen",
        triggers=["assignee_changed"],
        conditions=[{"field": "ticket.priority", "op": "lt", "value": "high"}],
        actions=[{"type": "add_tags", "value": ["claimed"]}],
    )
    rule(
        "Warten",
        triggers=["status_changed"],
        conditions=[{"field": "ticket.status", "op": "equals", "value": "pending"}],
        actions=[{"type": "set_priority", "value": "low"}, {"type": "set_status", "value": "on_hold"}],
    )
    ticket = mail(1, subject="Frage", team="support")
    anna = AgentFactory.create(teams=[team])

    do_assign(ticket, anna, actor=anna)
    do_set_status(ticket, TicketStatus.PENDING, actor=anna)

    ticket.refresh_from_db()
    assert list(ticket.tags.values_list("name", flat=True)) == ["claimed"]
    # The rule's own status change ran no status rule again.
    assert (ticket.priority, ticket.status) == (1, TicketStatus.ON_HOLD)
    assert routed(ticket)[-2:] == ["rule «Übernommen»: tags +claimed", "rule «Warten»: priority low; status on_hold"]


def test_a_rule_saved_is_used_by_the_next_batch_and_one_deleted_is_not(fake_channel: FakeChannel) -> None:
    assert mail(1, subject="Rechnung").priority == 2
    saved = rule(
        "Rechnungen",
        conditions=[{"field": "subject", "op": "contains", "value": "Rechnung"}],
        actions=[{"type": "set_priority", "value": "high"}],
    )
    assert mail(2, subject="Rechnung", email="b@example.de").priority == 3
    saved.actions = [{"type": "set_priority", "value": "urgent"}]
    saved.save()
    assert mail(3, subject="Rechnung", email="c@example.de").priority == 4
    saved.delete()
    assert mail(4, subject="Rechnung", email="d@example.de").priority == 2


def test_an_invalid_rule_saved_around_the_api_is_skipped_and_mail_still_lands(fake_channel: FakeChannel) -> None:
    rule("Kaputt", conditions=[{"field": "nope", "op": "equals", "value": 1}], actions=[{"type": "stop"}])
    rule("Gut", conditions=[], actions=[{"type": "set_priority", "value": "high"}])

    assert mail(1).priority == 3


def test_auto_replies_and_notes_of_a_rule_reach_the_ticket_but_never_answer_automatic_mail(
    fake_channel: FakeChannel,
) -> None:
    rule(
        "Eingangsbestätigung",
        conditions=[],
        actions=[
            {"type": "auto_reply", "value": {"de": "Danke, wir melden uns.", "en": "Thanks, we'll be in touch."}},
            {"type": "add_note", "value": "Bitte Vertragsnummer prüfen"},
        ],
    )

    ticket = mail(1, subject="Frage")
    out_of_office = mail(2, subject="Abwesend", automatic="auto_reply", email="ooo@example.de")

    notes = Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE)
    assert [n.text for n in notes] == ["Bitte Vertragsnummer prüfen"]
    sent = [s["text"] for s in fake_channel.sent if s["ticket_id"] == ticket.pk]
    assert sent in ([], ["Thanks, we'll be in touch."], ["Danke, wir melden uns."])
    assert not [s for s in fake_channel.sent if s["ticket_id"] == out_of_office.pk]
    assert Message.objects.filter(ticket=out_of_office, kind=MessageKind.NOTE).count() == 1


def _batch_queries(n: int) -> int:
    for i in range(n):
        arrived(
            f"q{len(str(n))}-{RoutingRule.objects.count()}-{i}",
            email=f"k{i}@example.de",
            subject=f"Rechnung {i}",
            text="Bitte prüfen",
        )
    process_batch()  # the rules are compiled once, outside the measured batch
    for i in range(n):
        arrived(
            f"r{RoutingRule.objects.count()}-{i}",
            email=f"k{i}@example.de",
            subject=f"Bestellung {i}",
            text="Wo bleibt sie?",
        )
    with CaptureQueriesContext(connection) as queries:
        assert process_batch().claimed == n
    return len(queries)


def test_a_batchs_query_count_does_not_grow_with_the_number_of_rules(fake_channel: FakeChannel, vip: Team) -> None:
    rule("Eine", conditions=[{"field": "subject", "op": "contains", "value": "nie"}], actions=[{"type": "stop"}])
    with_one = _batch_queries(20)
    for n in range(200):
        rule(
            f"Regel {n}",
            match="any",
            conditions=[
                {"field": "subject", "op": "contains", "value": f"produkt-{n}"},
                {"field": "body", "op": "matches", "value": rf"bestellnummer\s+{n}\b"},
                {"field": "from_domain", "op": "equals", "value": f"kunde{n}.example"},
            ],
            actions=[{"type": "set_team", "value": "vip"}, {"type": "add_tags", "value": [f"t{n}"]}],
        )
    rule("Alle", conditions=[], actions=[{"type": "set_priority", "value": "high"}])
    with_many = _batch_queries(20)

    assert with_many == with_one
    assert Ticket.objects.filter(priority=3).count() == 40


def test_the_rule_set_is_compiled_once_per_process_until_a_rule_changes(fake_channel: FakeChannel) -> None:
    rule("Eine", conditions=[], actions=[{"type": "set_priority", "value": "high"}])
    first = cache.current()
    assert cache.current() is first
    rule("Zwei", conditions=[], actions=[{"type": "set_priority", "value": "low"}])
    assert cache.current() is not first
    assert [r.name for r in cache.current().rules] == ["Eine", "Zwei"]
