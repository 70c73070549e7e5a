"""A file an agent sends in a live chat reaches the visitor as a file message of the chat."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels_chat import actions
from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.serialize import message_view
from channels_chat.tokens import new_visitor_token
from hub.models import Message, Ticket
from hub.pipeline import process_batch

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "composer-notice"}


@pytest.fixture
def chat(team) -> tuple[ChatSession, Ticket]:
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    actions.post_visitor_message(session, client_id="hello", text="Haben Sie eine Anleitung?")
    process_batch()
    return session, Ticket.objects.get(pk=actions.ticket_id_for(session) or 0)


def test_an_agents_file_in_a_live_chat_is_a_file_message_the_widget_shows(chat, agent, client_for) -> None:
    session, ticket = chat
    client = client_for(agent)
    pdf = SimpleUploadedFile("Anleitung.pdf", b"%PDF-1.4 anleitung", content_type="application/pdf")
    upload_id = client.post(f"/agent/t/{ticket.pk}/uploads/", {"file": pdf}).json()["id"]

    response = client.post(
        f"/agent/t/{ticket.pk}/send/",
        {"text": "Hier ist sie.", "mode": "reply", "client_id": "c0ffee-0004", "upload": [str(upload_id)]},
        **HX,
    )

    assert response.status_code == 200
    lines = list(ChatMessage.objects.filter(session=session, sender="agent").order_by("seq"))
    assert [(m.text, m.filename) for m in lines] == [("Hier ist sie.", ""), ("", "Anleitung.pdf")]
    shown = message_view(lines[1])["attachment"]
    assert (shown["name"], shown["type"]) == ("Anleitung.pdf", "application/pdf")
    with lines[1].file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 anleitung"
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert [a.filename for a in reply.attachments.all()] == ["Anleitung.pdf"]


def test_a_file_the_chat_does_not_take_is_refused_at_upload(chat, agent, client_for) -> None:
    _session, ticket = chat
    exe = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/x-msdownload")

    response = client_for(agent).post(f"/agent/t/{ticket.pk}/uploads/", {"file": exe})

    assert response.status_code == 422
    assert "application/x-msdownload" in response.json()["error"]
