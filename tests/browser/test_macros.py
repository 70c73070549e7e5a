"""Macros in a real browser: the ticket header's "Macros" button lists the agent's macros,
typing filters them, and applying one changes the ticket and puts its reply into the composer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hub.models import Agent, CannedReply, CannedScope, Macro, Priority, Team, Ticket, TicketStatus
from hub.tests.factories import CustomerFactory, IdentityFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applying_a_macro_sets_status_and_priority_adds_a_tag_and_puts_the_canned_reply_into_the_composer(
    new_page, agent: Agent, team: Team
) -> None:
    customer = CustomerFactory.create(display_name="Jana Schmidt", language="de")
    IdentityFactory.create(customer=customer, value="jana@kunde.example")
    ticket = TicketFactory.create(
        team=team, assignee=agent, customer=customer, subject="Paket fehlt", status=TicketStatus.OPEN
    )
    MessageFactory.create(ticket=ticket, text="Wo bleibt mein Paket?")
    reply = CannedReply.objects.create(
        scope=CannedScope.GLOBAL,
        title="Versand nachfragen",
        texts={"de": "Hallo {{customer.first_name}}, wir fragen beim Versand nach.", "en": "Hi"},
    )
    Macro.objects.create(
        title="Versand nachfragen",
        scope=CannedScope.GLOBAL,
        set_status=TicketStatus.PENDING,
        set_priority=Priority.HIGH,
        add_tags=["versand"],
        reply=reply,
    )
    Macro.objects.create(title="Spam schließen", scope=CannedScope.GLOBAL, set_status=TicketStatus.CLOSED)
    page: Page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    page.locator("#composer-form input[name=mode][value=note]").check()
    text = page.locator("#composer-text")
    text.fill("Guten Tag!")

    page.get_by_role("button", name="Makros").click()
    search = page.get_by_role("combobox", name="Makros filtern")
    expect(search).to_be_focused()
    listbox = page.get_by_role("listbox", name="Makros")
    expect(listbox.get_by_role("option")).to_have_count(2)
    search.press_sequentially("versand")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("Priorität: Hoch")
    # The open macro menu: its filter field and list.
    assert_accessible(page)
    search.press("Enter")

    expect(listbox).to_be_hidden()
    expect(text).to_have_value("Guten Tag!\n\nHallo Jana, wir fragen beim Versand nach.")
    # A reply to the customer, not a note: the composer went back to reply mode.
    expect(page.locator("#composer-form input[name=mode][value=reply]")).to_be_checked()
    header = page.locator("#ticket-header")
    expect(header.locator(".chip.status-pending")).to_be_visible()
    expect(header.locator("select[name=priority]")).to_have_value(str(Priority.HIGH.value))
    assert_accessible(page)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.priority) == (TicketStatus.PENDING, Priority.HIGH)
    assert list(ticket.tags.values_list("name", flat=True)) == ["versand"]
    assert not ticket.messages.filter(author_agent=agent).exists()


def test_the_command_menu_lists_each_macro_by_name_and_applies_the_one_chosen(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Rücksendung", status=TicketStatus.OPEN)
    MessageFactory.create(ticket=ticket, text="Ich möchte die Jacke zurückschicken.")
    reply = CannedReply.objects.create(
        scope=CannedScope.GLOBAL, title="Rücksendung", texts={"de": "Das Etikett kommt per Mail.", "en": "Hi"}
    )
    Macro.objects.create(title="Rücksendung einleiten", scope=CannedScope.GLOBAL, add_tags=["retoure"], reply=reply)
    Macro.objects.create(title="Spam schließen", scope=CannedScope.GLOBAL, set_status=TicketStatus.CLOSED)
    page: Page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    menu = page.get_by_role("dialog", name="Befehlsmenü")

    page.keyboard.press("Control+k")
    field = menu.get_by_role("combobox", name="Befehl oder Ansicht")
    field.press_sequentially("ruecksend")  # umlauts folded, as in the macro list
    chosen = menu.get_by_role("option", name="Makro: Rücksendung einleiten")
    expect(chosen).to_be_visible()
    expect(menu.get_by_role("option", name="Makro: Spam schließen")).to_have_count(0)
    page.keyboard.press("Enter")

    expect(menu).to_be_hidden()
    expect(page.locator("#composer-text")).to_have_value("Das Etikett kommt per Mail.")
    expect(page.locator("#ticket-header")).to_contain_text("retoure")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["retoure"]
    assert ticket.status == TicketStatus.OPEN
