"""A customer answers the survey mail's page in a real browser: the link's rating is chosen,
another is picked, a comment added, and the thanks shown."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from hub import surveys
from hub.models import Team, TicketEvent, TicketStatus
from hub.models.account import SurveyScale
from hub.models.tickets import EventKind
from hub.tests.factories import TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_customer_changes_the_rating_the_link_chose_and_sends_it_with_a_comment(new_page, team: Team) -> None:
    ticket = TicketFactory.create(team=team, subject="Lieferung fehlt", status=TicketStatus.SOLVED, language="de")
    link = urlsplit(surveys.link(ticket.pk, SurveyScale.CSAT, 2))
    page = new_page(None)

    page.goto(f"{link.path}?{link.query}")

    expect(page.get_by_role("heading", name="Wie zufrieden waren Sie mit unserer Hilfe?")).to_be_visible()
    expect(page.get_by_role("radio", name="2")).to_be_checked()
    assert_accessible(page)
    page.get_by_text("5", exact=True).click()
    page.get_by_label("Möchten Sie uns noch etwas sagen? (optional)").fill("Sehr freundlich, danke!")
    page.get_by_role("button", name="Senden").click()

    expect(page.get_by_role("status")).to_contain_text("Wir haben Ihre Bewertung erhalten")
    answer = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SURVEY_ANSWERED)
    assert answer.data == {"rating": 5, "comment": "Sehr freundlich, danke!", "channel": "email"}


def test_the_nps_page_offers_0_to_10_in_english(new_page, team: Team) -> None:
    ticket = TicketFactory.create(team=team, subject="Delivery", status=TicketStatus.SOLVED, language="en")
    link = urlsplit(surveys.link(ticket.pk, SurveyScale.NPS))
    page = new_page(None, locale="de-DE")

    page.goto(link.path)

    expect(page.get_by_role("heading", name="How likely is it that you would recommend us")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(11)
    page.get_by_role("button", name="Send").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_contain_text("Choose a number from 0 to 10.")
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SURVEY_ANSWERED).exists()
