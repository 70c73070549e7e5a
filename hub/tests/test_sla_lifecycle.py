"""A ticket's service level as agents and customers live it, with real mail in and out.

Mail comes in through the email channel's door (``ingest_now``: the receipt, the pipeline's
batch) and replies go out over SMTP to a local server; the beat is run with the moment it
would run at, so the test does not wait for hours to pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox, Security
from channels_email.tests.test_servers import Capture, free_port, mail
from hub.actions import do_reply, do_set_status
from hub.actions.sla import do_save_sla_policy, do_set_organization_sla_policy
from hub.models import (
    Agent,
    Direction,
    EventKind,
    Organization,
    RoutingRule,
    SlaClock,
    SlaOutcome,
    SlaPolicy,
    SlaState,
    Team,
    Ticket,
    TicketStatus,
)
from hub.sla import beat
from hub.sla.policies import normalize_policy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(team: Team) -> Iterator[Mailbox]:
    """The support mailbox; its replies go over SMTP to a local server that keeps them."""
    port = free_port()
    server = Controller(Capture(), hostname="127.0.0.1", port=port)
    server.start()
    yield Mailbox.objects.create(
        address="support@hub.example",
        default_team=team,
        is_default=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=Security.NONE,
    )
    server.stop()


TARGETS = {
    "first_response": {"2": 60, "3": 30},
    "next_response": {"2": 30},
    "resolution": {"2": 480, "3": 240},
}


def policy(name: str = "Standard", **kw: Any) -> SlaPolicy:
    values = normalize_policy(name=name, targets=kw.pop("targets", TARGETS), **kw)
    return do_save_sla_policy(actor=None, policy=None, values=values)


def write(box: Mailbox, mid: str, subject: str = "Lieferung fehlt", sender: str = "max@kunde.de", **kw: Any) -> Ticket:
    settled = ingest_now(mail(f"Max <{sender}>", subject, mid, **kw), mailbox=box, source="test")
    return Ticket.objects.get(pk=settled.ticket or 0)


def clocks(ticket: Ticket) -> dict[str, SlaClock]:
    return {clock.target: clock for clock in SlaClock.objects.filter(ticket=ticket)}


def minutes_until(moment: Any) -> float:
    return (moment - timezone.now()).total_seconds() / 60


def answer_to(ticket: Ticket) -> str:
    """The In-Reply-To header of a customer's answer to the ticket's latest reply."""
    reply = ticket.messages.filter(direction=Direction.OUTBOUND).latest("pk")
    return f"In-Reply-To: {reply.external_id}\r\n"


def test_a_new_mail_gets_its_due_times_and_the_agents_reply_meets_the_first_response(
    mailbox: Mailbox, agent: Agent
) -> None:
    policy()

    ticket = write(mailbox, "<a1@kunde.de>")

    running = clocks(ticket)
    assert set(running) == {"first_response", "resolution"}  # next response waits for an answer
    assert 59 < minutes_until(running["first_response"].due_at) <= 60
    assert 479 < minutes_until(running["resolution"].due_at) <= 480
    assert ticket.sla_state == SlaState.OK
    assert ticket.sla_due_at == running["first_response"].due_at == ticket.first_response_due
    assert ticket.sla_check_at == running["first_response"].warn_at  # 80 %: after 48 minutes
    assert 47 < minutes_until(ticket.sla_check_at) <= 48
    assert ticket.events.filter(kind=EventKind.SLA_POLICY).get().data["name"] == "Standard"

    do_reply(ticket, agent=agent, text="Ist unterwegs.")

    ticket.refresh_from_db()
    first = clocks(ticket)["first_response"]
    assert first.state == SlaState.MET and first.met_at is not None and first.breached_at is None
    assert ticket.sla_due_at == clocks(ticket)["resolution"].due_at
    assert ticket.first_response_due is None and ticket.sla_state == SlaState.OK


def test_an_unanswered_mail_breaches_once_and_the_escalation_rule_raises_its_priority(mailbox: Mailbox) -> None:
    policy()
    RoutingRule.objects.create(
        name="Eskalation",
        triggers=["sla_breached"],
        actions=[{"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": ["eskaliert"]}],
    )
    ticket = write(mailbox, "<b1@kunde.de>")
    now = timezone.now()

    assert beat.run(now=now + timedelta(minutes=30)) == 0  # too early for anything
    assert beat.run(now=now + timedelta(minutes=50)) == 1  # the warning, at 80 %
    assert beat.run(now=now + timedelta(minutes=61)) == 1  # the breach
    assert beat.run(now=now + timedelta(minutes=62)) == 0  # never twice

    ticket.refresh_from_db()
    first = clocks(ticket)["first_response"]
    assert first.state == SlaState.BREACHED
    assert first.breached_at == first.started_at + timedelta(minutes=60)  # the due time it passed
    assert ticket.sla_state == SlaState.BREACHED
    assert list(ticket.events.filter(kind__startswith="sla_").values_list("kind", "data__target")) == [
        ("sla_policy", None),
        ("sla_warning", "first_response"),
        ("sla_breached", "first_response"),
    ]
    assert ticket.priority == 3
    assert list(ticket.tags.values_list("name", flat=True)) == ["eskaliert"]
    # The rule's priority is the SLA's too: resolution now runs on the "high" target, with the
    # time it has used; first response stays breached.
    assert first.minutes == 30 and first.due_at == first.started_at + timedelta(minutes=30)
    resolution = clocks(ticket)["resolution"]
    assert resolution.minutes == 240
    assert resolution.due_at is not None
    assert 239 < (resolution.due_at - resolution.started_at).total_seconds() / 60 <= 240


def test_the_clocks_pause_while_the_ticket_waits_on_the_customer_and_resume_when_they_write(
    mailbox: Mailbox, agent: Agent
) -> None:
    policy()
    ticket = write(mailbox, "<c1@kunde.de>")

    do_reply(ticket, agent=agent, text="Welche Bestellnummer?", status=TicketStatus.PENDING)

    ticket.refresh_from_db()
    resolution = clocks(ticket)["resolution"]
    assert resolution.state == SlaState.PAUSED and resolution.due_at is None
    assert resolution.remaining is not None
    assert timedelta(minutes=479) < resolution.remaining <= timedelta(minutes=480)
    assert ticket.sla_state == SlaState.PAUSED and ticket.sla_due_at is None and ticket.sla_check_at is None
    assert beat.run(now=timezone.now() + timedelta(days=3)) == 0  # nothing runs while paused

    again = write(mailbox, "<c2@kunde.de>", "Re: Lieferung fehlt", body="Nummer 4711", extra=answer_to(ticket))

    assert again.pk == ticket.pk and again.status == TicketStatus.OPEN
    running = clocks(again)
    assert running["resolution"].state == SlaState.OK
    assert 478 < minutes_until(running["resolution"].due_at) <= 480  # what was left, not a new 480
    # The customer answered the agent: they wait for the next response now.
    assert running["next_response"].state == SlaState.OK
    assert 29 < minutes_until(running["next_response"].due_at) <= 30
    assert again.sla_due_at == running["next_response"].due_at

    do_reply(again, agent=agent, text="Danke, ist unterwegs.")

    assert clocks(again)["next_response"].state == SlaState.MET


def test_a_second_mail_before_the_answer_keeps_the_next_response_clock_it_started(
    mailbox: Mailbox, agent: Agent
) -> None:
    policy()
    ticket = write(mailbox, "<d1@kunde.de>")
    do_reply(ticket, agent=agent, text="Wir schauen nach.")
    write(mailbox, "<d2@kunde.de>", "Re: Lieferung fehlt", extra=answer_to(ticket))
    started = clocks(ticket)["next_response"].started_at

    write(mailbox, "<d3@kunde.de>", "Re: Lieferung fehlt", body="Noch da?", extra=answer_to(ticket))

    assert clocks(ticket)["next_response"].started_at == started


def test_resolution_is_met_when_solved_and_resumes_with_its_remaining_time_when_the_customer_reopens(
    mailbox: Mailbox, agent: Agent
) -> None:
    policy()
    ticket = write(mailbox, "<e1@kunde.de>")
    do_reply(ticket, agent=agent, text="Erledigt.", status=TicketStatus.SOLVED)

    ticket.refresh_from_db()
    resolution = clocks(ticket)["resolution"]
    assert resolution.state == SlaState.MET and resolution.met_at is not None
    assert ticket.sla_state == SlaState.MET and ticket.sla_check_at is None

    reopened = write(mailbox, "<e2@kunde.de>", "Re: Lieferung fehlt", body="Doch nicht.", extra=answer_to(ticket))

    assert reopened.pk == ticket.pk and reopened.status == TicketStatus.OPEN
    resolution = clocks(reopened)["resolution"]
    assert resolution.state == SlaState.OK and resolution.met_at is None
    assert 478 < minutes_until(resolution.due_at) <= 480
    assert reopened.events.filter(kind=EventKind.STATUS).latest("pk").data["previous"] == "solved"

    do_set_status(reopened, TicketStatus.SOLVED, actor=agent)

    assert clocks(reopened)["resolution"].state == SlaState.MET


def test_an_organizations_contract_applies_before_the_policies_by_position(mailbox: Mailbox) -> None:
    standard = policy("Standard")
    premium = policy("Premium", targets={"first_response": {"2": 20}})
    organization = Organization.objects.create(name="Kunde GmbH", domains=["kunde.de"])
    do_set_organization_sla_policy(actor=None, organization=organization, policy=premium)

    ticket = write(mailbox, "<f1@kunde.de>")

    assert ticket.sla_policy_id == premium.pk and not ticket.sla_policy_fixed
    assert 19 < minutes_until(clocks(ticket)["first_response"].due_at) <= 20
    assert "contract of Kunde GmbH" in ticket.events.get(kind=EventKind.SLA_POLICY).data["reason"]
    assert write(mailbox, "<f2@andere.de>", sender="eva@andere.de").sla_policy_id == standard.pk


def test_a_routing_rule_sets_the_policy_of_a_new_ticket(mailbox: Mailbox) -> None:
    policy("Standard")
    vip = policy("VIP", targets={"first_response": {"2": 10}})
    RoutingRule.objects.create(
        name="VIP-Postfach",
        triggers=["ticket_created"],
        conditions=[{"field": "subject", "op": "contains", "value": "dringend"}],
        actions=[{"type": "set_sla_policy", "value": "vip"}],
    )

    ticket = write(mailbox, "<g1@kunde.de>", "Dringend: Ausfall")

    assert ticket.sla_policy_id == vip.pk and ticket.sla_policy_fixed
    assert 9 < minutes_until(clocks(ticket)["first_response"].due_at) <= 10
    routed = ticket.events.filter(kind=EventKind.ROUTED).values_list("data__rule", flat=True)
    assert "rule «VIP-Postfach»: SLA policy VIP" in list(routed)


def test_a_note_does_not_meet_the_first_response(mailbox: Mailbox, agent: Agent) -> None:
    from hub.actions import do_add_note

    policy()
    ticket = write(mailbox, "<h1@kunde.de>")

    do_add_note(ticket, agent=agent, text="Intern: Lager fragen")

    assert clocks(ticket)["first_response"].state == SlaState.OK


def test_an_out_of_office_reply_from_the_customer_starts_no_next_response(mailbox: Mailbox, agent: Agent) -> None:
    policy()
    ticket = write(mailbox, "<i1@kunde.de>")
    do_reply(ticket, agent=agent, text="Wir melden uns.")

    write(
        mailbox,
        "<i2@kunde.de>",
        "Abwesenheitsnotiz: Re: Lieferung fehlt",
        body="Ich bin bis Montag nicht im Büro.",
        extra=answer_to(ticket) + "Auto-Submitted: auto-replied\r\n",
    )

    assert "next_response" not in clocks(ticket)
    assert ticket.messages.count() == 3  # stored on the ticket all the same


def test_every_answered_wait_is_kept_for_the_reports_when_the_customer_writes_again(
    mailbox: Mailbox, agent: Agent
) -> None:
    policy()
    ticket = write(mailbox, "<o1@kunde.de>")
    do_reply(ticket, agent=agent, text="Wir schauen nach.")
    write(mailbox, "<o2@kunde.de>", "Re: Lieferung fehlt", extra=answer_to(ticket))
    # The second wait goes unanswered past its 30 minutes: the beat finds it breached.
    assert beat.run(now=timezone.now() + timedelta(minutes=31)) >= 1
    do_reply(ticket, agent=agent, text="Entschuldigung, ist unterwegs.")
    write(mailbox, "<o3@kunde.de>", "Re: Lieferung fehlt", body="Danke!", extra=answer_to(ticket))
    do_reply(ticket, agent=agent, text="Gern.")

    outcomes = SlaOutcome.objects.filter(ticket=ticket).order_by("target", "started_at")
    kept = [(o.target, o.met_at is not None, o.breached_at is not None) for o in outcomes]
    # The clock of the next response holds only its latest run; every run is kept here.
    assert kept == [
        ("first_response", True, False),
        ("next_response", True, True),  # answered, but late: missed
        ("next_response", True, False),
    ]
    assert SlaClock.objects.filter(ticket=ticket, target="next_response").count() == 1
