"""Starting a conversation in a real browser: the rail's "Neue Unterhaltung", a customer found as
the agent types or any address, Senden, the new ticket open with the message in it, and the
customer's answer arriving in it live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from hub.models import Agent, Direction, IdentityKind, Team, Ticket
from hub.tests.factories import IdentityFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_writes_to_a_new_address_sees_the_ticket_and_the_customers_answer_arrives_in_it(
    new_page, agent: Agent, team: Team
) -> None:
    page = new_page(agent)
    page.goto("/agent/v/mine/")

    page.get_by_role("link", name="Neue Unterhaltung").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Neue Unterhaltung")
    assert_accessible(page)
    form = page.locator("#nc-form")  # the rail has fields of its own (search, notifications)
    form.get_by_label("An", exact=True).fill("nora.neu@kunde.example")
    form.get_by_label("Betreff").fill("Ihre Rücksendung")
    form.get_by_label("Nachricht").fill("Guten Tag, Ihre Rücksendung ist angekommen. Erstattung oder Ersatz?")
    form.get_by_role("button", name="Senden").click()

    ticket = Ticket.objects.get(subject="Ihre Rücksendung")
    expect(page).to_have_url(re.compile(rf"/agent/v/[a-z_]+/t/{ticket.pk}/$|/agent/t/{ticket.pk}/$"))
    expect(page.locator("#ticket-header")).to_contain_text("Ihre Rücksendung")
    expect(page.locator("#timeline")).to_contain_text("Ihre Rücksendung ist angekommen")
    message = ticket.messages.get()
    assert message.direction == Direction.OUTBOUND and message.author_agent == agent
    assert message.metadata["to"] == ["nora.neu@kunde.example"]
    assert ticket.team == team and ticket.customer.identities.get().value == "nora.neu@kunde.example"

    # Nora answers the mail; her client keeps In-Reply-To but drops the ticket token.
    message.refresh_from_db()
    assert message.external_id, "the first mail went out with a Message-ID of ours"
    mailbox, _ = Mailbox.objects.get_or_create(address="support@hub.example", defaults={"name": "Support"})
    answer = (
        "From: Nora Neu <nora.neu@kunde.example>\r\nTo: support@hub.example\r\n"
        "Subject: AW: Ihre Rücksendung\r\nMessage-ID: <antwort-nora@kunde.example>\r\n"
        f"In-Reply-To: {message.external_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nErsatz bitte, danke!\r\n"
    ).encode()
    assert ingest_now(answer, mailbox=mailbox, source="test").ticket == ticket.pk

    expect(page.locator("#timeline")).to_contain_text("Ersatz bitte, danke!")  # live, without a reload
    assert Ticket.objects.count() == 1


def test_typing_a_name_offers_the_customer_and_the_conversation_goes_to_them(
    new_page, agent: Agent, team: Team
) -> None:
    known = TicketFactory.create(team=team).customer
    known.display_name = "Lisa Lang"
    known.save()
    IdentityFactory.create(customer=known, kind=IdentityKind.EMAIL, value="lisa@lang.example")
    page = new_page(agent)
    page.goto("/agent/new/")
    form = page.locator("#nc-form")

    form.get_by_label("An", exact=True).press_sequentially("Lisa L")

    choice = form.get_by_role("radio", name=re.compile("Lisa Lang"))
    expect(choice).to_be_visible()
    form.get_by_label("Betreff").fill("Rückfrage zur Bestellung")
    choice.check()

    # The form is drawn again for the customer: their name fixed, the channels they can be reached on.
    expect(form.get_by_role("link", name="Jemand anderes")).to_be_visible()
    expect(form).to_contain_text("lisa@lang.example")
    expect(form.get_by_role("option", name=re.compile("SMS"))).to_be_disabled()
    expect(form.get_by_label("Betreff")).to_have_value("Rückfrage zur Bestellung")  # what was written stays
    form.get_by_label("Nachricht").fill("Hallo Lisa, kurze Rückfrage zu Ihrer Bestellung.")
    form.get_by_role("button", name="Senden").click()

    expect(page.locator("#timeline")).to_contain_text("kurze Rückfrage")
    assert Ticket.objects.latest("pk").customer == known
