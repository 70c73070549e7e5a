"""Service levels in the inbox: the row's due chip, "Due soonest" and the "SLA at risk" view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.models import Agent, Role, SlaState, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list"}


def english(agent: Agent) -> Agent:
    agent.language = "en"
    agent.save(update_fields=["language"])
    return agent


def due_in(minutes: float, state: str = SlaState.OK, **fields: object) -> dict[str, object]:
    """A ticket's SLA columns as the engine keeps them: earliest running due time, worst state."""
    return {"sla_due_at": timezone.now() + timedelta(minutes=minutes), "sla_state": state, **fields}


def row(html: str, ticket: Ticket) -> str:
    found = re.search(rf'<li class="row[^"]*" data-ticket-id="{ticket.pk}">.*?</li>', html, re.S)
    assert found, f"ticket {ticket.pk} is not in the list"
    return re.sub(r"\s+", " ", found.group(0))


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-ticket-id="(\d+)"', html)]


def test_a_row_shows_a_compact_due_chip_from_the_tickets_columns(agent: Agent, team: Team, client_for) -> None:
    soon = TicketFactory.create(team=team, assignee=agent, **due_in(80.5, SlaState.WARNING))
    late = TicketFactory.create(team=team, assignee=agent, **due_in(-15.2, SlaState.BREACHED))
    paused = TicketFactory.create(team=team, assignee=agent, sla_state=SlaState.PAUSED)
    plain = TicketFactory.create(team=team, assignee=agent)

    html = client_for(english(agent)).get("/agent/v/mine/").content.decode()

    chip = row(html, soon)
    assert 'class="chip sla-chip sla-warning"' in chip
    assert '<span class="sr-only">SLA At risk:</span>' in chip
    assert 'data-sla-form="short">1 h 20 min</span>' in chip
    assert 'title="SLA: At risk · Due ' in chip
    chip = row(html, late)
    assert 'class="chip sla-chip sla-breached"' in chip
    assert "SLA Breached:" in chip and ">−15 min</span>" in chip
    assert 'class="chip sla-chip sla-paused"' in row(html, paused) and "paused" in row(html, paused)
    assert "sla-chip" not in row(html, plain)


def test_row_chips_cost_no_query_per_row(team: Team, client_for) -> None:
    lead = AgentFactory.create(teams=[team], role=Role.LEAD)
    client = client_for(lead)

    def queries(url: str, rows: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert len(response.context["page"].rows) == rows
        return len(ctx)

    TicketFactory.create_batch(2, team=team, **due_in(30, SlaState.WARNING))
    few = {url: queries(url, 2) for url in ("/agent/v/all/", "/agent/v/all/?sort=due", "/agent/v/at_risk/")}
    for i in range(30):
        state = (SlaState.OK, SlaState.WARNING, SlaState.BREACHED)[i % 3]
        TicketFactory.create(team=team, **due_in(i - 10, state))

    assert queries("/agent/v/all/", 32) == few["/agent/v/all/"]
    assert queries("/agent/v/all/?sort=due", 32) == few["/agent/v/all/?sort=due"]
    assert queries("/agent/v/at_risk/", 22) == few["/agent/v/at_risk/"]


def test_due_soonest_lists_due_tickets_first_then_those_without_a_due_time(
    agent: Agent, team: Team, client_for
) -> None:
    now = timezone.now()
    later = TicketFactory.create(team=team, assignee=agent, **due_in(90), last_activity_at=now)
    overdue = TicketFactory.create(team=team, assignee=agent, **due_in(-5, SlaState.BREACHED))
    soon = TicketFactory.create(team=team, assignee=agent, **due_in(10, SlaState.WARNING))
    older_plain = TicketFactory.create(team=team, assignee=agent)
    newer_plain = TicketFactory.create(team=team, assignee=agent, last_activity_at=now + timedelta(minutes=1))
    TicketFactory.create(team=team, assignee=agent, status=TicketStatus.SOLVED, **due_in(1))

    client = client_for(agent)
    by_due = client.get("/agent/v/mine/?sort=due").content.decode()
    by_activity = client.get("/agent/v/mine/").content.decode()

    assert listed(by_due) == [overdue.pk, soon.pk, later.pk, older_plain.pk, newer_plain.pk]
    assert listed(by_activity)[0] == newer_plain.pk
    # The order is part of every URL of the list: rows, live refresh, the switch.
    assert f'href="/agent/v/mine/t/{soon.pk}/?sort=due"' in by_due
    assert 'hx-get="/agent/v/mine/?sort=due" hx-trigger="live:refresh"' in by_due
    assert 'data-sort="due" aria-current="true"' in by_due
    assert 'data-sort="activity" aria-current="true"' in by_activity


def test_due_soonest_pages_across_the_seam_without_losing_or_repeating_a_ticket(
    agent: Agent, team: Team, client_for, monkeypatch
) -> None:
    monkeypatch.setattr("frontend.inbox.PAGE_SIZE", 3)
    same = timezone.now() + timedelta(hours=1)
    due = [TicketFactory.create(team=team, assignee=agent, sla_due_at=same, sla_state="ok") for _ in range(4)]
    due.append(TicketFactory.create(team=team, assignee=agent, **due_in(5)))
    plain = [TicketFactory.create(team=team, assignee=agent) for _ in range(5)]
    client = client_for(agent)

    seen: list[int] = []
    url = "/agent/v/mine/?sort=due"
    for _ in range(6):
        response = client.get(url, **HX)
        page = response.context["page"]
        seen += [t.pk for t in page.rows]
        if page.older is None:
            break
        assert f'href="/agent/v/mine/?sort=due&amp;before={page.older}"' in response.content.decode()
        url = f"/agent/v/mine/?sort=due&before={page.older}"

    assert seen == [due[4].pk] + [t.pk for t in due[:4]] + [t.pk for t in plain]


def test_the_seam_on_a_page_boundary_starts_the_next_page_at_the_first_ticket_without_sla(
    agent: Agent, team: Team, client_for, monkeypatch
) -> None:
    monkeypatch.setattr("frontend.inbox.PAGE_SIZE", 2)
    due = [TicketFactory.create(team=team, assignee=agent, **due_in(i + 1)) for i in range(2)]
    plain = [TicketFactory.create(team=team, assignee=agent) for _ in range(3)]
    client = client_for(agent)

    first = client.get("/agent/v/mine/?sort=due", **HX).context["page"]
    second = client.get(f"/agent/v/mine/?sort=due&before={first.older}", **HX).context["page"]
    third = client.get(f"/agent/v/mine/?sort=due&before={second.older}", **HX).context["page"]

    assert [t.pk for t in first.rows] == [t.pk for t in due]
    assert [t.pk for t in second.rows] == [t.pk for t in plain[:2]]
    assert [t.pk for t in third.rows] == [plain[2].pk] and third.older is None


def test_an_unknown_sort_falls_back_to_the_views_own_order(agent: Agent, team: Team, client_for) -> None:
    TicketFactory.create(team=team, assignee=agent, subject="Irgendwas")

    response = client_for(agent).get("/agent/v/mine/?sort=%3Cscript%3E")

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split('id="list"', 1)[1].split("</section>", 1)[0]
    assert response.context["sort"] == "activity"


def test_sla_at_risk_lists_open_warning_and_breached_tickets_soonest_due_first(
    agent: Agent, team: Team, client_for
) -> None:
    breached = TicketFactory.create(team=team, **due_in(-30, SlaState.BREACHED), subject="Längst fällig")
    warning = TicketFactory.create(team=team, assignee=agent, **due_in(12, SlaState.WARNING), subject="Bald fällig")
    TicketFactory.create(team=team, **due_in(120, SlaState.OK), subject="Noch Zeit")
    TicketFactory.create(team=team, sla_state=SlaState.PAUSED, subject="Wartet auf Kunden")
    TicketFactory.create(team=team, status=TicketStatus.SOLVED, **due_in(-60, SlaState.BREACHED), subject="Gelöst")

    response = client_for(english(agent)).get("/agent/v/at_risk/")
    html = response.content.decode()

    assert listed(html.split('id="list"', 1)[1]) == [breached.pk, warning.pk]
    assert '<h2 id="list-title">SLA at risk <span class="count">2</span></h2>' in html
    assert '<span class="count" id="count-at_risk" aria-label="2 open">2</span>' in html


def test_sla_at_risk_shows_an_agent_only_their_teams_and_their_own_tickets(
    agent: Agent, team: Team, client_for
) -> None:
    red, blue = TeamFactory.create(name="Rot", slug="red"), TeamFactory.create(name="Blau", slug="blue")
    red_agent = AgentFactory.create(teams=[red])
    mine_elsewhere = TicketFactory.create(team=blue, assignee=red_agent, **due_in(5, SlaState.WARNING))
    reds = TicketFactory.create(team=red, **due_in(-1, SlaState.BREACHED))
    blues = TicketFactory.create(team=blue, **due_in(-2, SlaState.BREACHED), subject="Blaues Geheimnis")
    lead = AgentFactory.create(role=Role.LEAD)

    html = client_for(red_agent).get("/agent/v/at_risk/").content.decode()
    seen = listed(html.split('id="list"', 1)[1])
    assert seen == [reds.pk, mine_elsewhere.pk]
    assert "Blaues Geheimnis" not in html
    assert 'id="count-at_risk" aria-label="2 offen">2</span>' in html

    lead_html = client_for(lead).get("/agent/v/at_risk/").content.decode()
    assert listed(lead_html.split('id="list"', 1)[1]) == [blues.pk, reds.pk, mine_elsewhere.pk]


def test_the_at_risk_view_is_in_the_navigation_with_its_count(agent: Agent, team: Team, client_for) -> None:
    TicketFactory.create(team=team, **due_in(-1, SlaState.BREACHED))

    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert 'data-view="at_risk"' in html
    assert 'href="/agent/v/at_risk/"' in html
    assert re.search(r'id="count-at_risk"[^>]*>1</span>', html)


def test_the_at_risk_view_can_be_sorted_by_activity_too(agent: Agent, team: Team, client_for) -> None:
    now = timezone.now()
    first_due = TicketFactory.create(team=team, **due_in(-10, SlaState.BREACHED), last_activity_at=now)
    latest = TicketFactory.create(team=team, **due_in(3, SlaState.WARNING), last_activity_at=now + timedelta(1))

    html = client_for(agent).get("/agent/v/at_risk/?sort=activity").content.decode()

    assert listed(html.split('id="list"', 1)[1]) == [latest.pk, first_due.pk]
    assert 'href="/agent/v/at_risk/t/' in html and f"/t/{latest.pk}/?sort=activity" in html
