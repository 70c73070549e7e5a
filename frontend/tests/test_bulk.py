"""The inbox's bulk bar: a checkbox per row, one change for all selected tickets (each recorded
in its timeline, only within the agent's scope), "all matching" resolved on the server, and Undo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.models import Agent, Macro, Priority, Role, Tag, Team, Ticket, TicketSnooze, TicketStatus
from hub.models.tickets import EventKind, TicketEvent
from hub.tests.factories import TicketFactory
from hub.webhooks import outbox

pytestmark = pytest.mark.django_db


def _bulk(client: Client, ids: list[int], **values: Any) -> dict[str, Any]:
    response = client.post(reverse("agent_bulk"), {"ids": [str(i) for i in ids], **values})
    assert response.status_code == 200, response.content
    return dict(json.loads(response.content))


def _undo(client: Client, token: str) -> Any:
    return client.post(reverse("agent_bulk_undo"), {"token": token})


def _fresh(tickets: list[Ticket]) -> list[Ticket]:
    return list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk"))


def test_each_row_of_the_list_has_a_checkbox_named_after_its_ticket(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    ticket = TicketFactory.create(team=team, assignee=agent)
    page = client_for(agent).get(reverse("agent_view", args=["mine"])).content.decode()
    assert f'aria-label="Ticket #{ticket.pk} auswählen"' in page or f'aria-label="Select ticket #{ticket.pk}"' in page
    assert 'id="bulk-page"' in page and 'id="bulk-form"' in page


def test_a_viewer_sees_no_bulk_bar_and_may_not_change_tickets_in_bulk(team: Team) -> None:
    viewer = make_agent(Role.VIEWER, teams=[team])
    ticket = TicketFactory.create(team=team)
    client = client_for(viewer)
    assert 'id="bulk-form"' not in client.get(reverse("agent_view", args=["teams"])).content.decode()
    response = client.post(reverse("agent_bulk"), {"ids": [ticket.pk], "action": "status", "status": "solved"})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status


def test_an_agent_solves_three_tickets_at_once_and_each_timeline_records_it(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    tickets = TicketFactory.create_batch(3, team=team, status=TicketStatus.OPEN)
    done = _bulk(client_for(agent), [t.pk for t in tickets], action="status", status="solved")
    assert done["changed"] == 3 and done["token"]
    assert [t.status for t in _fresh(tickets)] == [TicketStatus.SOLVED] * 3
    for ticket in tickets:
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS, actor=agent).exists()


def test_tickets_outside_the_agents_scope_are_left_untouched(team: Team, other_team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    mine = TicketFactory.create(team=team, priority=Priority.NORMAL)
    theirs = TicketFactory.create(team=other_team, priority=Priority.NORMAL)
    done = _bulk(client_for(agent), [mine.pk, theirs.pk], action="priority", priority=str(Priority.URGENT))
    assert done["changed"] == 1
    assert Ticket.objects.get(pk=mine.pk).priority == Priority.URGENT
    assert Ticket.objects.get(pk=theirs.pk).priority == Priority.NORMAL
    assert not TicketEvent.objects.filter(ticket=theirs).exists()


def test_assigning_to_me_to_a_colleague_and_to_nobody(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    colleague = make_agent(Role.AGENT, teams=[team])
    tickets = TicketFactory.create_batch(2, team=team)
    client = client_for(agent)
    _bulk(client, [t.pk for t in tickets], action="assign", assignee="me")
    assert {t.assignee_id for t in _fresh(tickets)} == {agent.pk}
    _bulk(client, [t.pk for t in tickets], action="assign", assignee=str(colleague.pk))
    assert {t.assignee_id for t in _fresh(tickets)} == {colleague.pk}
    _bulk(client, [t.pk for t in tickets], action="assign", assignee="none")
    assert {t.assignee_id for t in _fresh(tickets)} == {None}


def test_an_agent_cannot_assign_to_someone_outside_their_teams(team: Team, other_team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    stranger = make_agent(Role.AGENT, teams=[other_team])
    ticket = TicketFactory.create(team=team)
    response = client_for(agent).post(
        reverse("agent_bulk"), {"ids": [ticket.pk], "action": "assign", "assignee": stranger.pk}
    )
    assert response.status_code == 400 and json.loads(response.content)["error"]
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_a_ticket_goes_only_to_an_assignee_who_would_see_it_even_from_an_agent_in_both_teams(
    team: Team, other_team: Team
) -> None:
    both = make_agent(Role.AGENT, teams=[team, other_team])
    billing_only = make_agent(Role.AGENT, teams=[other_team])
    support, billing = TicketFactory.create(team=team), TicketFactory.create(team=other_team)

    done = _bulk(client_for(both), [support.pk, billing.pk], action="assign", assignee=str(billing_only.pk))

    assert [t.assignee_id for t in _fresh([support, billing])] == [None, billing_only.pk]
    assert done["changed"] == 1
    assert "1 Ticket blieb unverändert: Die gewählte Person würde es nicht sehen." in done["message"]


def test_team_tags_and_snooze_change_in_bulk(team: Team, other_team: Team) -> None:
    lead = make_agent(Role.LEAD, teams=[team])
    tickets = TicketFactory.create_batch(2, team=team, status=TicketStatus.OPEN)
    old = Tag.objects.create(name="alt")
    for ticket in tickets:
        ticket.tags.add(old)
    client = client_for(lead)
    ids = [t.pk for t in tickets]
    _bulk(client, ids, action="team", team=str(other_team.pk))
    assert {t.team_id for t in _fresh(tickets)} == {other_team.pk}
    _bulk(client, ids, action="tags", add_tags="Rückruf, vip", remove_tags="alt")
    for ticket in _fresh(tickets):
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["rückruf", "vip"]
    _bulk(client, ids, action="snooze", snooze="tomorrow")
    assert [t.status for t in _fresh(tickets)] == [TicketStatus.PENDING] * 2
    assert TicketSnooze.objects.filter(ticket_id__in=ids).count() == 2


def test_a_macro_applies_to_the_selection(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    tickets = TicketFactory.create_batch(2, team=team)
    macro = Macro.objects.create(title="Eilig", scope="global", set_priority=Priority.URGENT, add_tags=["eilig"])
    _bulk(client_for(agent), [t.pk for t in tickets], action="macro", macro=str(macro.pk))
    for ticket in _fresh(tickets):
        assert ticket.priority == Priority.URGENT
        assert list(ticket.tags.values_list("name", flat=True)) == ["eilig"]


def test_the_bulk_bar_says_on_how_many_tickets_a_macro_could_not_make_every_change(
    team: Team, other_team: Team
) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    outsider = make_agent(Role.AGENT, teams=[other_team])
    tickets = TicketFactory.create_batch(2, team=team)
    macro = Macro.objects.create(
        title="Weg damit", scope="global", set_priority=Priority.URGENT, assign="agent", assignee=outsider
    )

    done = _bulk(client_for(agent), [t.pk for t in tickets], action="macro", macro=str(macro.pk))

    assert [(t.priority, t.assignee_id) for t in _fresh(tickets)] == [(Priority.URGENT, None)] * 2
    assert "Bei 2 Tickets konnte das Makro nicht alles ändern" in done["message"]


def test_merging_the_selection_moves_the_others_into_the_one_kept(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    keep, *others = TicketFactory.create_batch(3, team=team)
    done = _bulk(client_for(agent), [keep.pk, *(t.pk for t in others)], action="merge", target=str(keep.pk))
    assert done["changed"] == 2 and not done["token"]
    assert [t.status for t in _fresh(others)] == [TicketStatus.CLOSED] * 2
    assert Ticket.objects.get(pk=keep.pk).status != TicketStatus.CLOSED


def test_undo_puts_back_what_each_ticket_had_and_records_it(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    colleague = make_agent(Role.AGENT, teams=[team])
    pending = TicketFactory.create(team=team, status=TicketStatus.PENDING, assignee=colleague, priority=Priority.HIGH)
    fresh = TicketFactory.create(team=team, status=TicketStatus.OPEN, priority=Priority.LOW)
    client = client_for(agent)
    done = _bulk(client, [pending.pk, fresh.pk], action="status", status="solved")
    assert [t.status for t in _fresh([pending, fresh])] == [TicketStatus.SOLVED] * 2

    response = _undo(client, done["token"])
    assert response.status_code == 200 and json.loads(response.content)["restored"] == 2
    back = _fresh([pending, fresh])
    assert [t.status for t in back] == [TicketStatus.PENDING, TicketStatus.OPEN]
    assert TicketEvent.objects.filter(ticket=pending, kind=EventKind.STATUS).count() == 2
    # Once only, and only by the agent who made the change.
    assert _undo(client, done["token"]).status_code == 409


def test_undo_of_an_assignment_tags_and_snooze_restores_every_value(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    colleague = make_agent(Role.AGENT, teams=[team])
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN, assignee=colleague)
    ticket.tags.add(Tag.objects.create(name="vip"))
    client = client_for(agent)
    for values in (
        {"action": "assign", "assignee": "me"},
        {"action": "tags", "remove_tags": "vip", "add_tags": "neu"},
        {"action": "snooze", "snooze": "tomorrow"},
    ):
        token = _bulk(client, [ticket.pk], **values)["token"]
        assert _undo(client, token).status_code == 200
    back = Ticket.objects.get(pk=ticket.pk)
    assert (back.assignee_id, back.status) == (colleague.pk, TicketStatus.OPEN)
    assert list(back.tags.values_list("name", flat=True)) == ["vip"]
    assert not TicketSnooze.objects.filter(ticket=ticket).exists()


def test_another_agent_cannot_redeem_the_undo_token(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    other = make_agent(Role.AGENT, teams=[team])
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN)
    token = _bulk(client_for(agent), [ticket.pk], action="status", status="solved")["token"]
    assert _undo(client_for(other), token).status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED


def test_select_all_matching_resolves_the_view_and_its_filters_on_the_server(team: Team, other_team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    urgent = TicketFactory.create_batch(3, team=team, priority=Priority.URGENT, status=TicketStatus.OPEN)
    calm = TicketFactory.create(team=team, priority=Priority.LOW, status=TicketStatus.OPEN)
    outside = TicketFactory.create(team=other_team, priority=Priority.URGENT, status=TicketStatus.OPEN)
    client = client_for(agent)
    query = f"?priority={Priority.URGENT}"
    matching = client.get(reverse("agent_bulk_matching"), {"view": "teams", "query": query})
    assert json.loads(matching.content)["count"] == 3
    done = _bulk(client, [], all="1", view="teams", query=query, action="status", status="solved")
    assert done["changed"] == 3
    assert [t.status for t in _fresh(urgent)] == [TicketStatus.SOLVED] * 3
    assert Ticket.objects.get(pk=calm.pk).status == TicketStatus.OPEN
    assert Ticket.objects.get(pk=outside.pk).status == TicketStatus.OPEN


def test_select_all_matching_stops_at_the_cap_and_says_so(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    from frontend.views import bulk

    monkeypatch.setattr(bulk, "MAX_TICKETS", 2)
    agent = make_agent(Role.AGENT, teams=[team])
    TicketFactory.create_batch(3, team=team, status=TicketStatus.OPEN)
    data = json.loads(client_for(agent).get(reverse("agent_bulk_matching"), {"view": "teams", "query": ""}).content)
    assert data["count"] == 2 and data["capped"]
    assert "2" in data["message"]


def _queries_for(agent: Agent, team: Team, n: int) -> tuple[int, int]:
    """(all queries, reads) of a bulk priority change on ``n`` fresh tickets."""
    tickets = TicketFactory.create_batch(n, team=team, status=TicketStatus.OPEN, priority=Priority.LOW)
    client = client_for(agent)
    client.get(reverse("agent_view", args=["teams"]))  # sessions and caches warm
    with CaptureQueriesContext(connection) as captured:
        _bulk(client, [t.pk for t in tickets], action="status", status="solved")
    reads = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return len(captured.captured_queries), len(reads)


def test_a_bulk_change_reads_its_tickets_at_once_and_writes_the_same_per_ticket(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The list of webhooks is read once per process every two seconds: not within the counts.
    monkeypatch.setattr(outbox, "KEEP_SECONDS", 3600.0)
    outbox.listeners()
    agent = make_agent(Role.AGENT, teams=[team])
    few_all, few_reads = _queries_for(agent, team, 2)
    many_all, many_reads = _queries_for(agent, team, 6)
    # Each further ticket costs the same few statements (its update, its timeline entry, the
    # version read back); the tickets, their tags and snoozes are read once for the whole selection.
    per_ticket = (many_all - few_all) / 4
    assert per_ticket == int(per_ticket) and per_ticket <= 6
    assert many_reads - few_reads <= 4
