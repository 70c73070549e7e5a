"""Teams' assignment strategies as agents meet them: who gets the team's mail, and why."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from hub.models import Agent, EventKind, InboundEvent, RoutingRule, Strategy, Team, TeamRouting, Ticket
from hub.models.teams import Presence
from hub.pipeline import receive
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def agent(team: Team, presence: str = Presence.ONLINE, **kwargs: Any) -> Agent:
    return AgentFactory.create(teams=[team], presence=presence, **kwargs)


def strategy(team: Team, value: str) -> None:
    TeamRouting.objects.update_or_create(team=team, defaults={"strategy": value})


def mail(n: int | str, **fields: Any) -> Ticket:
    fields.setdefault("team", "support")
    event, _ = receive("fake", f"a-{n}", payload(email=f"k{n}@example.de", **fields))
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    return Ticket.objects.get(pk=event.ticket_id)


def reason(ticket: Ticket) -> str:
    return str(ticket.events.filter(kind=EventKind.ROUTED).first().data["rule"])  # type: ignore[union-attr]


def test_round_robin_gives_the_teams_mail_to_online_agents_in_turn(fake_channel: FakeChannel, team: Team) -> None:
    strategy(team, Strategy.ROUND_ROBIN)
    anna, ben = agent(team), agent(team)
    agent(team, presence=Presence.OFFLINE)
    agent(team, presence=Presence.AWAY)

    owners = [mail(n).assignee for n in range(4)]

    assert owners == [anna, ben, anna, ben]
    assert "round robin" in reason(Ticket.objects.filter(assignee=ben).first())  # type: ignore[arg-type]


def test_least_loaded_gives_mail_to_the_agent_with_the_most_room_and_never_past_capacity(
    fake_channel: FakeChannel, team: Team
) -> None:
    strategy(team, Strategy.LEAST_LOADED)
    anna = agent(team, capacity={"fake": 2})
    ben = agent(team, capacity={"fake": 4})
    for _ in range(2):
        TicketFactory.create(team=team, assignee=ben, origin_channel="fake")

    owners = [mail(n).assignee for n in range(5)]

    # Ben has two of four (half full), Anna none of two: Anna first, then whoever is emptier.
    assert owners[0] == anna
    assert Counter(owners) == Counter({anna: 2, ben: 2, None: 1})
    full = Ticket.objects.filter(assignee__isnull=True, origin_channel="fake").get()
    assert "every online agent of the team is at capacity" in reason(full)


def test_skills_send_a_ticket_only_to_agents_who_have_them_and_say_so_when_nobody_does(
    fake_channel: FakeChannel, team: Team
) -> None:
    strategy(team, Strategy.SKILLS)
    agent(team, skills=["returns"])
    sap = agent(team, skills=["SAP", "returns"])
    RoutingRule.objects.create(
        name="SAP",
        triggers=["ticket_created"],
        conditions=[{"field": "subject", "op": "contains", "value": "SAP"}],
        actions=[{"type": "require_skills", "value": ["sap"]}],
    )
    RoutingRule.objects.create(
        name="Zoll",
        position=1,
        triggers=["ticket_created"],
        conditions=[{"field": "subject", "op": "contains", "value": "Zoll"}],
        actions=[{"type": "require_skills", "value": ["customs"]}],
    )

    sap_tickets = [mail(n, subject=f"SAP Schnittstelle {n}") for n in range(3)]
    customs = mail(9, subject="Zollpapiere")

    assert {t.assignee for t in sap_tickets} == {sap}
    assert "has sap" in reason(sap_tickets[0])
    assert customs.assignee is not None
    assert "nobody with room has customs: any agent of the team" in reason(customs)


def test_a_ticket_in_german_goes_to_the_agent_who_speaks_german(fake_channel: FakeChannel, team: Team) -> None:
    strategy(team, Strategy.SKILLS)
    english = agent(team, skills=["en"])
    german = agent(team, skills=["de", "en"])
    for n, language in enumerate(["de", "de", "de", "fr"]):
        customer = CustomerFactory.create(language=language)
        IdentityFactory.create(customer=customer, kind="email", value=f"k{n}@example.de")

    tickets = [mail(n) for n in range(4)]

    assert [t.assignee for t in tickets[:3]] == [german, german, german]
    # Nobody lists French: the team's least loaded agent, whatever they speak.
    assert tickets[3].assignee == english


def test_a_manual_team_leaves_mail_and_chats_in_its_queue(fake_channel: FakeChannel, team: Team) -> None:
    strategy(team, Strategy.MANUAL)
    agent(team)

    ticket = mail(1)

    assert ticket.assignee is None
    assert ticket.team == team


def test_without_a_strategy_mail_stays_in_the_queue_as_before(fake_channel: FakeChannel, team: Team) -> None:
    agent(team)
    assert mail(1).assignee is None


def test_a_rule_can_assign_a_named_agent_or_hand_the_ticket_to_the_teams_strategy(
    fake_channel: FakeChannel, team: Team
) -> None:
    boss = agent(team, presence=Presence.OFFLINE)
    helper = agent(team)
    RoutingRule.objects.create(
        name="Chefsache",
        triggers=["ticket_created"],
        conditions=[{"field": "subject", "op": "contains", "value": "Beschwerde"}],
        actions=[{"type": "assign", "value": boss.pk}],
        stop=True,
    )
    RoutingRule.objects.create(
        name="Verteilen",
        position=1,
        triggers=["ticket_created"],
        conditions=[],
        actions=[{"type": "assign", "value": "team"}],
    )

    complaint = mail(1, subject="Beschwerde")
    question = mail(2, subject="Frage")

    assert complaint.assignee == boss  # mail waits for them, online or not
    assert question.assignee == helper
    assert complaint.events.filter(kind=EventKind.ASSIGNED).count() == 1


@pytest.mark.postgres(reason="worker processes share a PostgreSQL database")
def test_parallel_workers_never_put_an_agent_over_capacity_nor_assign_a_ticket_twice(
    fake_channel: FakeChannel, team: Team
) -> None:
    strategy(team, Strategy.LEAST_LOADED)
    agents = [agent(team, capacity={"fake": 4}) for _ in range(4)]
    for n in range(40):
        InboundEvent.objects.create(
            channel="fake", external_id=f"p-{n}", payload=payload(email=f"p{n}@example.de", team="support")
        )
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL or "",
        "LOG_LEVEL": "WARNING",
    }
    workers = [
        subprocess.Popen([sys.executable, "-m", "hub.tests.routing_worker"], cwd=ROOT, env=env) for _ in range(3)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    assert not InboundEvent.objects.filter(state="received").exists()
    load = Counter(Ticket.objects.filter(assignee__isnull=False).values_list("assignee_id", flat=True))
    assert load == Counter({a.pk: 4 for a in agents})
    assigned = Counter(Ticket.objects.filter(events__kind=EventKind.ASSIGNED).values_list("pk", flat=True))
    assert len(assigned) == 16
    assert set(assigned.values()) == {1}
