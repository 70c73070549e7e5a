"""Older mails of a long thread in a real browser: one line each, opened whole by a click or by
a link to the mail, with the keyboard going on from the card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import Agent, Team
from hub.tests.factories import MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_older_mail_opens_whole_from_its_line_and_from_a_link_to_it(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email", subject="Bestellung")
    start = timezone.now() - timedelta(days=1)
    mails = [
        MessageFactory.create(
            ticket=ticket, channel="email", sender="max@example.de", text=f"Mail {n}: Wo bleibt die Ware?",
            created_at=start + timedelta(hours=n),
        )
        for n in range(1, 6)
    ]  # fmt: skip
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    first = page.locator(f"#m-{mails[0].pk}")
    expect(first.get_by_role("button", name="Mail 1: Wo bleibt die Ware?")).to_be_visible()
    expect(page.locator("#timeline .email.is-folded")).to_have_count(3)
    assert_accessible(page)

    first.get_by_role("button").click()

    expect(first).not_to_have_class("item email in is-folded")
    expect(first.locator(".email-text")).to_contain_text("Mail 1: Wo bleibt die Ware?")
    expect(first).to_be_focused()

    page.goto(f"/agent/v/mine/t/{ticket.pk}/#m-{mails[1].pk}")
    expect(page.locator(f"#m-{mails[1].pk} .email-text")).to_contain_text("Mail 2")
    expect(page.locator("#timeline .email.is-folded")).to_have_count(1)  # the first stays open
