"""Images in an agent's formatted email reply: sent inside the mail (multipart/related, by
Content-ID), never as links to our server, and only those the agent's text still shows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_email.tests import test_outbound_cc as composer
from channels_email.tests.test_outbound_cc import last, send
from channels_email.tests.test_servers import Capture, mailbox, outbox  # noqa: F401
from hub.models import Agent, DraftUpload, Message, Ticket
from hub.tests.factories import AgentFactory
from hub.tests.images import png

pytestmark = pytest.mark.django_db(transaction=True)
# The composer's email tests' own: a customer's mail over a real SMTP server, and what we send.
capture, ticket = composer.capture, composer.ticket


def upload_image(client: Client, ticket: Ticket, name: str = "kratzer.png", data: bytes | None = None) -> dict:
    """An image for the reply's text, as the editor uploads it: its id and URL."""
    image = SimpleUploadedFile(name, png() if data is None else data, content_type="image/png")
    response = client.post(f"/agent/t/{ticket.pk}/uploads/", {"file": image, "inline": "1"})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_image_in_the_text_goes_out_inside_the_mail_and_its_html_names_it_by_content_id(
    ticket: Ticket, agent: Agent, client_for, capture: Capture
) -> None:
    client = client_for(agent)
    image = upload_image(client, ticket)
    # The editor shows the image under its draft URL, which only its agent can load.
    assert client.get(image["url"])["Content-Type"] == "image/png"

    response = send(
        client,
        ticket,
        text="Hier das Foto.",
        html=f'<p>Hier das <b>Foto</b>:</p><p><img src="{image["url"]}" alt="Kratzer"></p>',
    )

    assert response.status_code == 200
    _rcpts, mime = last(capture)
    assert [p.get_content_type() for p in mime.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    related = list(mime.iter_parts())[1]
    html, picture = related.iter_parts()
    content_id = picture["Content-ID"].strip("<>")
    assert picture.get_content() == png()
    assert picture.get_content_disposition() == "inline"
    assert f'<img src="cid:{content_id}" alt="Kratzer">' in html.get_content()
    assert "/agent/" not in html.get_content()
    assert "Hier das Foto." in mime.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert list(mime.iter_attachments()) == []
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert [(a.filename, a.inline, a.content_id) for a in reply.attachments.all()] == [
        ("kratzer.png", True, content_id)
    ]
    assert not DraftUpload.objects.filter(ticket=ticket).exists()
    # The timeline shows it from the scoped attachment download, as a customer's inline image.
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    attachment = reply.attachments.get()
    assert f"src=&quot;/api/v1/attachments/{attachment.pk}/download/&quot;" in page


def test_image_sources_other_than_the_agents_own_uploads_are_dropped(
    ticket: Ticket, agent: Agent, team, client_for, capture: Capture
) -> None:
    colleague = AgentFactory.create(teams=[team])
    theirs = upload_image(client_for(colleague), ticket, "fremd.png")
    hostile = (
        "<p>Text</p>"
        '<img src="https://tracker.example/pixel.gif">'
        '<img src="//tracker.example/pixel.gif">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<img src="javascript:alert(1)">'
        f'<img src="{theirs["url"]}">'
        f'<img src="cid:upload.{theirs["id"]}">'
        '<img src="cid:someone-elses@part">'
    )

    send(client_for(agent), ticket, html=hostile, text="Text")

    reply = Message.objects.get(ticket=ticket, direction="out")
    assert reply.html == "<p>Text</p>"
    assert not reply.attachments.exists()
    _rcpts, mime = last(capture)
    assert [p.get_content_type() for p in mime.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    for word in ("tracker", "data:", "javascript", "cid:", "<img"):
        assert word not in mime.as_string()
    # The colleague's image is still theirs, on their draft.
    assert DraftUpload.objects.filter(pk=theirs["id"]).exists()


def test_an_image_taken_out_of_the_text_before_sending_is_not_sent(
    ticket: Ticket, agent: Agent, client_for, capture: Capture
) -> None:
    client = client_for(agent)
    kept = upload_image(client, ticket, "bleibt.png")
    removed = upload_image(client, ticket, "raus.png", png(rgb=(0, 0, 200)))

    send(client, ticket, html=f'<p>Nur eins: <img src="{kept["url"]}" alt=""></p>', text="Nur eins:")

    images = [p.get_filename() for p in last(capture)[1].walk() if p.get_content_maintype() == "image"]
    assert images == ["bleibt.png"]
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert [a.filename for a in reply.attachments.all()] == ["bleibt.png"]
    # Nobody will send the other one: it is gone from the agent's draft.
    assert not DraftUpload.objects.filter(pk=removed["id"]).exists()


def test_only_png_jpeg_gif_and_webp_images_go_in_the_text(ticket: Ticket, agent: Agent, client_for) -> None:
    client = client_for(agent)
    url = f"/agent/t/{ticket.pk}/uploads/"
    svg = SimpleUploadedFile("bild.svg", b"<svg onload='x()'/>", content_type="image/svg+xml")
    # A browser's word for the type is not enough: the bytes must be that image.
    fake = SimpleUploadedFile("bild.png", b"<html><script>x()</script>", content_type="image/png")

    for file in (svg, fake):
        response = client.post(url, {"file": file, "inline": "1"})
        assert response.status_code == 422
        assert "PNG, JPEG, GIF" in response.json()["error"]
    assert not DraftUpload.objects.filter(ticket=ticket).exists()
