"""SLA countdowns in a real browser: they tick every second, turn "overdue" when the due time
passes, and keep going in a header that htmx swapped in."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hub.models import Agent, SlaClock, SlaState, SlaTarget, Team
from hub.tests.factories import TicketFactory
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seconds_left(page: Page, selector: str) -> int:
    text = page.locator(selector).inner_text()
    found = re.search(r"(\d+) Sek\.", text)
    assert found, text
    return int(found.group(1))


def test_the_header_countdown_ticks_and_turns_overdue_when_due_passes(new_page, agent: Agent, team: Team) -> None:
    due = timezone.now() + timedelta(seconds=6)
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Rückruf", sla_due_at=due, sla_state="warning")
    SlaClock.objects.create(ticket=ticket, target=SlaTarget.FIRST_RESPONSE, state=SlaState.WARNING, due_at=due)
    page = new_page(agent)

    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    clock = page.locator("#ticket-header [data-sla-target='first_response']")
    left = "#ticket-header [data-sla-target='first_response'] .sla-left"
    expect(clock).to_contain_text("Erste Antwort")
    expect(page.locator(left)).to_have_text(re.compile(r"^fällig in \d Sek\.$"))
    assert_accessible(page)  # the clock in its warning state
    first = seconds_left(page, left)
    expect(page.locator(left)).not_to_have_text(f"fällig in {first} Sek.")  # it ticks
    assert seconds_left(page, left) < first

    expect(page.locator(left)).to_have_text(re.compile(r"^überfällig seit \d+ Sek\.$"), timeout=12_000)
    expect(clock).to_have_class(re.compile(r"\bsla-breached\b"))
    expect(clock.locator(".sla-flag")).to_have_count(0)
    # The inbox row's chip went over too.
    row_chip = page.locator(f"#list .row[data-ticket-id='{ticket.pk}'] .sla-chip")
    expect(row_chip.locator(".sla-left")).to_have_text(re.compile(r"^−\d+ Sek\.$"))
    expect(row_chip).to_have_class(re.compile(r"\bsla-breached\b"))
    assert_accessible(page)  # header clock and row chip overdue
    page.screenshot(path=str(SHOTS / "sla-countdown.png"))


def test_a_header_swapped_in_by_htmx_keeps_counting(new_page, agent: Agent, team: Team) -> None:
    due = timezone.now() + timedelta(minutes=1, seconds=5)
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Umtausch", sla_due_at=due, sla_state="ok")
    SlaClock.objects.create(ticket=ticket, target=SlaTarget.RESOLUTION, state=SlaState.OK, due_at=due)
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    left = page.locator("#ticket-header [data-sla-target='resolution'] .sla-left")
    expect(left).to_have_text("fällig in 1 Min.")
    assert_accessible(page)

    # Changing the priority answers with a fresh header (an htmx swap of #ticket-header).
    before = page.locator("#ticket-header").evaluate("el => { el.dataset.old = '1'; return true; }")
    assert before
    page.locator("#ticket-header select[name='priority']").select_option("3")
    expect(page.locator("#ticket-header")).not_to_have_attribute("data-old", "1")

    expect(left).to_have_text(re.compile(r"^fällig in \d+ Sek\.$"), timeout=12_000)
    first = seconds_left(page, "#ticket-header [data-sla-target='resolution'] .sla-left")
    expect(left).not_to_have_text(f"fällig in {first} Sek.")
    assert_accessible(page)  # the swapped-in header
