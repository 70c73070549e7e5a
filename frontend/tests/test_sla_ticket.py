"""The ticket header's service-level clocks: target, due time, countdown and state, in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from frontend import sla
from hub.models import Agent, SlaClock, SlaState, SlaTarget, Team, Ticket
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ticket-header"}


def english(agent: Agent) -> Agent:
    agent.language = "en"
    agent.save(update_fields=["language"])
    return agent


def clock(ticket: Ticket, target: str, state: str = SlaState.OK, **fields: object) -> SlaClock:
    return SlaClock.objects.create(ticket=ticket, target=target, state=state, **fields)


def header(client_for, agent: Agent, ticket: Ticket) -> str:
    response = client_for(agent).get(f"/agent/t/{ticket.pk}/", **HX)
    assert response.status_code == 200
    return response.content.decode()


def clock_html(html: str, target: str) -> str:
    found = re.search(rf'<li class="sla-clock [^"]*" data-sla-target="{target}">.*?</li>', html, re.S)
    assert found, f"no {target} clock in the header"
    return re.sub(r"\s+", " ", found.group(0))


def test_a_running_clock_shows_its_target_due_time_and_countdown(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    due = timezone.now() + timedelta(hours=1, minutes=20, seconds=30)
    clock(ticket, SlaTarget.FIRST_RESPONSE, due_at=due, warn_at=due - timedelta(minutes=30))

    chip = clock_html(header(client_for, english(agent), ticket), "first_response")

    assert 'class="sla-clock sla-ok"' in chip
    assert "First response" in chip
    assert "due in 1 h 20 min" in chip
    local = timezone.localtime(due)
    with translation.override("en"):
        shown = sla.local_time(due, timezone.now())  # the time alone today, with the date after midnight
    assert f">{shown}</time>" in chip
    assert f'datetime="{local.isoformat()}"' in chip
    assert 'title="Due ' in chip and "(Europe/Berlin)" in chip
    assert 'data-sla-left="4830"' in chip or 'data-sla-left="4829"' in chip


def test_an_overdue_clock_says_by_how_much_and_is_breached(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    due = timezone.now() - timedelta(minutes=15, seconds=10)
    clock(ticket, SlaTarget.RESOLUTION, SlaState.BREACHED, due_at=due, breached_at=due)

    chip = clock_html(header(client_for, english(agent), ticket), "resolution")

    assert 'class="sla-clock sla-breached"' in chip
    assert "Resolution" in chip and "(Breached)" in chip
    assert "overdue by 15 min" in chip


def test_a_clock_past_due_is_shown_breached_before_the_beat_marks_it(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    clock(ticket, SlaTarget.FIRST_RESPONSE, SlaState.WARNING, due_at=timezone.now() - timedelta(seconds=5))

    chip = clock_html(header(client_for, english(agent), ticket), "first_response")

    assert 'class="sla-clock sla-breached"' in chip
    assert "overdue by 5 s" in chip or "overdue by 4 s" in chip or "overdue by 6 s" in chip


def test_an_at_risk_clock_says_so_in_words(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    clock(ticket, SlaTarget.NEXT_RESPONSE, SlaState.WARNING, due_at=timezone.now() + timedelta(minutes=9, seconds=30))

    chip = clock_html(header(client_for, english(agent), ticket), "next_response")

    assert 'class="sla-clock sla-warning"' in chip
    assert '<span class="sla-flag">At risk</span>' in chip
    assert "due in 9 min" in chip


def test_a_paused_clock_shows_the_time_left_and_no_countdown(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    clock(
        ticket,
        SlaTarget.RESOLUTION,
        SlaState.PAUSED,
        paused_at=timezone.now(),
        remaining=timedelta(days=1, hours=3, minutes=5),
    )

    chip = clock_html(header(client_for, english(agent), ticket), "resolution")

    assert 'class="sla-clock sla-paused"' in chip
    assert "paused, 1 d 3 h left" in chip
    assert "data-sla-left" not in chip


def test_a_met_clock_says_met_and_when(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    met = timezone.now() - timedelta(minutes=3)
    clock(ticket, SlaTarget.FIRST_RESPONSE, SlaState.MET, met_at=met)
    late = timezone.now() - timedelta(minutes=1)
    clock(ticket, SlaTarget.NEXT_RESPONSE, SlaState.MET, met_at=late, breached_at=late - timedelta(minutes=5))

    html = header(client_for, english(agent), ticket)

    first = clock_html(html, "first_response")
    assert 'class="sla-clock sla-met"' in first and ">met<" in first
    assert f">{timezone.localtime(met):%H:%M}</time>" in first or "datetime=" in first
    assert ">met late<" in clock_html(html, "next_response")


def test_clocks_are_listed_in_the_order_the_customer_waits_for_them(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    soon = timezone.now() + timedelta(hours=2)
    clock(ticket, SlaTarget.RESOLUTION, due_at=soon + timedelta(days=1))
    clock(ticket, SlaTarget.FIRST_RESPONSE, due_at=soon)

    html = header(client_for, english(agent), ticket)

    assert html.index('data-sla-target="first_response"') < html.index('data-sla-target="resolution"')


def test_a_ticket_without_clocks_has_no_service_level_row(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)

    assert "sla-clocks" not in header(client_for, agent, ticket)


def test_the_header_reads_all_clocks_with_one_query(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    def sla_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/agent/t/{ticket.pk}/", **HX).status_code == 200
        return sum("hub_slaclock" in q["sql"] for q in ctx.captured_queries)

    assert sla_queries() == 1
    for target in SlaTarget.values:
        clock(ticket, target, due_at=timezone.now() + timedelta(hours=1))
    assert sla_queries() == 1


def test_the_countdown_speaks_german_to_a_german_agent(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    clock(ticket, SlaTarget.FIRST_RESPONSE, due_at=timezone.now() + timedelta(hours=1, minutes=20, seconds=30))
    clock(ticket, SlaTarget.RESOLUTION, SlaState.BREACHED, due_at=timezone.now() - timedelta(minutes=15, seconds=5))

    html = header(client_for, agent, ticket)

    assert "Erste Antwort" in clock_html(html, "first_response")
    assert "fällig in 1 Std. 20 Min." in clock_html(html, "first_response")
    assert "überfällig seit 15 Min." in clock_html(html, "resolution")


def test_the_page_carries_the_countdown_words_for_the_island(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)

    html = client_for(english(agent)).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    words = re.search(r'<script type="application/json" id="sla-words">(.*?)</script>', html, re.S)
    assert words is not None
    assert '"due": "due in %(time)s"' in words.group(1)
    assert '"min": "%(n)d min"' in words.group(1)


def test_a_breached_clock_that_stopped_says_the_target_was_missed(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    clock(ticket, SlaTarget.FIRST_RESPONSE, SlaState.BREACHED, breached_at=timezone.now() - timedelta(hours=1))

    chip = clock_html(header(client_for, english(agent), ticket), "first_response")

    assert 'class="sla-clock sla-breached"' in chip and ">missed<" in chip
    assert "data-sla-left" not in chip
