"""The workspace works under its Content-Security-Policy: no script, style, socket or frame the
page needs is refused by the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, expect

from hub.models import Agent, Team
from hub.tests.factories import MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reported by the page itself, in case Chromium stops logging violations to the console.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def test_a_ticket_with_an_html_mail_opens_live_without_a_policy_violation(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        subject="Lieferung fehlt",
        text="Wo ist mein Paket?",
        html='<p style="color:#b00">Wo ist <b>mein</b> Paket?</p>',
    )
    page = new_page(agent)
    page.add_init_script(WATCH)
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    response = page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    assert response is not None and "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    expect(page.frame_locator("iframe.email-body").locator("b")).to_have_text("mein")
    # Injected over the DevTools protocol, axe itself is no script the policy has to allow.
    assert_accessible(page)
    # An htmx swap of another view's list, then the customer panel of the open ticket.
    page.locator("#nav a[href='/agent/v/unassigned/']").click()
    expect(page).to_have_url(re.compile(r"/agent/v/unassigned/"))
    expect(page.locator("#list")).to_be_visible()
    assert_accessible(page)
    assert refused == []
    assert page.evaluate("window.__violations") == []
