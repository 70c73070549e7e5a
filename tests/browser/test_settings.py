"""The settings area in a real browser: the first run, an invitation from mail to sign-in, and
a viewer who finds nothing to change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from hub.models import Agent, Role, Team, TicketStatus
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_first_run_on_an_empty_database_makes_the_first_admin(new_page) -> None:
    page: Page = new_page()

    page.goto("/")
    expect(page.get_by_role("link", name="Hub einrichten")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hub einrichten").click()
    expect(page.get_by_role("heading", name="Richten Sie Ihren Hub ein")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Firmenname").fill("Muster GmbH")
    page.get_by_label("Vorname").fill("Erika")
    page.get_by_label("E-Mail").fill("erika@muster.example")
    page.get_by_label("Benutzername").fill("erika")
    page.locator("#id_password1").fill("lange-geheime-phrase-42")
    page.locator("#id_password2").fill("lange-geheime-phrase-42")
    page.screenshot(path=str(SHOTS / "settings-setup.png"), full_page=True)
    page.get_by_role("button", name="Hub einrichten").click()

    expect(page.get_by_text("Willkommen! Ihr Hub ist eingerichtet")).to_be_visible()
    expect(page.get_by_role("navigation", name="Bereiche der Einstellungen")).to_be_visible()
    assert_accessible(page)
    assert Agent.objects.get(user__username="erika").role == Role.ADMIN
    page.goto("/setup/")
    expect(page).not_to_have_url(re.compile(r"/setup/$"))


def test_an_invited_agent_sets_a_password_from_the_mail_and_signs_in(new_page, team: Team) -> None:
    admin = AgentFactory.create(role=Role.ADMIN)
    page: Page = new_page(admin)

    page.goto("/agent/settings/agents/")
    expect(page.locator("main")).to_contain_text(admin.user.username)
    assert_accessible(page)
    page.get_by_role("link", name="Agent einladen").click()
    expect(page.get_by_role("button", name="Einladung senden")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E-Mail").fill("nina@example.com")
    page.get_by_label("Vorname").fill("Nina")
    page.get_by_label("Support").check()
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_text("Einladung an nina@example.com gesendet.")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "settings-agent.png"), full_page=True)

    link = re.search(r"https?://\S+/invite/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    invitee: Page = new_page()
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("button", name="Passwort setzen und anmelden")).to_be_visible()
    assert_accessible(invitee)
    invitee.locator("#id_password1").fill("eine-gute-lange-phrase")
    invitee.locator("#id_password2").fill("eine-gute-lange-phrase")
    invitee.get_by_role("button", name="Passwort setzen und anmelden").click()
    expect(invitee.locator("#nav")).to_contain_text("Nina")
    assert_accessible(invitee)

    # Signing in again with the new password works too.
    again: Page = new_page()
    again.goto("/login/")
    expect(again.get_by_role("button", name="Anmelden")).to_be_visible()
    assert_accessible(again)
    again.get_by_label("Benutzername").fill("nina@example.com")
    again.get_by_label("Passwort").fill("eine-gute-lange-phrase")
    again.get_by_role("button", name="Anmelden").click()
    expect(again.locator("#nav")).to_contain_text("Nina")


def test_a_viewer_finds_no_control_to_change_anything(new_page, team: Team) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    ticket = TicketFactory.create(team=team, subject="Lieferung fehlt", status=TicketStatus.OPEN)
    MessageFactory.create(ticket=ticket, text="Wo ist mein Paket?")
    page: Page = new_page(viewer)

    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    expect(page.get_by_text("Wo ist mein Paket?")).to_be_visible()
    expect(page.locator("#composer textarea")).to_have_count(0)
    expect(page.locator("#ticket-header select")).to_have_count(0)
    # "Settings" leads a viewer only to their own sign-in (two-factor), no section of the hub's.
    expect(page.get_by_role("link", name="Einstellungen")).to_have_attribute("href", "/agent/two-factor/")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "settings-viewer.png"))

    # Forged requests from the viewer's own session are refused too.
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    forged: list[tuple[str, dict[str, str | float | bool]]] = [
        (f"/agent/t/{ticket.pk}/send/", {"text": "Hallo", "mode": "reply", "client_id": "abcdefgh1234"}),
        (f"/agent/t/{ticket.pk}/update/", {"status": "solved"}),
        ("/agent/settings/account/", {"name": "X", "language": "de", "time_zone": "UTC"}),
    ]
    for url, form in forged:
        response = page.request.post(url, form=form, headers={"X-CSRFToken": token})
        assert response.status == 403, url
    api = page.request.post(f"/api/v1/tickets/{ticket.pk}/notes/", data={"text": "x"}, headers={"X-CSRFToken": token})
    assert api.status == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
