"""The chat widget on a phone (390×844): it opens full-screen rather than as a floating card,
its icons are inline SVG (no emoji glyph the phone may lack), and it keeps its size budget."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from channels_chat.models import Widget
from hub.models import Agent, Team
from hub.models.teams import Presence
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.test_widget import allow
from tests.browser.widget_fixtures import BUILT, LiveHub

live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE: ViewportSize = {"width": 390, "height": 844}
WIDGET_BUDGET = 30 * 1024  # gzipped, as frontend/widget/scripts/budget.mjs checks it at build time


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_on_a_phone_the_widget_opens_full_screen_with_svg_icons_and_within_its_budget(
    live_hub: LiveHub, host_page, phone: Page, agent: Agent, team: Team, tmp_path: Path
) -> None:
    agent.presence = Presence.ONLINE  # someone is there: the widget offers the chat, not the offline form
    agent.save(update_fields=["presence"])
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=[], greeting_de="Moin!")
    url = host_page(live_hub, widget.key)
    # A shop made for phones says so (the host page with its hostile CSS, plus a viewport).
    page = tmp_path / "index.html"
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">'
    page.write_text(page.read_text().replace("<head>", f"<head>{viewport}"))
    allow(widget, url)
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))

    phone.goto(url)
    launcher = phone.get_by_role("button", name="Chat öffnen")
    expect(launcher).to_be_visible()
    assert_accessible(phone)  # the shop on a phone with the closed widget
    launcher.click()
    panel = phone.get_by_role("dialog")
    expect(panel).to_be_visible()
    expect(phone.get_by_text("Moin!")).to_be_visible()

    # Full-screen: the panel covers the whole viewport, and the launcher no longer floats over it.
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, **PHONE}
    expect(launcher).to_be_hidden()
    # Everything the visitor taps is on screen and big enough for a finger.
    controls = [
        panel.get_by_role("textbox", name="Nachricht"),
        panel.locator("label.file"),
        panel.get_by_role("button", name="Senden"),
        panel.get_by_role("button", name="Chat schließen"),
    ]
    for control in controls:
        expect(control).to_be_visible()
        found = control.bounding_box()
        assert found is not None
        assert found["x"] >= 0 and found["x"] + found["width"] <= PHONE["width"]
        assert found["y"] >= 0 and found["y"] + found["height"] <= PHONE["height"]

    assert_accessible(phone)  # the full-screen panel
    phone.screenshot(path=str(SHOTS / "widget-phone.png"))
    # The paperclip and the close button are inline SVG, not characters.
    attach = phone.locator("hub-chat label.file")
    assert attach.locator("svg").count() == 1
    assert "📎" not in attach.inner_text()
    close = panel.get_by_role("button", name="Chat schließen")
    assert close.locator("svg").count() == 1
    assert close.inner_text().strip() == ""
    # "Senden" is read whole, not cut by the narrow screen.
    assert panel.get_by_role("button", name="Senden").evaluate("b => b.scrollWidth <= b.clientWidth")
    file_box, send_box = attach.bounding_box(), panel.get_by_role("button", name="Senden").bounding_box()
    assert file_box and send_box and file_box["height"] >= 44 and send_box["height"] >= 44

    close.click()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_visible()
    assert errors == []

    # The widget stays within its size budget (the build fails past it; the bundle served is that build).
    served = phone.request.get(f"{live_hub.url}/static/chatwidget/widget-app.js").body()
    assert served == BUILT.read_bytes()
    assert len(gzip.compress(served, compresslevel=9)) <= WIDGET_BUDGET
