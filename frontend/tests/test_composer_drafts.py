"""An agent's unsent email reply comes back whole: its formatted text with its images, Cc and Bcc."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.tests.test_servers import mail
from hub.models import Agent, Draft, Ticket
from hub.tests.factories import AgentFactory
from hub.tests.images import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(team) -> Ticket:
    mailbox = Mailbox.objects.create(address="support@hub.example", default_team=team, is_default=True)
    raw = mail("Max <max@kunde.de>", "Kratzer", "<m1@kunde.de>", extra="Cc: anna@kunde.de\r\n")
    return Ticket.objects.get(pk=ingest_now(raw, mailbox=mailbox, source="test").ticket or 0)


def upload_image(client: Client, ticket: Ticket, name: str) -> dict:
    image = SimpleUploadedFile(name, png(), content_type="image/png")
    return client.post(f"/agent/t/{ticket.pk}/uploads/", {"file": image, "inline": "1"}).json()


def save_draft(client: Client, ticket: Ticket, **fields: str) -> None:
    response = client.post(f"/agent/t/{ticket.pk}/draft/", {"mode": "reply"} | fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def composer(client: Client, ticket: Ticket) -> str:
    return client.get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()


def test_a_formatted_draft_with_an_image_cc_and_bcc_comes_back_as_the_agent_left_it(
    ticket: Ticket, agent: Agent, client_for
) -> None:
    client = client_for(agent)
    image = upload_image(client, ticket, "kratzer.png")
    rich = (
        f'<p>Hier der <b>Kratzer</b>:</p><p><img src="{image["url"]}" alt="Kratzer"></p>'
        '<p><img src="https://tracker.example/p.gif"><a href="javascript:x()">weg</a></p>'
    )

    copies = {"cc": "anna@kunde.de, chef@", "bcc": "revision@hub.example"}
    save_draft(client, ticket, text="Hier der Kratzer:", html=rich, **copies)

    draft = Draft.objects.get(ticket=ticket, agent=agent)
    # Stored cleaned, the image by its upload rather than its URL; the address as typed so far.
    assert draft.html == (
        f'<p>Hier der <b>Kratzer</b>:</p><p><img src="cid:upload.{image["id"]}" alt="Kratzer"></p>'
        '<p><a rel="noopener noreferrer">weg</a></p>'
    )
    assert (draft.cc, draft.bcc) == ("anna@kunde.de, chef@", "revision@hub.example")

    page = composer(client, ticket)
    assert 'name="cc" type="text" value="anna@kunde.de, chef@"' in page
    assert 'name="bcc" type="text" value="revision@hub.example"' in page
    restored = f'<p>Hier der <b>Kratzer</b>:</p><p><img src="{image["url"]}" alt="Kratzer"></p>'
    assert f'name="html" value="{html.escape(restored)}' in page
    assert "tracker.example" not in page and "javascript:x()" not in page
    assert "Entwurf wiederhergestellt" in page
    assert client.get(image["url"]).status_code == 200


def test_cc_emptied_in_the_draft_stays_empty_rather_than_suggested_again(
    ticket: Ticket, agent: Agent, client_for
) -> None:
    client = client_for(agent)
    assert 'name="cc" type="text" value="anna@kunde.de"' in composer(client, ticket)

    save_draft(client, ticket, text="Nur an Max.", cc="", bcc="")

    assert 'name="cc" type="text" value=""' in composer(client, ticket)


def test_a_draft_of_only_an_image_is_kept_and_its_image_is_the_agents_alone(
    ticket: Ticket, agent: Agent, team, client_for
) -> None:
    client = client_for(agent)
    image = upload_image(client, ticket, "foto.png")

    save_draft(client, ticket, text="", html=f'<div><img src="{image["url"]}" alt=""></div>')

    draft = Draft.objects.get(ticket=ticket, agent=agent)
    assert draft.html == f'<div><img src="cid:upload.{image["id"]}" alt=""></div>'
    # Inline images are in the text, not among the files beside it.
    assert "foto.png" not in composer(client, ticket)
    colleague = AgentFactory.create(teams=[team])
    assert client_for(colleague).get(image["url"]).status_code == 404
