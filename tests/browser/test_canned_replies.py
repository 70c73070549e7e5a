"""Canned replies in a real browser: "::" and part of a title in the composer lists the agent's
replies, the keyboard picks one, and it goes in rendered for the ticket's customer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hub.models import Agent, CannedReply, CannedScope, Team
from hub.tests.factories import CustomerFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_trigger_lists_replies_and_enter_inserts_one_for_the_customer(
    new_page, agent: Agent, team: Team
) -> None:
    customer = CustomerFactory.create(display_name="Jana Schmidt", language="de")
    ticket = TicketFactory.create(team=team, assignee=agent, customer=customer, subject="Geld zurück")
    MessageFactory.create(ticket=ticket, text="Wann bekomme ich mein Geld?")
    refund = CannedReply.objects.create(
        scope=CannedScope.GLOBAL,
        title="Rückerstattung veranlasst",
        shortcut="geld",
        texts={"de": "Hallo {{customer.first_name}}, das Geld ist unterwegs. {{bestellnummer}}", "en": "Hi"},
    )
    CannedReply.objects.create(scope=CannedScope.GLOBAL, title="Versandbestätigung", texts={"de": "Versand"})
    page: Page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    text = page.locator("#composer-text")
    text.click()
    text.press_sequentially("Guten Tag!\n::rück")

    listbox = page.get_by_role("listbox", name="Textbausteine")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("Rückerstattung veranlasst")
    expect(text).to_have_attribute("aria-expanded", "true")
    # The open list and the field it belongs to.
    assert_accessible(page)
    text.press("Enter")

    expect(listbox).to_be_hidden()
    expect(text).to_have_value("Guten Tag!\nHallo Jana, das Geld ist unterwegs. {{bestellnummer}}")
    expect(page.locator("#canned-warning")).to_contain_text("Vor dem Senden ausfüllen: {{bestellnummer}}")
    # The list closed: the field is a plain textbox again, with the warning under it.
    assert_accessible(page)
    for _ in range(50):
        refund.refresh_from_db()
        if refund.usage_count == 1:
            break
        page.wait_for_timeout(100)
    assert refund.usage_count == 1


def test_escape_closes_the_list_and_keeps_what_was_typed(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent)
    MessageFactory.create(ticket=ticket)
    CannedReply.objects.create(scope=CannedScope.PERSONAL, owner=agent, title="Gruß", texts={"de": "Viele Grüße"})
    page: Page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    text = page.locator("#composer-text")
    text.click()
    text.press_sequentially("/gr")
    listbox = page.get_by_role("listbox", name="Textbausteine")
    expect(listbox.get_by_role("option")).to_have_count(1)
    text.press("Escape")
    expect(listbox).to_be_hidden()
    expect(text).to_have_value("/gr")
    assert_accessible(page)
