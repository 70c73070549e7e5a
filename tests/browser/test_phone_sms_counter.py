"""The composer counts an SMS reply as the agent types: characters, parts and encoding, exactly as
the server's ``channels_phone.segments.count`` counts the same text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from channels_phone.models import PhoneNumber, ProviderKind
from channels_phone.segments import GSM7, count
from hub.models import Agent, Team
from hub.replies import reply_route
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

CUSTOMER = "+4915123456789"


def shown(text: str) -> str:
    """What the counter should read in German for ``text``, from the server's own count."""
    found = count(text)
    encoding = "GSM-7" if found.encoding == GSM7 else "Unicode"
    return f"{len(text)} Zeichen · {found.count} SMS ({encoding})"


def test_the_sms_counter_follows_the_text_as_the_server_counts_it(new_page, team: Team) -> None:
    agent: Agent = AgentFactory.create(teams=[team], language="de")
    PhoneNumber.objects.create(number="+4930901820", provider=ProviderKind.OUTBOX, team=team, sms=True)
    ticket = TicketFactory.create(team=team, origin_channel="sms", subject="SMS")
    MessageFactory.create(ticket=ticket, channel="sms", text="Hallo?", metadata={"from": CUSTOMER})
    assert reply_route(ticket).channel == "sms"
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    box, counter = page.locator("#composer-text"), page.locator("#composer-sms")

    german = "Grüße aus Köln! Die Lieferung für Herrn Müller ist unterwegs, Übergabe morgen früh. "
    box.press_sequentially(german)
    expect(counter).to_have_text(shown(german))
    assert_accessible(page)  # the SMS composer with its counter
    assert count(german).encoding == GSM7

    # The euro sign is in GSM-7's extension table: two septets; twice the text is two parts.
    priced = german * 2 + "Preis: 5 €"
    box.fill(priced[:-1])
    box.press_sequentially(priced[-1])
    expect(counter).to_have_text(shown(priced))
    assert count(priced).units == count(priced[:-1]).units + 2 and count(priced).count == 2

    # An emoji is no GSM-7 character: the whole text goes as Unicode, in more, shorter parts.
    smiling = priced + " 🙂"
    box.press_sequentially(" 🙂")
    expect(counter).to_have_text(shown(smiling))
    assert count(smiling).encoding != GSM7 and count(smiling).count == 3

    box.fill("")
    box.press_sequentially("ß")
    expect(counter).to_have_text("1 Zeichen · 1 SMS (GSM-7)")


def test_a_note_or_a_reply_by_email_shows_no_sms_counter(new_page, team: Team) -> None:
    agent: Agent = AgentFactory.create(teams=[team], language="de")
    ticket = TicketFactory.create(team=team)
    MessageFactory.create(ticket=ticket, channel="email", metadata={})
    page = new_page(agent)

    page.goto(f"/agent/v/teams/t/{ticket.pk}/")

    expect(page.locator("#composer-text")).to_be_visible()
    expect(page.locator("#composer-sms")).to_have_count(0)
    assert_accessible(page)
