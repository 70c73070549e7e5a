"""New chats go to an online agent of the team with room, the least loaded first; when nobody
has room they wait in the team's queue, and the ticket's timeline says why."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from channels_chat import actions
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from hub.models import Agent, Role, Team, Ticket, TicketStatus
from hub.models.teams import Presence
from hub.pipeline import receive
from hub.routing.capacity import pick_agent
from hub.tests.factories import AgentFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])


def online(team: Team, capacity: int | None = None, **kwargs: object) -> Agent:
    agent = AgentFactory.create(teams=[team], presence=Presence.ONLINE, **kwargs)
    if capacity is not None:
        agent.capacity = {"chat": capacity}
        agent.save(update_fields=["capacity"])
    return agent


def new_chat(widget: Widget, text: str = "Hallo, ist jemand da?", offline: bool = False) -> Ticket:
    """A visitor opens the widget and writes: the real chat action and pipeline make the ticket."""
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, offline=offline)
    actions.post_visitor_message(session, client_id="c1", text=text)
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return Ticket.objects.get(pk=ticket_id)


def routing_rule(ticket: Ticket) -> str:
    return str(ticket.events.get(kind="routed").data["rule"])


def test_chats_fill_the_least_loaded_agent_first_until_everyone_is_full(widget: Widget, team: Team) -> None:
    anna = online(team, capacity=2)
    ben = online(team, capacity=1)

    owners = [new_chat(widget).assignee for _ in range(3)]
    fourth = new_chat(widget)

    assert sorted(a.pk for a in owners if a) == sorted([anna.pk, anna.pk, ben.pk])
    # Never two chats to one agent while another sits with none.
    assert owners[0] != owners[1]
    assert fourth.assignee is None
    assert fourth.team == team
    assert "every online agent of the team is at capacity" in routing_rule(fourth)


def test_a_new_chat_is_assigned_with_an_event_that_names_the_rule(widget: Widget, team: Team) -> None:
    anna = online(team, capacity=3)

    ticket = new_chat(widget)

    assert ticket.assignee == anna
    assert ticket.status == TicketStatus.NEW  # still unread for Anna
    assert "least loaded online agent with room (0 of 3 chats open)" in routing_rule(ticket)
    assigned = ticket.events.get(kind="assigned")
    assert assigned.actor is None
    assert assigned.data["assignee_id"] == anna.pk


def test_agents_who_are_away_or_offline_or_in_another_team_get_no_chats(
    widget: Widget, team: Team, other_team: Team
) -> None:
    AgentFactory.create(teams=[team], presence=Presence.AWAY)
    AgentFactory.create(teams=[team], presence=Presence.OFFLINE)
    online(other_team)

    ticket = new_chat(widget)

    assert ticket.assignee is None
    assert ticket.team == team
    assert "no agent of the team is online" in routing_rule(ticket)


def test_online_viewers_and_deactivated_agents_get_no_chats(widget: Widget, team: Team) -> None:
    online(team, role=Role.VIEWER)
    gone = online(team)
    gone.user.is_active = False
    gone.user.save(update_fields=["is_active"])

    ticket = new_chat(widget)

    assert ticket.assignee is None
    assert "no agent of the team is online" in routing_rule(ticket)


def test_a_full_agent_is_skipped_for_a_free_one_even_when_the_free_one_has_more_chats(
    widget: Widget, team: Team, other_team: Team
) -> None:
    full = online(team, capacity=1)
    busy = online(team, capacity=5)
    TicketFactory.create(team=team, assignee=full, origin_channel="chat")
    for _ in range(2):
        TicketFactory.create(team=team, assignee=busy, origin_channel="chat")

    assert new_chat(widget).assignee == busy


def test_solved_chats_and_open_mail_do_not_count_against_the_chat_capacity(widget: Widget, team: Team) -> None:
    anna = online(team, capacity=1)
    TicketFactory.create(team=team, assignee=anna, origin_channel="chat", status=TicketStatus.SOLVED)
    TicketFactory.create(team=team, assignee=anna, origin_channel="email", status=TicketStatus.OPEN)

    assert new_chat(widget).assignee == anna


def test_an_agent_without_a_chat_capacity_takes_the_default(widget: Widget, team: Team, settings) -> None:
    settings.CHAT_DEFAULT_CAPACITY = 1
    anna = online(team)

    first, second = new_chat(widget), new_chat(widget)

    assert first.assignee == anna
    assert second.assignee is None


def test_equally_loaded_agents_take_turns_the_longest_idle_first(widget: Widget, team: Team) -> None:
    recent = online(team, capacity=3)
    idle = online(team, capacity=3)
    never = online(team, capacity=3)
    now = timezone.now()
    # Earlier chats, now solved: the load is equal (none open), the last assignment differs.
    TicketFactory.create(
        assignee=recent, origin_channel="chat", status=TicketStatus.SOLVED, created_at=now - timedelta(minutes=5)
    )
    TicketFactory.create(
        assignee=idle, origin_channel="chat", status=TicketStatus.SOLVED, created_at=now - timedelta(hours=2)
    )

    owners = [new_chat(widget).assignee for _ in range(3)]

    assert owners == [never, idle, recent]


def test_offline_messages_and_other_channels_are_not_assigned(
    widget: Widget, team: Team, fake_channel: FakeChannel
) -> None:
    online(team, capacity=3)

    offline = new_chat(widget, text="Bitte um Rückruf", offline=True)
    receive("fake", "m-1", payload(text="Per Mail", team="support"))
    mail = Ticket.objects.get(origin_channel="fake")

    assert offline.assignee is None and offline.team == team
    assert mail.assignee is None and mail.team == team


def blocked_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.postgres("watches the second routing wait for the agent rows' lock in pg_stat_activity")
def test_two_chats_routed_at_the_same_moment_never_overfill_an_agent(team: Team) -> None:
    """The agent rows are locked while the load is counted: the second routing waits for the
    first to commit and then sees its chat."""
    anna = online(team, capacity=1)
    one = TicketFactory.create(team=team, origin_channel="chat")
    two = TicketFactory.create(team=team, origin_channel="chat")
    first_chose, release = threading.Event(), threading.Event()
    results: dict[str, int | None] = {}

    def route_one(name: str, ticket: Ticket, hold: bool) -> None:
        try:
            with transaction.atomic():
                choice = pick_agent(team.pk, "chat")
                if choice.agent is not None:
                    Ticket.objects.filter(pk=ticket.pk).update(assignee=choice.agent)
                if hold:
                    # Keep the lock until the other routing is seen waiting, as a slow pipeline would.
                    first_chose.set()
                    assert release.wait(10)
                results[name] = choice.agent.pk if choice.agent else None
        finally:
            connections.close_all()

    first = threading.Thread(target=route_one, args=("first", one, True))
    first.start()
    assert first_chose.wait(10)
    second = threading.Thread(target=route_one, args=("second", two, False))
    second.start()
    deadline = timezone.now() + timedelta(seconds=10)
    while not blocked_on_a_lock() and timezone.now() < deadline:
        threading.Event().wait(0.02)
    waited = blocked_on_a_lock()
    release.set()
    first.join(10)
    second.join(10)

    assert waited
    assert results == {"first": anna.pk, "second": None}
    assert Ticket.objects.filter(assignee=anna).count() == 1


def test_chats_routed_in_one_batch_count_each_other_and_never_overfill_an_agent(team: Team) -> None:
    # The pipeline routes a batch's new tickets before any is saved: the second chat must see
    # that the first took Anna's only place.
    from hub.adapters import Interaction
    from hub.routing import Router

    anna = online(team, capacity=1)
    chat = Interaction(channel="chat", identities=(), text="Hallo", team_hint=team.slug, wants_agent=True)

    with transaction.atomic():
        router = Router()
        first, second = router.decide(chat), router.decide(chat)

    assert first.assignee == anna
    assert second.assignee is None
    assert "at capacity" in second.rule


def test_routing_gives_a_wants_agent_interaction_of_any_channel_to_an_agent_with_capacity_on_that_channel(
    team: Team,
) -> None:
    from hub.adapters import Interaction
    from hub.routing import Router

    chats_only = online(team, capacity=3)
    chats_only.capacity = {"chat": 3, "phone": 0}
    chats_only.save(update_fields=["capacity"])
    caller = online(team, capacity=0)
    caller.capacity = {"chat": 0, "phone": 1}
    caller.save(update_fields=["capacity"])
    call = Interaction(channel="phone", identities=(), text="", team_hint=team.slug, wants_agent=True)

    with transaction.atomic():
        router = Router()
        first, second = router.decide(call), router.decide(call)

    assert first.assignee == caller
    assert "phone capacity: least loaded online agent with room (0 of 1 phones open)" in first.rule
    assert second.assignee is None and "at capacity" in second.rule


def test_open_tickets_of_another_channel_do_not_count_against_an_agents_room_on_this_one(team: Team) -> None:
    from hub.adapters import Interaction
    from hub.routing import Router

    anna = online(team)
    anna.capacity = {"chat": 1, "phone": 1}
    anna.save(update_fields=["capacity"])
    TicketFactory.create(team=team, assignee=anna, origin_channel="chat", status=TicketStatus.OPEN)
    call = Interaction(channel="phone", identities=(), text="", team_hint=team.slug, wants_agent=True)

    with transaction.atomic():
        decision = Router().decide(call)

    assert decision.assignee == anna


def test_an_interaction_that_wants_no_agent_stays_in_the_team_queue_whatever_its_channel(team: Team) -> None:
    from hub.adapters import Interaction
    from hub.routing import Router

    online(team, capacity=3)
    chat = Interaction(channel="chat", identities=(), text="Hallo", team_hint=team.slug, wants_agent=False)

    with transaction.atomic():
        decision = Router().decide(chat)

    assert decision.team == team and decision.assignee is None
    assert "capacity" not in decision.rule


def test_a_channel_without_a_default_capacity_setting_takes_one_conversation_at_a_time(team: Team) -> None:
    from hub.routing.capacity import DEFAULT_CAPACITY, capacity

    anna = online(team)

    assert DEFAULT_CAPACITY == 1
    assert capacity(anna, "phone") == 1
    anna.capacity = {"phone": "lots"}
    assert capacity(anna, "phone") == 1
