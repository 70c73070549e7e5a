"""An admin sets up a webhook in the browser, tests it against a real receiver, and an agent's
change then reaches that receiver, signed, with the delivery in the webhook's log."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from playwright.sync_api import Page, expect

from hub.models import Role, Webhook
from hub.tests.factories import AgentFactory, TicketFactory
from hub.tests.receiver import running
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_a_webhook_tests_it_and_a_solved_ticket_reaches_it(new_page, team, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver listens on 127.0.0.1
    admin = AgentFactory.create(role=Role.ADMIN, teams=[team])
    ticket = TicketFactory.create(team=team, assignee=admin, subject="Rechnung doppelt")
    page: Page = new_page(admin)

    with running() as receiver:
        page.goto("/agent/settings/webhooks/")
        expect(page.locator("main")).to_contain_text("Noch keine Webhooks.")
        page.get_by_role("link", name="Neuer Webhook").click()
        page.get_by_label("Name").fill("ERP")
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Status geändert").check()
        assert_accessible(page)
        page.get_by_role("button", name="Speichern").click()

        expect(page).to_have_url(re.compile(r"/agent/settings/webhooks/\d+/$"))
        expect(page.locator("main")).to_contain_text("Angelegt.")
        page.get_by_text("Geheimnis zeigen").click()
        secret = page.locator("#webhook-secret").inner_text()
        assert secret.startswith("whsec_") and secret == str(Webhook.objects.get().secret)

        page.get_by_role("button", name="Testereignis senden").click()
        expect(page.locator("#test-answer")).to_contain_text("Der Empfänger antwortete HTTP 200")
        assert_accessible(page)

        page.goto(f"/agent/t/{ticket.pk}/")
        page.keyboard.press("e")  # solve
        expect(page.locator("#ticket")).to_contain_text("Gelöst")
        for _ in range(50):  # sent by a task after the change's commit
            if "ticket.status_changed" in receiver.events():
                break
            page.wait_for_timeout(100)

        assert "ticket.status_changed" in receiver.events(), receiver.events()
        request = next(r for r in receiver.got if r.headers["X-Hub-Event"] == "ticket.status_changed")
        timestamp, signature = (p.split("=", 1)[1] for p in request.headers["X-Hub-Signature"].split(","))
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
        assert signature == expected
        assert request.json["ticket"]["subject"] == "Rechnung doppelt"
        assert request.json["actor"]["id"] == admin.pk

        page.goto(f"/agent/settings/webhooks/{Webhook.objects.get().pk}/")
        log = page.get_by_role("region", name="Zustellungen")
        expect(log).to_contain_text("ticket.status_changed")
        expect(log).to_contain_text(f"#{ticket.pk}")
        log.get_by_text("Inhalt und Antwort").first.click()
        expect(log).to_contain_text('"subject": "Rechnung doppelt"')
        assert_accessible(page)
