"""An agent records where a customer lives (their time zone), and the ticket's customer panel
shows the customer's time now: before a call back, the agent sees whether it is 3 a.m. there."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from hub.models import Agent, Team
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_an_agent_sets_a_customers_time_zone_and_the_panel_shows_their_time_now(agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team)
    customer = ticket.customer
    client = Client()
    client.force_login(agent.user)
    edit = reverse("agent_customer_edit", args=[customer.pk])
    form = {"display_name": "Max Muster", "segment": "", "language": "en"}
    page_url = f"/agent/v/teams/t/{ticket.pk}/"
    assert "Ortszeit" not in client.get(page_url).content.decode()

    htmx = {"HX-Request": "true", "HX-Target": "customer-edit"}
    refused = client.post(edit, form | {"timezone": "Mars/Olympus"}, headers=htmx).content.decode()
    assert "„Mars/Olympus“ ist keine Zeitzone" in refused
    customer.refresh_from_db()
    assert customer.timezone == ""

    client.post(edit, form | {"timezone": "America/New_York"}, headers=htmx)
    customer.refresh_from_db()
    assert customer.timezone == "America/New_York"

    zone = ZoneInfo("America/New_York")
    before = timezone.now().astimezone(zone)
    page = client.get(page_url).content.decode()
    after = timezone.now().astimezone(zone)
    with translation.override("de"):
        shown = {f"Ortszeit: {formats.date_format(t, 'D, H:i')} (America/New York)" for t in (before, after)}
    assert any(line in page for line in shown)


def test_a_zone_the_form_does_not_list_is_kept_when_another_field_is_saved(agent: Agent, team: Team) -> None:
    customer = TicketFactory.create(team=team, customer__timezone="UTC").customer
    client = Client()
    client.force_login(agent.user)
    edit = reverse("agent_customer_edit", args=[customer.pk])

    form = client.get(edit, headers={"HX-Request": "true", "HX-Target": "customer-edit"}).content.decode()
    assert '<option value="UTC" selected>' in form
    client.post(edit, {"display_name": "Max", "segment": "", "language": "", "timezone": "UTC"})

    customer.refresh_from_db()
    assert (customer.display_name, customer.timezone) == ("Max", "UTC")
