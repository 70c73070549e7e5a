"""The inbox's filter bar, orders and saved views in a real browser: filter by channel and
status, sort by created, save the list as a view, see it with its count in the navigation,
and find it all again after a reload."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hub.models import Agent, SavedView, Team, TicketStatus
from hub.tests.factories import TicketFactory
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#list .row-subject").all_inner_texts()]


def test_an_agent_filters_sorts_saves_the_view_and_finds_it_after_a_reload(new_page, agent: Agent, team: Team) -> None:
    now = timezone.now()
    TicketFactory.create(
        team=team,
        subject="Alter Chat",
        origin_channel="chat",
        status=TicketStatus.OPEN,
        created_at=now - timedelta(days=2),
    )
    TicketFactory.create(
        team=team,
        subject="Neuer Chat",
        origin_channel="chat",
        status=TicketStatus.OPEN,
        created_at=now - timedelta(days=1),
        last_activity_at=now - timedelta(hours=5),
    )
    TicketFactory.create(team=team, subject="Neuer Chat, wartend", origin_channel="chat", status=TicketStatus.NEW)
    TicketFactory.create(team=team, subject="Eine Mail", origin_channel="email", status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto("/agent/v/mine/")

    page.goto("/agent/v/teams/")
    expect(page.locator("#list")).to_contain_text("Eine Mail")
    # Subscribed to live updates: the list's catch-up refresh is done before the filters change.
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    page.locator(".list-filters > summary").click()
    page.get_by_label("Kanal").select_option("chat")
    expect(page).to_have_url(re.compile(r"/agent/v/teams/\?channel=chat$"))
    expect(page.locator("#list")).not_to_contain_text("Eine Mail")
    page.get_by_label("Status").select_option("open")
    expect(page).to_have_url(re.compile(r"/agent/v/teams/\?status=open&channel=chat$"))
    expect(page.locator("#list")).not_to_contain_text("wartend")
    # The open filter bar with filters set.
    assert_accessible(page)

    page.locator('.list-sort a[data-sort="created"]').click()
    expect(page).to_have_url(re.compile(r"sort=created"))
    expect(page.locator('.list-sort a[data-sort="created"]')).to_have_attribute("aria-current", "true")
    assert [r.split(" ", 1)[1] for r in rows(page)] == ["Neuer Chat", "Alter Chat"]
    assert_accessible(page)

    # Filters and order replace the current step in the history: Back returns to the view before.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/agent/v/mine/$"))
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/agent/v/teams/\?status=open&channel=chat&sort=created$"))
    expect(page.get_by_label("Kanal")).to_have_value("chat")
    expect(page.get_by_label("Status")).to_have_value("open")
    expect(page.locator("#list")).not_to_contain_text("wartend")

    page.reload()
    expect(page.get_by_label("Kanal")).to_have_value("chat")
    assert [r.split(" ", 1)[1] for r in rows(page)] == ["Neuer Chat", "Alter Chat"]

    # The filter bar stays open while filters are set.
    expect(page.locator(".list-filters")).to_have_attribute("open", "")
    page.locator('[data-save="name"]').fill("Offene Chats")
    page.locator('[data-save="submit"]').click()
    saved = SavedView.objects.get()
    expect(page).to_have_url(re.compile(rf"/agent/v/s{saved.pk}/$"))
    link = page.locator(f'#nav a[data-view="s{saved.pk}"]')
    expect(link).to_contain_text("Offene Chats")
    expect(link.locator(".count")).to_have_text("2")
    expect(link).to_have_attribute("aria-current", "page")

    page.screenshot(path=str(SHOTS / "inbox_saved_view.png"))
    assert_accessible(page)
    page.reload()
    expect(link).to_contain_text("Offene Chats")
    expect(link.locator(".count")).to_have_text("2")
    assert [r.split(" ", 1)[1] for r in rows(page)] == ["Neuer Chat", "Alter Chat"]


def test_a_filter_changed_while_the_last_answer_is_being_set_up_still_applies(
    new_page, agent: Agent, team: Team
) -> None:
    TicketFactory.create(team=team, subject="Offener Chat", origin_channel="chat", status=TicketStatus.OPEN)
    TicketFactory.create(team=team, subject="Neuer Chat, wartend", origin_channel="chat", status=TicketStatus.NEW)
    TicketFactory.create(team=team, subject="Eine Mail", origin_channel="email", status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto("/agent/v/teams/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    # htmx sets up what an answer drew when the swap settles (20 ms); stretched so that the second
    # change surely falls in between, as it can for a quick hand or a busy machine.
    page.evaluate("htmx.config.defaultSettleDelay = 1000")
    page.locator(".list-filters > summary").click()

    page.get_by_label("Kanal").select_option("chat")
    expect(page.locator("#list.htmx-settling, #list .htmx-settling").first).to_be_attached()
    page.get_by_label("Status").select_option("open")

    expect(page).to_have_url(re.compile(r"/agent/v/teams/\?status=open&channel=chat$"))
    expect(page.locator("#list")).not_to_contain_text("wartend")
    expect(page.locator("#list")).to_contain_text("Offener Chat")
