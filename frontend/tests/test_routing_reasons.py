"""Why routing put a ticket where it is, on the timeline in the agent's language: the channel's
team and the team's strategy, and a live chat handed back when its agent went away. The event
keeps routing's English line for the log and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from channels_chat.models import Widget
from channels_chat.tests.helpers import new_chat, shop_widget
from frontend.timeline import describe
from hub.actions.presence import do_seen, do_set_presence
from hub.models import Agent, EventKind, RoutingRule, Strategy, Team, TeamRouting, Ticket, TicketEvent
from hub.models.teams import Presence
from hub.routing.reasons import Reason, shown
from hub.tests.factories import AgentFactory
from hub.tests.fake_channel import FakeChannel
from hub.tests.test_routing_assignment import mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def widget(team: Team) -> Widget:
    return shop_widget(team)


def routed(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.filter(kind=EventKind.ROUTED).order_by("id"))


def test_a_mail_given_out_in_turn_is_said_in_german_and_kept_in_routings_english(
    fake_channel: FakeChannel, team: Team
) -> None:
    TeamRouting.objects.create(team=team, strategy=Strategy.ROUND_ROBIN)
    tom = AgentFactory.create(teams=[team], presence=Presence.ONLINE, user__first_name="Tom", user__last_name="Berger")

    event = routed(mail(1))[0]

    assert event.data["rule"] == "team of the fake entry point; round robin: Tom Berger's turn"
    with translation.override("de"):
        assert describe(event, {}) == ("Geleitet: Team des Einstiegspunkts (fake); Reihum: Tom Berger ist an der Reihe")
    with translation.override("en"):
        assert describe(event, {}) == "Routed: team of the fake entry point; Round robin: Tom Berger's turn"
    assert tom.tickets.count() == 1


def test_least_loaded_with_a_skill_nobody_has_says_so_in_german(fake_channel: FakeChannel, team: Team) -> None:
    TeamRouting.objects.create(team=team, strategy=Strategy.SKILLS)
    AgentFactory.create(teams=[team], presence=Presence.ONLINE, skills=["fr"])
    nobody_online = Team.objects.create(name="Nacht", slug="nacht")
    TeamRouting.objects.create(team=nobody_online, strategy=Strategy.LEAST_LOADED)

    RoutingRule.objects.create(
        name="Zoll",
        triggers=["ticket_created"],
        conditions=[{"field": "subject", "op": "contains", "value": "Zoll"}],
        actions=[{"type": "require_skills", "value": ["customs"]}],
    )
    ticket = mail(2, subject="Zoll")
    queued = mail(3, team="nacht")

    with translation.override("de"):
        assert describe(routed(ticket)[0], {}) == (
            "Geleitet: Team des Einstiegspunkts (fake); Fähigkeiten: am wenigsten ausgelastet unter den"
            " Online-Mitgliedern (0 offen in fake); niemand mit Platz kann customs: jedes Mitglied des Teams"
        )
        assert describe(routed(queued)[0], {}) == (
            "Geleitet: Team des Einstiegspunkts (fake); Geringste Auslastung: niemand aus dem Team ist online;"
            " bleibt in der Team-Warteschlange"
        )
    assert (
        routed(queued)[0].data["rule"].endswith("least loaded: no agent of the team is online; left in the team queue")
    )


def test_a_chat_handed_back_when_its_agent_went_idle_says_why_in_german(team: Team, widget: Widget) -> None:
    anna = AgentFactory.create(
        teams=[team], presence=Presence.ONLINE, capacity={"chat": 2}, user__first_name="Anna", user__last_name="Roth"
    )
    chat = new_chat(widget)
    assert chat.assignee == anna
    ben = AgentFactory.create(
        teams=[team], presence=Presence.ONLINE, capacity={"chat": 1}, user__first_name="Ben", user__last_name="Ott"
    )

    do_seen(Agent.objects.get(pk=anna.pk), timedelta(minutes=20))

    last = routed(Ticket.objects.get(pk=chat.pk))[-1]
    assert last.data["rule"] == (
        "Anna Roth was idle: set away: chat capacity: least loaded online agent with room (0 of 1 chats open)"
    )
    with translation.override("de"):
        assert describe(last, {}) == (
            "Geleitet: Anna Roth war inaktiv: auf abwesend gesetzt: Kapazität Chat: am wenigsten ausgelastet"
            " unter den Online-Mitgliedern mit Platz (0 von 1 offen in Chat)"
        )
    assert Ticket.objects.get(pk=chat.pk).assignee == ben

    do_set_presence(ben, Presence.OFFLINE)
    with translation.override("de"):
        said = describe(routed(Ticket.objects.get(pk=chat.pk))[-1], {})
    assert said == "Geleitet: Ben Ott ist offline: zurück in die Team-Warteschlange"


def test_an_event_from_before_reasons_were_kept_shows_its_line_and_odd_data_is_no_reason() -> None:
    assert shown([["turn", {"agent": "Tom"}], ["nonsense", {}]]) is None
    assert shown("round robin") is None
    assert shown([]) is None
    assert Reason.of("manual").english() == "manual assignment: left in the team queue"
    with translation.override("de"):
        assert shown(Reason.of("manual").data()) == "manuelle Zuweisung: bleibt in der Team-Warteschlange"
