from __future__ import annotations

import json
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_chat.models import ChatSession, Widget
from channels_chat.tests.conftest import ORIGIN
from channels_chat.tokens import identity_hash
from hub.actions import do_reply
from hub.adapters import get_adapter
from hub.models import Agent, Identity, Ticket
from hub.models.teams import Presence
from hub.tests.factories import CustomerFactory, IdentityFactory

pytestmark = pytest.mark.django_db(transaction=True)


def post(client: Client, url: str, data: dict, token: str = "", origin: str = ORIGIN):
    return client.post(
        url, json.dumps(data), content_type="application/json", headers={"Origin": origin, "X-Visitor-Token": token}
    )


def start(client: Client, widget: Widget, **data) -> dict:
    response = post(client, f"/chat/api/{widget.key}/start", data)
    assert response.status_code == 200, response.content
    return response.json()


def say(client: Client, widget: Widget, token: str, text: str) -> dict:
    response = post(client, f"/chat/api/{widget.key}/messages", {"client_id": uuid.uuid4().hex, "text": text}, token)
    assert response.status_code == 201, response.content
    return response.json()


def test_start_gives_a_token_and_the_widgets_settings_to_an_allowed_origin_only(widget: Widget) -> None:
    client = Client()
    body = start(client, widget)

    assert body["token"] and body["widget"]["colour"] == widget.brand_colour
    assert body["widget"]["greeting"]["de"] == "Hallo!"
    assert body["online"] is False
    refused = post(client, f"/chat/api/{widget.key}/start", {}, origin="https://evil.example")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_the_widget_is_online_when_an_agent_of_its_team_is(widget: Widget, agent: Agent) -> None:
    agent.presence = Presence.ONLINE
    agent.save()

    assert start(Client(), widget)["online"] is True


def test_the_http_fallback_sends_and_polls_the_same_conversation(widget: Widget, agent: Agent) -> None:
    client = Client()
    token = start(client, widget)["token"]
    say(client, widget, token, "per HTTP")
    do_reply(Ticket.objects.get(), agent=agent, text="Antwort", channel="chat")

    polled = client.get(
        f"/chat/api/{widget.key}/messages?after=1", headers={"Origin": ORIGIN, "X-Visitor-Token": token}
    )

    assert [(m["seq"], m["text"]) for m in polled.json()["messages"]] == [(2, "Antwort")]
    other = start(Client(), widget)["token"]
    assert (
        client.get(f"/chat/api/{widget.key}/messages", headers={"Origin": ORIGIN, "X-Visitor-Token": other}).json()[
            "messages"
        ]
        == []
    )


def test_a_claimed_email_never_joins_an_existing_customer(widget: Widget) -> None:
    known = IdentityFactory.create(value="ceo@example.de", customer=CustomerFactory.create(display_name="CEO")).customer
    client = Client()
    token = start(client, widget)["token"]
    post(client, f"/chat/api/{widget.key}/contact", {"name": "Mallory", "email": "ceo@example.de"}, token)

    say(client, widget, token, "Zeig mir meine Rechnungen")

    assert Ticket.objects.get().customer_id != known.pk


def test_an_identity_signed_by_the_host_joins_the_right_customer(widget: Widget) -> None:
    known = IdentityFactory.create(value="kunde@example.de").customer
    client = Client()
    email = "kunde@example.de"
    token = start(client, widget)["token"]
    body = start(client, widget, token=token, identity={"email": email, "hash": identity_hash(widget, email)})
    assert body["identity"]["email"] == email
    say(client, widget, token, "Hallo")
    assert ChatSession.objects.get().verified_email == email

    forged = start(Client(), widget, identity={"email": email, "hash": "00" * 32})

    assert forged["identity"] is None
    assert Ticket.objects.get().customer_id == known.pk


def test_a_signed_in_visitor_cannot_pose_as_another_customer_by_adding_their_email(widget: Widget) -> None:
    victim = IdentityFactory.create(value="chefin@example.de").customer
    client = Client()
    token = start(client, widget)["token"]
    # The host's page signed this visitor's own user id; the visitor adds someone else's address.
    body = start(
        client,
        widget,
        token=token,
        identity={"user_id": "4711", "email": "chefin@example.de", "hash": identity_hash(widget, "4711")},
    )

    assert body["identity"] == {"email": "", "user_id": "4711"}
    say(client, widget, token, "Bitte meine Rechnungen an diese Adresse")
    session = ChatSession.objects.get()
    assert (session.verified_email, session.verified_user_id) == ("", "4711")
    assert Ticket.objects.get().customer_id != victim.pk


def test_a_user_id_and_email_signed_together_join_the_customer_with_that_email(widget: Widget) -> None:
    known = IdentityFactory.create(value="kunde@example.de").customer
    client = Client()
    token = start(client, widget)["token"]
    signed = identity_hash(widget, "4711\nkunde@example.de")
    body = start(client, widget, token=token, identity={"user_id": "4711", "email": "kunde@example.de", "hash": signed})

    assert body["identity"] == {"email": "kunde@example.de", "user_id": "4711"}
    say(client, widget, token, "Hallo")
    assert Ticket.objects.get().customer_id == known.pk


def test_a_user_id_longer_than_the_hub_keeps_is_refused_rather_than_cut(widget: Widget) -> None:
    long_id = "u" * 201

    body = start(Client(), widget, identity={"user_id": long_id, "hash": identity_hash(widget, long_id)})

    assert body["identity"] is None


def test_an_offline_message_becomes_a_ticket_that_is_answered_by_email(widget: Widget) -> None:
    client = Client()
    token = start(client, widget)["token"]

    missing = post(client, f"/chat/api/{widget.key}/offline", {"text": "Rückruf bitte", "client_id": "o1"}, token)
    left = post(
        client,
        f"/chat/api/{widget.key}/offline",
        {"name": "Eva", "email": "Eva@Example.de", "text": "Rückruf bitte", "client_id": "o1"},
        token,
    )

    assert missing.status_code == 400
    assert left.status_code == 201
    ticket = Ticket.objects.get()
    assert Identity.objects.filter(customer=ticket.customer, kind="email", value="eva@example.de").exists()
    usable, reason = get_adapter("chat").can_reply(ticket.pk)
    assert not usable and reason
    assert ChatSession.objects.get().ended_at is not None


def test_an_offline_message_with_an_address_mail_cannot_reach_is_refused(widget: Widget) -> None:
    client = Client()
    token = start(client, widget)["token"]

    refused = post(
        client,
        f"/chat/api/{widget.key}/offline",
        {"name": "Zoe", "email": "zoe@example", "text": "Rückruf bitte", "client_id": "o2"},
        token,
    )

    assert refused.status_code == 400
    assert not Ticket.objects.exists()


def test_the_visitor_gets_the_transcript_by_email(widget: Widget, agent: Agent) -> None:
    client = Client()
    token = start(client, widget)["token"]
    post(client, f"/chat/api/{widget.key}/contact", {"email": "eva@example.de"}, token)
    say(client, widget, token, "Frage")
    do_reply(Ticket.objects.get(), agent=agent, text="Antwort", channel="chat")

    assert post(client, f"/chat/api/{widget.key}/transcript", {}, token).status_code == 200

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["eva@example.de"]
    assert "Frage" in mail.outbox[0].body and "Antwort" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_attachments_are_limited_by_type_and_active_content_is_served_as_download(widget: Widget, settings) -> None:
    client = Client()
    token = start(client, widget)["token"]
    url = f"/chat/api/{widget.key}/messages"
    headers = {"Origin": ORIGIN, "X-Visitor-Token": token}

    html = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    assert client.post(url, {"client_id": "a1", "file": html}, headers=headers).json()["error"] == "file_type"
    settings.CHAT_ATTACHMENT_TYPES = [*settings.CHAT_ATTACHMENT_TYPES, "image/svg+xml"]
    svg = SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>", content_type="image/svg+xml")
    sent = client.post(url, {"client_id": "a2", "text": "Bild", "file": svg}, headers=headers).json()

    download = client.get(sent["message"]["attachment"]["url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert Ticket.objects.get().messages.get().attachments.get().filename == "x.svg"
    settings.CHAT_MAX_ATTACHMENT_BYTES = 10
    big = SimpleUploadedFile("x.pdf", b"%PDF" + b"0" * 100, content_type="application/pdf")
    assert client.post(url, {"client_id": "a3", "file": big}, headers=headers).json()["error"] == "file_too_large"


def test_a_chat_visitors_time_zone_becomes_the_new_customers_and_one_that_is_none_is_dropped(widget: Widget) -> None:
    for zone, text in (("Europe/Vienna", "Grüß Gott"), ("Mars/Olympus", "Hallo von weit weg")):
        client = Client()
        token = start(client, widget, tz=zone)["token"]
        body = {"client_id": uuid.uuid4().hex, "text": text, "lang": "de", "tz": zone}
        assert post(client, f"/chat/api/{widget.key}/messages", body, token).status_code == 201

    by_text = {t.subject: t.customer.timezone for t in Ticket.objects.select_related("customer")}
    assert by_text == {"Grüß Gott": "Europe/Vienna", "Hallo von weit weg": ""}


def test_a_session_the_pre_chat_form_opened_without_a_time_zone_learns_it_from_the_first_message(
    widget: Widget,
) -> None:
    client = Client()
    token = start(client, widget)["token"]
    # As a widget from before time zones sends it.
    contact = {"name": "Heidi", "email": "heidi@example.ch"}
    assert post(client, f"/chat/api/{widget.key}/contact", contact, token).status_code == 200

    body = {"client_id": uuid.uuid4().hex, "text": "Grüezi", "lang": "de", "tz": "Europe/Zurich"}
    assert post(client, f"/chat/api/{widget.key}/messages", body, token).status_code == 201

    assert Ticket.objects.select_related("customer").get().customer.timezone == "Europe/Zurich"
