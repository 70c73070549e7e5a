"""In a real browser, a ticket opens at the first message the agent has not seen (UX.md 3): the
"New" line at the top of the timeline, not the end of a long unread stretch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import Agent, Team, Ticket, TicketSeen
from hub.tests.factories import MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "\n\n".join(f"Absatz {n}: Die Lieferung ist noch nicht angekommen, bitte prüfen Sie das." for n in range(8))


def test_the_ticket_opens_at_the_new_line_above_what_the_agent_has_not_read(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email", subject="Lieferung")
    start = timezone.now() - timedelta(days=1)
    mails = [
        MessageFactory.create(
            ticket=ticket, channel="email", sender="max@example.de", text=f"Mail {n}\n\n{LONG}",
            created_at=start + timedelta(hours=n),
        )
        for n in range(1, 13)
    ]  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(last_customer_message_at=mails[-1].created_at)
    TicketSeen.objects.create(agent=agent, ticket=ticket, seen_at=mails[5].created_at)  # read up to mail 6
    page = new_page(agent)
    page.set_viewport_size({"width": 1400, "height": 800})

    page.goto("/agent/v/mine/")
    live(page)
    page.locator(f'#list .row[data-ticket-id="{ticket.pk}"] a').click()

    line = page.locator("#first-unread")
    expect(line).to_be_in_viewport()
    expect(page.locator(f"#m-{mails[6].pk} .email-text")).to_be_in_viewport()
    expect(page.locator(f"#m-{mails[-1].pk}")).not_to_be_in_viewport()  # not jumped to the end
    expect(page.locator("#new-below")).to_be_visible()  # more unread below the screen
    assert_accessible(page)

    page.locator("#new-below").click()
    expect(page.locator(f"#m-{mails[-1].pk}")).to_be_in_viewport()

    # Read now: opened again by its address, it goes to the end as before.
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    expect(page.locator(f"#m-{mails[-1].pk}")).to_be_in_viewport()
    expect(page.locator("#first-unread")).to_have_count(0)
