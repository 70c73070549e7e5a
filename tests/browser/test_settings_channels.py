"""Channel settings in a real browser: a widget built in the settings and embedded with its
snippet on a page of another origin; a mailbox connection test against real local servers
reporting a wrong password as the servers said it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from playwright.sync_api import Browser, Page, expect

from channels_chat.models import Widget
from channels_email.tests.conftest import IMAP_USER, free_port
from channels_email.tests.conftest import imap_server as imap_server
from channels_web.models import WebForm
from hub.models import Role, Team, Ticket
from hub.tests.factories import AgentFactory, IdentityFactory
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.conftest import signed_in_context
from tests.browser.test_widget import wait_for
from tests.browser.widget_fixtures import LiveHub

live_hub = widget_fixtures.live_hub
browser_page = widget_fixtures.browser_page

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def foreign_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static site on another origin (localhost, not 127.0.0.1): (its origin, its folder)."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    port = free_port()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{port}", tmp_path
    server.shutdown()


def test_a_widget_built_in_the_settings_runs_on_another_origin_from_its_snippet(
    browser: Browser, live_hub: LiveHub, foreign_site, browser_page: Page, team: Team
) -> None:
    origin, folder = foreign_site
    admin = AgentFactory.create(role=Role.ADMIN)
    context = signed_in_context(browser, live_hub.url, admin)
    page = context.new_page()

    page.goto("/agent/settings/chat-widgets/new/")
    page.get_by_label("Name").first.fill("Shop")
    page.get_by_label("Begrüßung (Deutsch)").fill("Moin aus den Einstellungen!")
    page.get_by_label("Websites, die das Widget zeigen dürfen").fill(origin)
    page.locator("#id_prechat-0-field").select_option("email")
    # The live preview follows the unsaved greeting.
    expect(page.frame_locator("#widget-preview").get_by_text("Moin aus den Einstellungen!")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#widget-snippet")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "settings-widget.png"), full_page=True)
    snippet = page.locator("#widget-snippet").inner_text()
    context.close()

    assert f"{live_hub.url}/static/chatwidget/widget.js" in snippet
    widget = Widget.objects.get()
    assert widget.prechat_fields == [{"name": "email", "required": False}]
    (folder / "index.html").write_text(
        f'<!doctype html><html lang="de"><head><title>Shop</title></head><body><h1>Shop</h1>{snippet}</body></html>'
    )

    browser_page.goto(f"{origin}/index.html")
    browser_page.locator("hub-chat button.launcher").click()
    expect(browser_page.locator("hub-chat")).to_contain_text("Moin aus den Einstellungen!")
    assert_accessible(browser_page)


def test_a_visitor_signed_in_on_the_shop_chats_as_the_customer_the_shop_vouched_for(
    browser: Browser, live_hub: LiveHub, foreign_site, browser_page: Page, team: Team
) -> None:
    origin, folder = foreign_site
    known = IdentityFactory.create(value="kunde@example.de").customer
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=[origin])
    context = signed_in_context(browser, live_hub.url, AgentFactory.create(role=Role.ADMIN))
    page = context.new_page()

    page.goto(f"/agent/settings/chat-widgets/{widget.pk}/")
    signed_snippet = page.locator("#widget-signed-snippet").inner_text()
    page.get_by_role("link", name="Identitätsschlüssel anzeigen …").click()
    secret = page.locator("#widget-secret").inner_text().strip()
    assert_accessible(page)
    context.close()
    # The shop's server signs its signed-in user: user id and address on two lines.
    signature = hmac.new(secret.encode(), b"4711\nkunde@example.de", hashlib.sha256).hexdigest()
    tag = signed_snippet.replace('data-user-id="…"', 'data-user-id="4711"')
    tag = tag.replace('data-email="…"', 'data-email="kunde@example.de"')
    tag = tag.replace('data-user-hash="…"', f'data-user-hash="{signature}"')
    (folder / "index.html").write_text(
        f'<!doctype html><html lang="de"><head><title>Shop</title></head><body><h1>Shop</h1>{tag}</body></html>'
    )

    browser_page.goto(f"{origin}/index.html")
    browser_page.locator("hub-chat button.launcher").click()
    box = browser_page.get_by_role("textbox", name="Nachricht")
    box.fill("Wo bleibt meine Bestellung?")
    box.press("Enter")

    ticket = wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())
    assert ticket.customer_id == known.pk


def test_a_web_form_and_a_widget_save_as_the_page_draws_them_with_its_blank_builder_row(new_page, team: Team) -> None:
    page = new_page(AgentFactory.create(role=Role.ADMIN))

    page.goto("/agent/settings/web-forms/new/")
    page.locator("#id_name").fill("Kontakt")
    page.locator("#id_slug").fill("kontakt")
    page.get_by_label("Titel (Deutsch)").fill("Schreiben Sie uns")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Angelegt.")).to_be_visible()
    page.get_by_label("Titel (Deutsch)").fill("Schreiben Sie uns!")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Gespeichert.")).to_be_visible()

    widget = Widget.objects.create(name="Shop", team=team, prechat_fields=[{"name": "name", "required": True}])
    page.goto(f"/agent/settings/chat-widgets/{widget.pk}/")
    page.get_by_label("Begrüßung (Deutsch)").fill("Moin!")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Gespeichert.")).to_be_visible()

    widget.refresh_from_db()
    assert (widget.greeting_de, widget.prechat_fields) == ("Moin!", [{"name": "name", "required": True}])
    assert [f["name"] for f in WebForm.objects.get().fields] == ["name", "email", "subject", "message"]


class Capture:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def refuse(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=isinstance(auth_data, LoginPassword) and auth_data.password == b"richtig", handled=False)


def test_a_mailbox_connection_test_reports_wrong_passwords_as_the_servers_answered(new_page, imap_server: int) -> None:
    smtp_port = free_port()
    smtp = Controller(Capture(), hostname="127.0.0.1", port=smtp_port, authenticator=refuse, auth_require_tls=False)
    smtp.start()
    try:
        page: Page = new_page(AgentFactory.create(role=Role.ADMIN, user__email="admin@hub.example"))
        page.goto("/agent/settings/mailboxes/new/")
        expect(page.get_by_role("button", name="Verbindung testen")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("E-Mail-Adresse").fill("support@hub.example")
        page.get_by_label("IMAP-Server").fill("127.0.0.1")
        page.get_by_label("IMAP-Port").fill(str(imap_server))
        page.get_by_label("IMAP-Verschlüsselung").select_option("none")
        page.get_by_label("IMAP-Benutzer").fill(IMAP_USER)
        page.get_by_label("IMAP-Passwort").fill("falsch")
        page.get_by_label("SMTP-Server").fill("127.0.0.1")
        page.get_by_label("SMTP-Port").fill(str(smtp_port))
        page.get_by_label("SMTP-Verschlüsselung").select_option("none")
        page.get_by_label("SMTP-Benutzer").fill("support@hub.example")
        page.get_by_label("SMTP-Passwort").fill("auch-falsch")
        page.get_by_role("button", name="Verbindung testen").click()

        result = page.locator("#check-result")
        expect(result).to_contain_text("[AUTHENTICATIONFAILED] Invalid authentication credentials.")
        expect(result).to_contain_text("535 5.7.8 Authentication credentials invalid")
        expect(result).to_contain_text("Etwas ist fehlgeschlagen")
        assert_accessible(page)
        page.screenshot(path=str(SHOTS / "settings-mailbox-check.png"), full_page=True)
    finally:
        smtp.stop()
