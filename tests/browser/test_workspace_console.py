"""What a new agent tripped over in the workspace, each shown by the browser's console staying
quiet: Back/Forward, changing a header control while live updates arrive, saving a draft and
the page's icon."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from hub.models import Agent, Team, Ticket
from hub.tests.factories import MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def listen(page: Page) -> list[str]:
    """Everything the page complains about: console errors and warnings, uncaught exceptions,
    failed or aborted requests and HTTP errors."""
    heard: list[str] = []
    page.on("console", lambda m: heard.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: heard.append(f"exception: {e}"))
    page.on("requestfailed", lambda r: heard.append(f"failed: {r.method} {r.url} {r.failure}"))
    page.on("response", lambda r: heard.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return heard


def two_tickets(agent: Agent, team: Team) -> tuple[Ticket, Ticket]:
    first = TicketFactory.create(team=team, assignee=agent, subject="Rechnung doppelt")
    second = TicketFactory.create(team=team, assignee=agent, subject="Lieferung fehlt")
    MessageFactory.create(ticket=first, channel="chat", text="Ich wurde zweimal belastet.")
    MessageFactory.create(ticket=second, channel="chat", text="Mein Paket ist nicht da.")
    return first, second


def test_back_and_forward_between_tickets_throw_no_error(new_page, agent: Agent, team: Team) -> None:
    first, second = two_tickets(agent, team)
    page = new_page(agent)
    heard = listen(page)
    page.goto("/agent/v/mine/")
    page.locator(f"#list .row[data-ticket-id='{first.pk}'] a").click()
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    page.locator(f"#list .row[data-ticket-id='{second.pk}'] a").click()
    expect(page.locator("#ticket-title")).to_contain_text("Lieferung fehlt")

    page.go_back()
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    page.go_back()
    expect(page.locator("#ticket.is-empty")).to_be_attached()
    # The list with no ticket open.
    assert_accessible(page)
    page.go_forward()
    expect(page.locator("#ticket-title")).to_contain_text("Rechnung doppelt")
    page.go_forward()
    expect(page.locator("#ticket-title")).to_contain_text("Lieferung fehlt")
    expect(page.locator("#timeline")).to_contain_text("Mein Paket ist nicht da.")
    assert_accessible(page)

    assert heard == []


def hold_until(page: Page, seen: Callable[[], bool]) -> Callable[[Route], None]:
    """A route handler that lets the request reach the server at once but hands its answer to
    the page only once ``seen()`` holds: the control's request is still in flight meanwhile."""

    def handle(route: Route) -> None:
        response = route.fetch()
        for _ in range(100):
            if seen():
                break
            page.wait_for_timeout(20)
        route.fulfill(response=response)

    return handle


def test_changing_status_assignee_and_priority_while_the_live_update_arrives_aborts_nothing(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = two_tickets(agent, team)[0]
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    heard = listen(page)
    # The change's own live event reaches the page while its request is still in flight; the
    # list's refresh (150 ms after the event) shows the page has acted on it.
    list_refreshes: list[str] = []
    # A list refresh says what it shows (?shown=…): the path is what tells it.
    page.on(
        "request", lambda r: list_refreshes.append(r.url) if r.url.split("?")[0].endswith("/agent/v/mine/") else None
    )
    page.route("**/update/", hold_until(page, lambda: bool(list_refreshes)))

    for name, value, shown in (("status", "pending", "Wartend"), ("priority", "4", "Dringend"), ("assignee", "", None)):
        list_refreshes.clear()
        # The header the answer brings is wired up when it has settled (htmx processes it then).
        settled = (
            "new Promise((done) => document.body.addEventListener('htmx:afterSettle',"
            " (e) => e.detail.target?.id === 'ticket-header' && done()))"
        )
        page.evaluate(f"() => {{ window.headerSettled = {settled}; }}")
        with page.expect_response("**/update/"):
            page.locator(f"#ticket-header select[name={name}]").select_option(value)
        page.evaluate("window.headerSettled")
        expect(page.locator(f"#ticket-header select[name={name}]")).to_have_value(value)
        if shown:
            expect(page.locator("#ticket-header .title-row")).to_contain_text(shown)
        assert list_refreshes, "the live event did not arrive"

    page.unroute_all(behavior="wait")
    # The header as the changes left it: pending, urgent, nobody assigned.
    assert_accessible(page)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee_id) == ("pending", 4, None)
    assert heard == []


def test_saving_a_draft_warns_about_nothing(new_page, agent: Agent, team: Team) -> None:
    ticket = two_tickets(agent, team)[0]
    page = new_page(agent)
    heard = listen(page)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    page.locator("#composer-text").fill("Guten Tag, die Gutschrift ist unterwegs.")
    expect(page.locator("#composer-status")).to_contain_text("Entwurf gespeichert")

    expect(page.locator("#composer-form button.send")).to_be_enabled()
    assert_accessible(page)
    assert heard == []


def test_the_workspace_has_an_icon_and_favicon_ico_is_no_404(new_page, agent: Agent, team: Team) -> None:
    page = new_page(agent)
    heard = listen(page)
    page.goto("/agent/v/mine/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon
    assert_accessible(page)
    assert page.request.get(icon).headers["content-type"].startswith("image/svg+xml")

    fallback = page.request.get("/favicon.ico")
    assert fallback.ok
    assert fallback.headers["content-type"].startswith("image/")
    assert heard == []
