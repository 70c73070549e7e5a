"""The API cuts a 20 MB body like the ticket page does, and gives the whole of it on its own URL."""

from __future__ import annotations

import nh3
import pytest
from django.test import override_settings

from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

BIG = 20 * 1024 * 1024
ANSWER_LIMIT = 1024 * 1024


def big_text() -> str:
    line = "Bitte prüfen Sie die Rechnung <Nr. 17> & melden Sie sich.\n"
    return (line * (BIG // len(line) + 1))[:BIG] + "ENDE"


def test_a_ticket_with_a_20_mb_mail_answers_under_a_megabyte_with_the_body_cut(api_for, agent, team) -> None:
    ticket = TicketFactory.create(team=team)
    text = big_text()
    message = MessageFactory.create(
        ticket=ticket, text=text, html="<div><p>" + "<b>fett</b> " * 2_000_000 + "</p></div>"
    )
    client = api_for(agent)

    for url in (f"/api/v1/tickets/{ticket.pk}/", f"/api/v1/tickets/{ticket.pk}/messages/"):
        response = client.get(url)

        assert response.status_code == 200
        assert len(response.content) < ANSWER_LIMIT
        body = response.json()
        (row,) = body["messages"] if "messages" in body else body["results"]
        assert row["body_cut"] is True
        assert text.startswith(row["text"]) and 90_000 < len(row["text"]) <= 100_000
        assert row["html"].startswith("<div><p><b>fett</b>") and row["html"].endswith("</p></div>")
        assert nh3.clean(row["html"]) == row["html"]  # cut into closed markup
        assert row["body_url"] == f"http://testserver/api/v1/tickets/{ticket.pk}/messages/{message.pk}/body/"

    whole = client.get(row["body_url"])
    assert whole.status_code == 200
    assert whole.json()["text"] == text
    assert whole.json()["html"].count("<b>fett</b>") == 2_000_000


@override_settings(MESSAGE_DISPLAY_LIMIT_CHARS=1000)
def test_a_short_body_comes_whole_and_not_cut(api_for, agent, team) -> None:
    ticket = TicketFactory.create(team=team)
    MessageFactory.create(ticket=ticket, text="Kurz & gut", html="<p>Kurz</p>", quoted_text="> alt")

    (row,) = api_for(agent).get(f"/api/v1/tickets/{ticket.pk}/messages/").json()["results"]

    assert row["body_cut"] is False
    assert (row["text"], row["html"], row["quoted_text"]) == ("Kurz & gut", "<p>Kurz</p>", "> alt")


def test_the_whole_body_is_scoped_like_the_ticket(api_for, agent, team, other_team) -> None:
    hidden = TicketFactory.create(team=other_team)
    secret = MessageFactory.create(ticket=hidden, text="Geheim")
    mine = TicketFactory.create(team=team)
    client = api_for(agent)

    assert client.get(f"/api/v1/tickets/{hidden.pk}/messages/{secret.pk}/body/").status_code == 404
    assert client.get(f"/api/v1/tickets/{mine.pk}/messages/{secret.pk}/body/").status_code == 404
    assert client.get(f"/api/v1/tickets/{mine.pk}/messages/x/body/").status_code == 404
