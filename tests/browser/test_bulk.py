"""Bulk changes in a real browser, with two agents in two browser contexts: one selects three
tickets (a click and a Shift+click) and solves them at once, the other's list drops them live;
Undo brings them back on both screens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hub.models import Agent, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settled(page: Page) -> None:
    """No list request in flight, so the list shows what the test just did."""
    expect(page.locator("#list.htmx-request")).to_have_count(0)


def test_an_agent_solves_three_tickets_at_once_a_colleague_sees_it_live_and_undo_brings_them_back(
    new_page, agent: Agent, team: Team
) -> None:
    colleague = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    now = timezone.now()
    chosen = [
        TicketFactory.create(
            team=team, subject=f"Sammelfall {n}", status=TicketStatus.OPEN, last_activity_at=now - timedelta(minutes=n)
        )
        for n in (1, 2, 3)
    ]
    TicketFactory.create(
        team=team, subject="Bleibt offen", status=TicketStatus.OPEN, last_activity_at=now - timedelta(hours=2)
    )
    mine, hers = new_page(agent), new_page(colleague)
    for page in (mine, hers):
        page.goto("/agent/v/teams/")
        live(page)
        expect(page.locator("#list .row")).to_have_count(4)

    mine.get_by_label(f"Ticket #{chosen[0].pk} auswählen").check()
    mine.get_by_label(f"Ticket #{chosen[2].pk} auswählen").click(modifiers=["Shift"])
    expect(mine.locator("#bulk-count")).to_have_text("3 ausgewählt")
    expect(mine.get_by_label(f"Ticket #{chosen[1].pk} auswählen")).to_be_checked()
    form = mine.locator("#bulk-form")
    form.locator("#bulk-action").select_option("status")
    expect(form.locator("select[name=status]")).to_have_value("solved")
    settled(mine)
    assert_accessible(mine)
    form.get_by_role("button", name="Anwenden").click()

    toast = mine.locator("#bulk-toast")
    expect(toast).to_contain_text("3 Tickets geändert.")
    expect(hers.locator("#list .row")).to_have_count(1)
    expect(hers.locator("#list")).to_contain_text("Bleibt offen")
    expect(mine.locator("#list .row")).to_have_count(1)
    settled(mine)
    assert_accessible(mine)
    assert [t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in chosen])] == [TicketStatus.SOLVED] * 3

    toast.get_by_role("button", name="Rückgängig").click()
    expect(toast).to_contain_text("3 Tickets wiederhergestellt.")
    expect(hers.locator("#list .row")).to_have_count(4)
    expect(mine.locator("#list .row")).to_have_count(4)
    assert [t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in chosen])] == [TicketStatus.OPEN] * 3
    # The toast goes away by itself.
    expect(toast).to_be_hidden(timeout=10_000)
