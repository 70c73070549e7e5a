"""The search page (/agent/search/): tickets, customers and organizations, grouped, in scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontend import search
from hub.models import Role, TicketStatus
from hub.tests.factories import (
    AgentFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    OrganizationFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

URL = "/agent/search/"


def page(client, q: str, **params: str) -> str:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def ticket_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket-id="(\d+)"', html)]


def customer_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-customer-id="(\d+)"', html)]


@pytest.fixture
def lead(db: None) -> object:
    return AgentFactory.create(role=Role.LEAD)


def test_every_workspace_page_has_the_search_field_in_its_rail(agent, client_for):
    html = client_for(agent).get("/agent/v/mine/").content.decode()

    assert 'id="search-q"' in html and 'action="/agent/search/"' in html
    assert 'aria-keyshortcuts="/"' in html


def test_results_are_grouped_by_kind_with_matches_marked_and_linked(lead, client_for):
    org = OrganizationFactory.create(name="Sonnenhof GmbH")
    customer = CustomerFactory.create(display_name="Erika Sonnenhof", organization=org)
    IdentityFactory.create(customer=customer, value="erika@sonnenhof.example")
    found = TicketFactory.create(subject="Lieferung Sonnenhof", customer=customer)
    by_text = TicketFactory.create(subject="Frage")
    MessageFactory.create(ticket=by_text, text="Bitte an den Sonnenhof liefern")

    html = page(client_for(lead), "sonnenhof")

    assert ticket_ids(html) == [by_text.pk, found.pk]
    assert customer_ids(html) == [customer.pk]
    assert re.findall(r'data-organization-id="(\d+)"', html) == [str(org.pk)]
    assert f'href="/agent/t/{found.pk}/"' in html
    assert "<mark>Sonnenhof</mark>" in html
    assert f'href="/agent/search/?q=customer%3A{customer.pk}"' in html
    assert "Suchergebnisse für „sonnenhof“" in html
    assert "Kunden" in html and "Organisationen" in html


def test_a_customer_leads_to_their_tickets_solved_ones_too(lead, client_for):
    customer = CustomerFactory.create(display_name="Erika")
    solved = TicketFactory.create(customer=customer, status=TicketStatus.SOLVED)
    TicketFactory.create()

    html = page(client_for(lead), f"customer:{customer.pk}")

    assert ticket_ids(html) == [solved.pk]
    assert 'id="search-customers"' not in html  # a ticket filter asks for tickets only


def test_an_agent_finds_nothing_of_another_team(agent, team, other_team, client_for):
    ours = TicketFactory.create(subject="Vertrag", team=team)
    theirs_customer = CustomerFactory.create(display_name="Vertragspartner Geheim")
    TicketFactory.create(subject="Vertrag geheim", team=other_team, customer=theirs_customer)

    html = page(client_for(agent), "vertrag")

    assert ticket_ids(html) == [ours.pk]
    assert theirs_customer.pk not in customer_ids(html)
    assert "Geheim" not in html


def test_text_of_tickets_and_customers_is_escaped(lead, client_for):
    customer = CustomerFactory.create(display_name='<img src=x onerror="alert(1)"> Zange')
    ticket = TicketFactory.create(subject="<script>alert(1)</script> Zange", customer=customer)
    MessageFactory.create(ticket=ticket, text="<b>Zange</b> kaputt")

    html = page(client_for(lead), "zange")

    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Zange" not in html
    assert "&lt;script&gt;" in html


def test_a_filter_value_that_names_nothing_is_said_in_the_page(lead, client_for):
    html = page(client_for(lead), "rechnung team:nirgends")

    assert 'role="alert"' in html
    assert "Kein Team heißt „nirgends“." in html


@pytest.mark.parametrize("query", ["rechnung after:0001-01-01", "rechnung vor:31.12.9999", "rechnung seit:1.1.0001"])
def test_a_date_at_the_end_of_the_calendar_is_said_in_the_page_not_failed(lead, client_for, query):
    html = page(client_for(lead), query)

    assert 'role="alert"' in html and "ist kein Datum" in html


def test_nothing_found_offers_to_clear_the_search(lead, client_for):
    html = page(client_for(lead), "zzyzxgibtsnicht")

    assert "Nichts gefunden für „zzyzxgibtsnicht“." in html
    assert 'href="/agent/search/">Suche zurücksetzen' in html


def test_the_page_speaks_english_to_an_english_agent(client_for):
    english = AgentFactory.create(role=Role.LEAD, language="en")
    TicketFactory.create(subject="Drucker")

    html = page(client_for(english), "drucker")

    assert "Search results for “drucker”" in html
    assert "How to search" in html


def test_older_tickets_page_on_with_a_cursor(lead, client_for, monkeypatch):
    monkeypatch.setattr(search, "TICKETS_PER_PAGE", 2)
    now = timezone.now()
    tickets = [TicketFactory.create(subject="Kabel", last_activity_at=now - timedelta(minutes=n)) for n in range(5)]
    client = client_for(lead)

    seen: list[int] = []
    html = page(client, "kabel")
    while True:
        seen += ticket_ids(html)
        more = re.search(r'class="search-more" href="([^"]+)"', html)
        if not more:
            break
        html = client.get(more.group(1).replace("&amp;", "&")).content.decode()

    assert seen == [t.pk for t in tickets]


def test_the_query_count_does_not_grow_with_the_results(lead, client_for):
    client = client_for(lead)
    for n in range(3):
        MessageFactory.create(ticket=TicketFactory.create(subject=f"Heizung {n}"), text="Heizung kalt")
    page(client, "heizung")
    with CaptureQueriesContext(connection) as few:
        page(client, "heizung")
    for n in range(20):
        MessageFactory.create(ticket=TicketFactory.create(subject=f"Heizung {n}"), text="Heizung kalt")
    with CaptureQueriesContext(connection) as many:
        page(client, "heizung")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_empty_search_shows_how_to_search(lead, client_for):
    html = page(client_for(lead), "")

    assert "So suchen Sie" in html and '<details class="search-syntax" open>' in html
    assert ticket_ids(html) == []
