"""An admin builds a routing rule in the browser, tries it, saves it, and the next mail follows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub import adapters
from hub.models import Role, Team, Ticket
from hub.pipeline import receive
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake() -> Iterator[FakeChannel]:
    adapter = FakeChannel()
    adapters.register(adapter)
    yield adapter
    adapters.unregister(adapter.key)


def choose(page: Page, label: str, value: str) -> None:
    """Pick an option whose change redraws the form (htmx), and wait for the redraw to land."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_label(label, exact=True).select_option(value)
    page.wait_for_timeout(100)  # the swap follows the response


def test_an_admin_builds_a_rule_dry_runs_it_saves_it_and_the_next_mail_is_routed_by_it(
    new_page, fake: FakeChannel
) -> None:
    billing: Team = TeamFactory.create(name="Buchhaltung", slug="billing")
    admin = AgentFactory.create(role=Role.ADMIN)
    TicketFactory.create(subject="Rechnung 12 doppelt")
    page: Page = new_page(admin)

    page.goto("/agent/settings/routing/")
    expect(page.get_by_role("link", name="Neue Regel")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Neue Regel").click()
    expect(page.get_by_label("Name")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Rechnungen")
    page.get_by_role("button", name="Bedingung hinzufügen").click()
    # A changed field or action redraws the form with its own choices: wait for each redraw.
    choose(page, "Feld der Bedingung 1", "body")
    choose(page, "Feld der Bedingung 1", "subject")
    choose(page, "Aktion 1", "set_team")
    page.get_by_label("Wert der Bedingung 1").fill("Rechnung")
    expect(page.get_by_label("Team", exact=True)).to_be_visible()  # the action brought its own field
    page.get_by_label("Team", exact=True).select_option("billing")
    page.get_by_role("button", name="Aktion hinzufügen").click()
    choose(page, "Aktion 2", "set_priority")
    page.get_by_label("Priorität").select_option("high")
    assert_accessible(page)  # the rule with its conditions and actions drawn
    page.get_by_role("button", name=re.compile(r"neuesten \d+ Tickets ausprobieren")).click()

    expect(page.get_by_role("heading", name="Probelauf: nichts wurde geändert")).to_be_visible()
    expect(page.get_by_text("Rechnung 12 doppelt")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "settings-routing-rule.png"), full_page=True)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Regel „Rechnungen“ gespeichert.")).to_be_visible()
    assert_accessible(page)

    event, _ = receive("fake", "browser-1", payload(subject="Rechnung 4711"))
    event.refresh_from_db()
    assert event.ticket_id is not None
    ticket = Ticket.objects.get(pk=event.ticket_id)
    assert (ticket.team, ticket.priority) == (billing, 3)
