"""The inbox's further views, its filter bar and its orders (issue #16, item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontend import inbox
from hub.actions.snooze import snooze_for
from hub.models import Agent, Priority, Role, Tag, Team, TicketStatus
from hub.tests.factories import AgentFactory, CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list"}


def _subjects(html: str, *subjects: str) -> list[str]:
    """The given subjects in the order the page shows them, those it shows only."""
    return sorted((s for s in subjects if s in html), key=html.index)


def test_solved_closed_and_waiting_views_list_tickets_of_that_status_in_the_agents_scope(
    agent: Agent, team: Team, other_team: Team, client_for
) -> None:
    TicketFactory.create(team=team, subject="Gelöstes Ticket", status=TicketStatus.SOLVED)
    TicketFactory.create(team=team, subject="Geschlossenes Ticket", status=TicketStatus.CLOSED)
    TicketFactory.create(team=team, subject="Wartet auf Kunden", status=TicketStatus.PENDING)
    TicketFactory.create(team=other_team, subject="Fremd gelöst", status=TicketStatus.SOLVED)
    client = client_for(agent)

    solved = client.get("/agent/v/solved/").content.decode()
    closed = client.get("/agent/v/closed/").content.decode()
    pending = client.get("/agent/v/pending/").content.decode()

    assert "Gelöstes Ticket" in solved and "Geschlossenes Ticket" not in solved and "Fremd gelöst" not in solved
    assert "Geschlossenes Ticket" in closed and "Gelöstes Ticket" not in closed
    assert "Wartet auf Kunden" in pending and "Gelöstes Ticket" not in pending
    assert 'data-view="solved"' in solved and "Warten auf Kunden" in solved


def test_a_snoozed_ticket_is_in_snoozed_and_not_in_waiting_on_customer(agent: Agent, team: Team, client_for) -> None:
    snoozed = TicketFactory.create(team=team, subject="Schläft bis morgen", status=TicketStatus.OPEN)
    snooze_for(snoozed, 60 * 24, actor=agent)
    TicketFactory.create(team=team, subject="Wartet wirklich", status=TicketStatus.PENDING)
    client = client_for(agent)

    in_snoozed = client.get("/agent/v/snoozed/").content.decode()
    in_pending = client.get("/agent/v/pending/").content.decode()

    assert "Schläft bis morgen" in in_snoozed and "Wartet wirklich" not in in_snoozed
    assert "Wartet wirklich" in in_pending and "Schläft bis morgen" not in in_pending
    assert 'id="count-snoozed"' in in_snoozed


def test_filters_by_channel_and_status_narrow_a_view_and_stay_in_its_urls(agent: Agent, team: Team, client_for) -> None:
    chat = TicketFactory.create(team=team, subject="Chat offen", origin_channel="chat", status=TicketStatus.OPEN)
    TicketFactory.create(team=team, subject="Mail offen", origin_channel="email", status=TicketStatus.OPEN)
    TicketFactory.create(team=team, subject="Chat neu", origin_channel="chat", status=TicketStatus.NEW)

    response = client_for(agent).get("/agent/v/teams/?channel=chat&status=open")
    html = response.content.decode()

    assert _subjects(html, "Chat offen", "Mail offen", "Chat neu") == ["Chat offen"]
    assert f'href="/agent/v/teams/t/{chat.pk}/?status=open&amp;channel=chat"' in html
    assert 'hx-get="/agent/v/teams/?status=open&amp;channel=chat" hx-trigger="live:refresh"' in html
    assert '<option value="chat" selected>' in html
    assert '<span class="count">1</span>' in html


def test_a_status_filter_on_mine_shows_my_solved_tickets_too(agent: Agent, team: Team, client_for) -> None:
    TicketFactory.create(team=team, assignee=agent, subject="Mein gelöstes", status=TicketStatus.SOLVED)
    TicketFactory.create(team=team, assignee=agent, subject="Mein offenes", status=TicketStatus.OPEN)

    html = client_for(agent).get("/agent/v/mine/?status=gelöst").content.decode()

    assert _subjects(html, "Mein gelöstes", "Mein offenes") == ["Mein gelöstes"]


def test_filters_by_team_assignee_priority_tag_customer_organization_sla_and_dates(
    agent: Agent, team: Team, client_for
) -> None:
    colleague = AgentFactory.create(teams=[team])
    urgent = Tag.objects.create(name="vip")
    customer = CustomerFactory.create(display_name="Erika Mustermann")
    now = timezone.now()
    target = TicketFactory.create(
        team=team,
        assignee=colleague,
        subject="Ziel",
        priority=Priority.URGENT,
        customer=customer,
        sla_state="warning",
        created_at=now - timedelta(days=3),
    )
    target.tags.add(urgent)
    TicketFactory.create(team=team, assignee=colleague, subject="Anderes", priority=Priority.URGENT)
    TicketFactory.create(team=team, subject="Alt", created_at=now - timedelta(days=40))
    client = client_for(agent)
    day = (now - timedelta(days=5)).date().isoformat()

    def shown(query: str) -> list[str]:
        return _subjects(client.get(f"/agent/v/teams/?{query}").content.decode(), "Ziel", "Anderes", "Alt")

    assert shown(f"assignee={colleague.pk}&priority=4&tag=VIP") == ["Ziel"]
    assert shown("customer=mustermann") == ["Ziel"]
    assert shown("sla=warning") == ["Ziel"]
    assert shown(f"team={team.pk}&created_after={day}") == ["Ziel", "Anderes"] or shown(
        f"team={team.pk}&created_after={day}"
    ) == ["Anderes", "Ziel"]
    assert shown("created_before=30d") == ["Alt"]
    assert shown("assignee=none") == ["Alt"]
    assert shown("tag=unbekannt") == []  # a tag no ticket has (nor exists) finds nothing


def test_a_filter_never_shows_a_ticket_outside_the_agents_scope(
    agent: Agent, team: Team, other_team: Team, client_for
) -> None:
    TicketFactory.create(team=other_team, subject="Geheim", origin_channel="chat")

    html = client_for(agent).get(f"/agent/v/teams/?team={other_team.pk}&channel=chat").content.decode()
    solved = client_for(agent).get(f"/agent/v/mine/?team={other_team.pk}&status=open").content.decode()

    assert "Geheim" not in html and "Geheim" not in solved
    assert '<span class="count">0</span>' in html


@pytest.mark.parametrize("sort", ["activity", "created", "priority", "due"])
def test_every_order_pages_through_a_filtered_view_without_losing_or_repeating_a_ticket(
    sort: str, agent: Agent, team: Team, client_for, settings, monkeypatch
) -> None:
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    now = timezone.now()
    made = {
        TicketFactory.create(
            team=team,
            origin_channel="chat",
            priority=1 + i % 4,
            created_at=now - timedelta(hours=i),
            last_activity_at=now - timedelta(minutes=i % 3),
            sla_due_at=now + timedelta(hours=i) if i % 2 else None,
        ).pk
        for i in range(10)
    }
    TicketFactory.create(team=team, origin_channel="email")
    client = client_for(agent)
    seen: list[int] = []
    url = f"/agent/v/teams/?channel=chat&sort={sort}"
    for _ in range(10):
        page = client.get(url, **HX).context["page"]
        seen += [row.pk for row in page.rows]
        if page.older is None:
            break
        url = f"/agent/v/teams/?channel=chat&sort={sort}&before={page.older}"

    assert sorted(seen) == sorted(made) and len(seen) == len(made)


def test_created_and_priority_orders_put_the_newest_and_most_urgent_first(agent: Agent, team: Team, client_for) -> None:
    now = timezone.now()
    TicketFactory.create(
        team=team, subject="Alt aber dringend", priority=Priority.URGENT, created_at=now - timedelta(days=2)
    )
    TicketFactory.create(team=team, subject="Neu und normal", priority=Priority.NORMAL, created_at=now)
    client = client_for(agent)

    by_created = client.get("/agent/v/teams/?sort=created").content.decode()
    by_priority = client.get("/agent/v/teams/?sort=priority").content.decode()

    assert _subjects(by_created, "Alt aber dringend", "Neu und normal") == ["Neu und normal", "Alt aber dringend"]
    assert _subjects(by_priority, "Alt aber dringend", "Neu und normal") == ["Alt aber dringend", "Neu und normal"]
    assert 'data-sort="created" aria-current="true"' in by_created


@pytest.mark.parametrize(
    "url",
    [
        "/agent/v/teams/",
        "/agent/v/solved/?sort=created",
        "/agent/v/snoozed/",
        "/agent/v/mentions/?sort=created",
        "/agent/v/pending/?sort=priority",
        "/agent/v/teams/?channel=chat&status=open&priority=4&tag=vip&customer=anna&org=acme&sla=warning",
        "/agent/v/teams/?created_after=7d&updated_before=2024-05-31&assignee=me&team=none&sort=due",
    ],
)
def test_a_filtered_first_page_costs_a_constant_number_of_queries(
    url: str, agent: Agent, team: Team, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(agent)

    def queries(tickets: int) -> int:
        for i in range(tickets):
            TicketFactory.create(
                team=team, origin_channel="chat", status=TicketStatus.OPEN if i % 2 else TicketStatus.SOLVED
            )
        client.get(url)  # the session and the counts' SQL are warm
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    few = queries(2)
    # The list's own queries (rows, counts, saved views, the filter bar's teams and agents) and
    # the page's frame (session, user, agent, account, ...): the same however many tickets.
    with django_assert_max_num_queries(16):
        client.get(url)
    assert queries(30) == few


def test_an_admin_sees_the_all_view_filtered_and_the_filter_bar_lists_every_team(
    team: Team, other_team: Team, client_for
) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    TicketFactory.create(team=other_team, subject="Billing-Frage", origin_channel="phone")

    html = client_for(lead).get(f"/agent/v/all/?team={other_team.pk}").content.decode()

    assert "Billing-Frage" in html
    assert f'<option value="{other_team.pk}" selected>Billing</option>' in html


def test_nonsense_in_a_filter_is_ignored_rather_than_failing_the_page(agent: Agent, client_for) -> None:
    response = client_for(agent).get("/agent/v/mine/?status=<x>&priority=99&team=abc&created_after=soon&before=zz")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["created_before=9999-12-31", "created_after=0001-01-01", "updated_after=1.1.0001", "updated_before=31.12.9999"],
)
def test_a_date_at_the_end_of_the_calendar_is_ignored_rather_than_failing_the_page(
    agent: Agent, team: Team, client_for, query: str
) -> None:
    TicketFactory.create(team=team, assignee=agent, subject="Bleibt sichtbar")

    response = client_for(agent).get(f"/agent/v/mine/?{query}")

    assert response.status_code == 200 and "Bleibt sichtbar" in response.content.decode()


def test_the_customer_filter_finds_a_customer_by_email_address_or_number(agent: Agent, team: Team, client_for) -> None:
    from hub.tests.factories import IdentityFactory

    anna = CustomerFactory.create(display_name="Anna Berg")
    IdentityFactory.create(customer=anna, kind="email", value="anna@beispiel.de")
    TicketFactory.create(team=team, customer=anna, subject="Annas Frage")
    TicketFactory.create(team=team, subject="Jemand anderes")
    client = client_for(agent)

    by_mail = client.get("/agent/v/teams/?customer=Anna@Beispiel.DE").content.decode()
    by_number = client.get(f"/agent/v/teams/?customer=%23{anna.pk}").content.decode()

    assert "Annas Frage" in by_mail and "Jemand anderes" not in by_mail
    assert "Annas Frage" in by_number and "Jemand anderes" not in by_number


def test_a_note_that_mentions_an_agent_puts_the_ticket_in_their_mentions_view(
    agent: Agent, team: Team, client_for
) -> None:
    from hub.actions.messages import do_add_note

    colleague = AgentFactory.create(teams=[team])
    ticket = TicketFactory.create(team=team, subject="Bitte mal ansehen")
    TicketFactory.create(team=team, subject="Niemand erwähnt")
    do_add_note(ticket, agent=colleague, text=f"@[{agent.name}](agent:{agent.pk}) kannst du helfen?")

    html = client_for(agent).get("/agent/v/mentions/").content.decode()
    for_colleague = client_for(colleague).get("/agent/v/mentions/").content.decode()

    assert "Bitte mal ansehen" in html and "Niemand erwähnt" not in html
    assert "Bitte mal ansehen" not in for_colleague
    assert 'id="count-mentions"' in html and "Erwähnungen" in html
