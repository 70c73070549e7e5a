"""Macros in the hub: applying one changes the ticket through its own actions (each change in
the timeline), leaves the rendered reply as the agent's draft or sends it when flagged, snoozes,
works on several tickets at once within the agent's scope, and keeps its scope and uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.actions.macros import MacroError, MacroValues, apply_macro, do_delete_macro, do_save_macro
from hub.actions.snooze import do_wake_snoozed
from hub.models import (
    Agent,
    AssignTo,
    AuditEntry,
    CannedReply,
    CannedScope,
    Draft,
    EventKind,
    Macro,
    Message,
    Priority,
    Role,
    Team,
    Ticket,
    TicketSnooze,
    TicketStatus,
)
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _reply(text_de: str = "Hallo {{customer.first_name}}, Ihr Paket ist unterwegs.", **values: object) -> CannedReply:
    values.setdefault("scope", CannedScope.GLOBAL)
    return CannedReply.objects.create(title="Versand", texts={"de": text_de, "en": "Hi"}, **values)


def _macro(**values: object) -> Macro:
    values.setdefault("title", "Versandfrage")
    values.setdefault("scope", CannedScope.GLOBAL)
    return Macro.objects.create(**values)


@pytest.fixture
def ticket(agent: Agent) -> Ticket:
    customer = CustomerFactory.create(display_name="Jana Schmidt", language="de")
    IdentityFactory.create(customer=customer, value="jana@kunde.example")
    return TicketFactory.create(customer=customer, team=agent.teams.first(), status=TicketStatus.OPEN)


def _kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


def test_applying_a_macro_changes_each_field_and_records_each_change_in_the_timeline(
    ticket: Ticket, agent: Agent, other_team: Team
) -> None:
    ticket.tags.create(name="neu")
    macro = _macro(
        set_status=TicketStatus.PENDING,
        set_priority=Priority.HIGH,
        set_team=other_team,
        assign=AssignTo.ME,
        add_tags=["versand"],
        remove_tags=["neu"],
    )

    [applied] = apply_macro(agent, [ticket.pk], macro)

    ticket.refresh_from_db()
    assert applied.ticket_id == ticket.pk and applied.draft == ""
    assert (ticket.status, ticket.priority, ticket.team, ticket.assignee) == (
        TicketStatus.PENDING,
        Priority.HIGH,
        other_team,
        agent,
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["versand"]
    assert _kinds(ticket) == [
        EventKind.TEAM_CHANGED,
        EventKind.ASSIGNED,
        EventKind.PRIORITY,
        EventKind.TAGS,
        EventKind.STATUS,
    ]
    assert set(ticket.events.values_list("actor", flat=True)) == {agent.pk}


def test_the_macro_assigns_whoever_applies_it(ticket: Ticket, agent: Agent, team: Team) -> None:
    colleague = AgentFactory.create(teams=[team], role=Role.AGENT)
    macro = _macro(assign=AssignTo.ME)

    apply_macro(colleague, [ticket.pk], macro)
    ticket.refresh_from_db()
    assert ticket.assignee == colleague

    apply_macro(agent, [ticket.pk], macro)
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_a_personal_macro_neither_moves_a_ticket_out_of_sight_nor_hands_it_to_someone_who_may_not_see_it(
    ticket: Ticket, agent: Agent, team: Team, other_team: Team
) -> None:
    outsider = AgentFactory.create(teams=[other_team], role=Role.AGENT, user__first_name="Olaf", user__last_name="")
    macro = _macro(
        scope=CannedScope.PERSONAL, owner=agent, set_team=other_team, assign=AssignTo.AGENT, assignee=outsider,
        set_priority=Priority.HIGH,
    )  # fmt: skip

    [applied] = apply_macro(agent, [ticket.pk], macro)

    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.priority) == (team, None, Priority.HIGH)
    assert applied.left_out == [
        "Das Team: Sie dürfen dieses Ticket nicht an Billing geben.",
        "Die Zuweisung: Olaf darf dieses Ticket nicht übernehmen.",
    ]


def test_a_shared_macro_assigns_only_someone_who_sees_the_ticket_once_it_has_moved(
    ticket: Ticket, agent: Agent, team: Team, other_team: Team
) -> None:
    billing = AgentFactory.create(teams=[other_team], role=Role.AGENT)
    stay = _macro(title="Billing expert", assign=AssignTo.AGENT, assignee=billing)
    move = _macro(title="To billing", set_team=other_team, assign=AssignTo.AGENT, assignee=billing)

    [stayed] = apply_macro(agent, [ticket.pk], stay)
    ticket.refresh_from_db()
    assert ticket.assignee is None and len(stayed.left_out) == 1

    [moved] = apply_macro(agent, [ticket.pk], move)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, moved.left_out) == (other_team, billing, [])


def test_the_canned_reply_is_rendered_into_the_agents_draft_and_not_sent(ticket: Ticket, agent: Agent) -> None:
    Draft.objects.create(ticket=ticket, agent=agent, text="Schon geschrieben.")
    macro = _macro(reply=_reply(), set_status=TicketStatus.PENDING)

    [applied] = apply_macro(agent, [ticket.pk], macro)

    assert applied.draft == "Hallo Jana, Ihr Paket ist unterwegs."
    assert applied.sent_message_id is None
    draft = Draft.objects.get(ticket=ticket, agent=agent)
    assert draft.text == "Schon geschrieben.\n\nHallo Jana, Ihr Paket ist unterwegs."
    assert not Message.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING


def test_a_macro_flagged_send_immediately_sends_the_reply_and_sets_the_status_with_it(
    ticket: Ticket, agent: Agent
) -> None:
    reply = _reply()
    macro = _macro(reply=reply, send_reply=True, set_status=TicketStatus.PENDING)

    [applied] = apply_macro(agent, [ticket.pk], macro)

    sent = Message.objects.get(ticket=ticket)
    assert applied.sent_message_id == sent.pk and applied.draft == ""
    assert sent.text == "Hallo Jana, Ihr Paket ist unterwegs." and sent.author_agent == agent
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert EventKind.REPLIED in _kinds(ticket)
    reply.refresh_from_db()
    macro.refresh_from_db()
    assert (reply.usage_count, macro.usage_count) == (1, 1)


def test_a_reply_with_a_placeholder_left_empty_is_kept_as_a_draft_instead_of_sent(ticket: Ticket, agent: Agent) -> None:
    macro = _macro(reply=_reply("Hallo {{organization.name}}"), send_reply=True)

    [applied] = apply_macro(agent, [ticket.pk], macro)

    assert applied.sent_message_id is None and applied.not_sent
    assert applied.empty == ["organization.name"]
    assert Draft.objects.get(ticket=ticket, agent=agent).text == "Hallo {{organization.name}}"
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_reply_the_channel_cannot_take_now_is_kept_as_a_draft_and_the_ticket_not_solved_without_it(
    agent: Agent, team: Team
) -> None:
    # No address to write to: the reply cannot go out by email.
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN)
    macro = _macro(reply=_reply("Danke!"), send_reply=True, set_status=TicketStatus.SOLVED)

    [applied] = apply_macro(agent, [ticket.pk], macro)

    assert applied.sent_message_id is None and applied.not_sent
    assert Draft.objects.get(ticket=ticket, agent=agent).text == "Danke!"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert not Message.objects.filter(ticket=ticket).exists()


def test_a_snoozed_ticket_waits_as_pending_and_comes_back_open_when_its_time_is_up(
    ticket: Ticket, agent: Agent
) -> None:
    apply_macro(agent, [ticket.pk], _macro(snooze_minutes=120))
    ticket.refresh_from_db()
    snooze = TicketSnooze.objects.get(ticket=ticket)
    assert ticket.status == TicketStatus.PENDING
    assert timedelta(minutes=119) < snooze.until - timezone.now() <= timedelta(minutes=120)

    assert do_wake_snoozed(now=timezone.now() + timedelta(minutes=60)) == 0
    assert do_wake_snoozed(now=timezone.now() + timedelta(minutes=121)) == 1

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert not TicketSnooze.objects.exists()
    reopened = ticket.events.filter(kind=EventKind.STATUS).last()
    assert reopened is not None and (reopened.data["status"], reopened.actor) == (TicketStatus.OPEN, None)


def test_a_snoozed_ticket_someone_moved_on_meanwhile_is_left_as_it_is(ticket: Ticket, agent: Agent) -> None:
    apply_macro(agent, [ticket.pk], _macro(snooze_minutes=10))
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.SOLVED)

    assert do_wake_snoozed(now=timezone.now() + timedelta(minutes=11)) == 0

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert not TicketSnooze.objects.exists()


def test_a_macro_applied_to_several_tickets_changes_only_those_the_agent_may_change(
    ticket: Ticket, agent: Agent, team: Team, other_team: Team
) -> None:
    second = TicketFactory.create(team=team)
    foreign = TicketFactory.create(team=other_team)
    macro = _macro(set_priority=Priority.URGENT)

    applied = apply_macro(agent, [ticket.pk, second.pk, foreign.pk], macro)

    assert [a.ticket_id for a in applied] == sorted([ticket.pk, second.pk])
    assert set(Ticket.objects.filter(priority=Priority.URGENT).values_list("pk", flat=True)) == {ticket.pk, second.pk}
    macro.refresh_from_db()
    assert macro.usage_count == 2


def test_an_agent_may_not_apply_another_agents_personal_macro_or_another_teams(
    ticket: Ticket, agent: Agent, other_team: Team
) -> None:
    someone = AgentFactory.create(role=Role.AGENT)
    for macro in (
        _macro(scope=CannedScope.PERSONAL, owner=someone, set_priority=Priority.URGENT),
        _macro(scope=CannedScope.TEAM, team=other_team, set_priority=Priority.URGENT),
    ):
        with pytest.raises(MacroError):
            apply_macro(agent, [ticket.pk], macro)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


# --- Keeping them ---------------------------------------------------------------------------


def test_an_agent_keeps_personal_macros_only_and_those_stay_out_of_the_audit_log(agent: Agent, team: Team) -> None:
    with pytest.raises(MacroError) as refused:
        do_save_macro(agent, None, MacroValues(title="Global", scope=CannedScope.GLOBAL, set_priority=Priority.HIGH))
    assert refused.value.field == "scope"

    macro, _changes = do_save_macro(
        agent, None, MacroValues(title="  Meins ", scope=CannedScope.PERSONAL, add_tags=[" VIP ", "vip"])
    )

    assert (macro.title, macro.owner, macro.add_tags) == ("Meins", agent, ["vip"])
    assert not AuditEntry.objects.exists()


def test_a_lead_saves_a_team_macro_and_the_audit_log_shows_what_changed(team: Team) -> None:
    lead = AgentFactory.create(role=Role.LEAD, teams=[team])
    values = MacroValues(title="Eskalieren", scope=CannedScope.TEAM, team=team, set_priority=Priority.URGENT)
    macro, _changes = do_save_macro(lead, None, values)

    values.set_priority = Priority.HIGH
    macro, changes = do_save_macro(lead, macro, values)

    assert list(changes) == ["set_priority"]
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "macro.created",
        "macro.updated",
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (MacroValues(title="", scope=CannedScope.GLOBAL, set_priority=Priority.HIGH), "title"),
        (MacroValues(title="Nichts", scope=CannedScope.GLOBAL), None),
        (MacroValues(title="T", scope=CannedScope.TEAM, set_priority=Priority.HIGH), "team"),
        (
            MacroValues(title="S", scope=CannedScope.GLOBAL, snooze_minutes=60, set_status=TicketStatus.SOLVED),
            "set_status",
        ),
        (MacroValues(title="A", scope=CannedScope.GLOBAL, assign=AssignTo.AGENT), "assignee"),
        (MacroValues(title="X", scope=CannedScope.GLOBAL, add_tags=["a"], remove_tags=["A"]), "remove_tags"),
    ],
)
def test_a_macro_that_makes_no_sense_is_refused_naming_the_field(
    admin_agent: Agent, values: MacroValues, field: str | None
) -> None:
    with pytest.raises(MacroError) as refused:
        do_save_macro(admin_agent, None, values)
    assert refused.value.field == field
    assert not Macro.objects.exists()


def test_a_shared_macro_cannot_carry_a_personal_reply(admin_agent: Agent) -> None:
    personal = _reply(scope=CannedScope.PERSONAL, owner=admin_agent)
    with pytest.raises(MacroError) as refused:
        do_save_macro(admin_agent, None, MacroValues(title="G", scope=CannedScope.GLOBAL, reply=personal))
    assert refused.value.field == "reply"


def test_an_agent_may_not_delete_a_shared_macro_but_an_admin_may(agent: Agent, admin_agent: Agent) -> None:
    macro = _macro(set_priority=Priority.HIGH)
    with pytest.raises(MacroError):
        do_delete_macro(agent, macro)
    do_delete_macro(admin_agent, macro)
    assert not Macro.objects.exists()
    assert AuditEntry.objects.get().action == "macro.deleted"
