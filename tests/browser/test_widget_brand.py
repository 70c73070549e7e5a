"""The chat widget on a customer's site shows the company's logo and name in its header, with
the answering team under them."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels_chat.models import Widget
from hub.models import Account, Agent, Team
from hub.models.teams import Presence
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.widget_fixtures import LiveHub

live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page
browser_page = widget_fixtures.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A red 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def test_the_widget_header_shows_the_company_logo_and_name_over_the_team(
    live_hub: LiveHub, host_page, browser_page: Page, team: Team, agent: Agent
) -> None:
    Account.objects.update_or_create(
        pk=1, defaults={"name": "Muster GmbH", "logo": PNG, "logo_type": "image/png", "logo_updated_at": timezone.now()}
    )
    agent.presence = Presence.ONLINE
    agent.save()
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=[])
    url = host_page(live_hub, widget.key)
    widget.allowed_origins = ["/".join(url.split("/")[:3])]
    widget.save()
    page = browser_page

    page.goto(url)
    page.get_by_role("button", name="Chat öffnen").click()

    header = page.locator("hub-chat header")
    expect(header.get_by_role("heading", name="Muster GmbH")).to_be_visible()
    expect(header.get_by_text(team.name)).to_be_visible()
    logo = header.locator("img.logo")
    expect(logo).to_be_visible()
    assert (logo.get_attribute("src") or "").startswith(f"{live_hub.url}/brand/logo?v=")
    # The image loaded from the hub, across origins.
    page.wait_for_function(
        "() => document.querySelector('hub-chat').shadowRoot.querySelector('img.logo').naturalWidth === 1"
    )
    assert_accessible(page)  # the branded header
