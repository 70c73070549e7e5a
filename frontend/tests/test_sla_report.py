"""The leads' service-level report: per team, tickets at risk now and tickets breached today."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from frontend import reports
from hub.models import Agent, Role, SlaClock, SlaState, SlaTarget, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db
URL = "/agent/reports/sla/"
BERLIN = ZoneInfo("Europe/Berlin")


def breached(ticket: Ticket, at: datetime, target: str = SlaTarget.FIRST_RESPONSE, **fields: object) -> SlaClock:
    return SlaClock.objects.create(
        ticket=ticket, target=target, state=SlaState.BREACHED, due_at=at, breached_at=at, **fields
    )


def numbers(html: str) -> dict[str, tuple[int, int]]:
    found = {}
    for name, risk, late in re.findall(
        r'<tr data-team="[^"]+">\s*<th scope="row">([^<]+)</th>\s*'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        html,
    ):
        found[name.strip()] = (int(risk), int(late))
    return found


def test_a_lead_sees_per_team_tickets_at_risk_now_and_breached_today(client_for) -> None:
    TeamFactory.create(name="Grün", slug="green")
    red, blue = TeamFactory.create(name="Rot", slug="red"), TeamFactory.create(name="Blau", slug="blue")
    now = timezone.now()
    # Moments earlier today wherever the clock stands (the suite may run just after midnight).
    midnight = now.astimezone(BERLIN).replace(hour=0, minute=0, second=0, microsecond=0)
    earlier = midnight + (now - midnight) / 2
    TicketFactory.create(team=red, sla_state=SlaState.WARNING, sla_due_at=now + timedelta(minutes=5))
    late_red = TicketFactory.create(team=red, sla_state=SlaState.BREACHED, sla_due_at=earlier)
    breached(late_red, earlier)
    breached(late_red, earlier + (now - earlier) / 2, SlaTarget.RESOLUTION)  # one ticket, counted once
    TicketFactory.create(team=red, sla_state=SlaState.OK, sla_due_at=now + timedelta(hours=3))
    TicketFactory.create(team=red, status=TicketStatus.SOLVED, sla_state=SlaState.BREACHED)
    # Solved since, met late: still breached today, no longer at risk.
    solved = TicketFactory.create(team=blue, status=TicketStatus.SOLVED, sla_state=SlaState.MET)
    SlaClock.objects.create(
        ticket=solved,
        target=SlaTarget.FIRST_RESPONSE,
        state=SlaState.MET,
        breached_at=earlier,
        met_at=earlier + (now - earlier) / 2,
    )
    lead = AgentFactory.create(role=Role.LEAD)
    lead.language = "en"
    lead.save(update_fields=["language"])

    html = client_for(lead).get(URL).content.decode()

    assert numbers(html) == {"Blau": (0, 1), "Grün": (0, 0), "Rot": (2, 1)}
    assert '<tfoot><tr><th scope="row">All teams</th><td class="num">2</td><td class="num">2</td></tr></tfoot>' in html
    assert 'aria-current="page"' in html and "Service levels" in html


def test_breached_today_starts_at_midnight_where_the_agent_is(team) -> None:
    # 00:30 in Berlin on 2 March is 23:30 UTC on 1 March: that breach is today's, not yesterday's.
    now = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
    ticket = TicketFactory.create(team=team)
    breached(ticket, datetime(2026, 3, 2, 0, 30, tzinfo=BERLIN))
    yesterday = TicketFactory.create(team=team)
    breached(yesterday, datetime(2026, 3, 1, 23, 50, tzinfo=BERLIN))

    with timezone.override(BERLIN):
        lines = reports.per_team(now)
        assert reports.start_of_today(now) == datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN)

    assert [(line.name, line.breached_today) for line in lines] == [(team.name, 1)]


def test_tickets_without_a_team_get_their_own_line(client_for, admin_agent: Agent) -> None:
    TicketFactory.create(team=None, sla_state=SlaState.BREACHED, sla_due_at=timezone.now())

    html = client_for(admin_agent).get(URL).content.decode()

    assert re.search(r'<tr data-team="none">\s*<th scope="row">Kein Team</th>\s*<td class="num">1</td>', html)


def test_agents_and_viewers_may_not_open_the_report_and_do_not_see_its_link(agent: Agent, client_for) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER)

    assert client_for(agent).get(URL).status_code == 403
    assert client_for(viewer).get(URL).status_code == 403
    assert URL not in client_for(agent).get("/agent/v/mine/").content.decode()


def test_the_report_is_a_tab_of_the_reports_in_a_leads_rail(client_for) -> None:
    lead = AgentFactory.create(role=Role.LEAD)

    rail = client_for(lead).get("/agent/v/all/").content.decode()
    reports = client_for(lead).get("/agent/reports/").content.decode()
    tab = client_for(lead).get(URL).content.decode()

    assert '<a href="/agent/reports/" class="nav-link"' in rail and "Berichte" in rail
    assert f'<a href="{URL}">Service-Level jetzt</a>' in reports
    assert f'<a href="{URL}" aria-current="page">Service-Level jetzt</a>' in tab
