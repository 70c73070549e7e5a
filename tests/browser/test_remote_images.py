"""An agent asks for a newsletter's remote images and sees them, fetched through the hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from frontend.tests.test_remote_images import ImageServer, newsletter, serve_images
from hub.models import Agent, Team
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def images() -> Iterator[ImageServer]:
    with serve_images() as server:
        yield server


def test_an_agent_shows_a_mails_remote_images_on_request(
    new_page, agent: Agent, team: Team, images: ImageServer
) -> None:
    ticket = newsletter(team, images)
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)
    frame = page.frame_locator("#timeline iframe.email-body")
    expect(frame.locator("p")).to_have_text("Sehen Sie selbst:")
    expect(frame.locator("img[src]")).to_have_count(0)
    assert_accessible(page)

    with override_settings(REMOTE_IMAGES_ALLOW_PRIVATE=True):
        page.get_by_role("button", name="Bilder anzeigen").click()
        # The card drawn again, with its images: until then the old frame's logo (no src) is
        # "complete" at once, with no width.
        expect(page.get_by_role("button", name="Bilder anzeigen")).to_have_count(0)
        logo = frame.locator("img[alt='logo.png'][src]")
        expect(logo).to_have_js_property("complete", True)
        assert logo.evaluate("img => img.naturalWidth") > 0
    assert "/logo.png" in images.asked
