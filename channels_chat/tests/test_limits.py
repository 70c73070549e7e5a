"""A visitor who floods is stopped alone; contact details are throttled; file links expire.

The limits run on whichever cache the run has (Redis, or the embedded local memory).
"""

from __future__ import annotations

import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.tests.conftest import ORIGIN, Connect, receive_until
from channels_chat.tests.test_widget_api import post, start
from channels_chat.tokens import FILE_SALT, new_visitor_token

pytestmark = pytest.mark.django_db(transaction=True)

SHOP_IP = "203.0.113.50"


async def say(ws: WebsocketCommunicator, text: str) -> str:
    """Send a message; "ack" if it was stored, else the error's code."""
    await ws.send_json_to({"type": "message", "client_id": uuid.uuid4().hex, "text": text})
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] in ("ack", "error"):
            return "ack" if frame["type"] == "ack" else str(frame["code"])


@pytest.mark.asyncio
async def test_one_visitor_flooding_does_not_silence_the_others_behind_the_same_address(
    widget: Widget, connect: Connect, settings
) -> None:
    settings.CHAT_RATE_PER_VISITOR = 3
    settings.CHAT_RATE_PER_IP = 6
    flooder = await connect(widget, new_visitor_token(widget)[0], peer=SHOP_IP)
    colleague = await connect(widget, new_visitor_token(widget)[0], peer=SHOP_IP)

    flood = [await say(flooder, f"spam {n}") for n in range(20)]
    colleagues = [await say(colleague, f"Frage {n}") for n in range(3)]

    assert flood == ["ack"] * 3 + ["rate_limited"] * 17
    assert colleagues == ["ack"] * 3
    assert await database_sync_to_async(ChatMessage.objects.count)() == 6
    # Together they used the address's budget: a third visitor waits for the next minute.
    third = await connect(widget, new_visitor_token(widget)[0], peer=SHOP_IP)
    assert await say(third, "Hallo?") == "rate_limited"


@pytest.mark.asyncio
async def test_visitors_on_rotating_ipv6_addresses_of_one_64_share_the_addresss_limit(
    widget: Widget, connect: Connect, settings
) -> None:
    settings.CHAT_RATE_PER_IP = 3
    first = await connect(widget, new_visitor_token(widget)[0], peer="2001:db8:aa:1::10")
    second = await connect(widget, new_visitor_token(widget)[0], peer="2001:db8:aa:1:ffff::2")
    elsewhere = await connect(widget, new_visitor_token(widget)[0], peer="2001:db8:aa:2::10")

    same_network = [await say(first, "a"), await say(first, "b"), await say(second, "c"), await say(second, "d")]

    assert same_network == ["ack", "ack", "ack", "rate_limited"]
    assert await say(elsewhere, "e") == "ack"


@pytest.mark.asyncio
async def test_contact_details_sent_too_often_are_refused_like_messages(
    widget: Widget, visitor, connect: Connect, settings
) -> None:
    settings.CHAT_CONTACT_RATE_PER_VISITOR = 2
    ws = await connect(widget, visitor[0])

    codes = []
    for n in range(4):
        await ws.send_json_to({"type": "contact", "name": "Eva", "email": f"eva{n}@example.de"})
        frame = (await receive_until(ws, "contact_saved") if n < 2 else await receive_until(ws, "error"))[-1]
        codes.append(frame.get("code", frame["type"]))

    assert codes == ["contact_saved", "contact_saved", "rate_limited", "rate_limited"]
    session = await database_sync_to_async(ChatSession.objects.get)()
    assert session.email == "eva1@example.de"


def test_the_http_fallback_limits_contact_details_the_same_way(widget: Widget, settings) -> None:
    settings.CHAT_CONTACT_RATE_PER_VISITOR = 2
    client = Client()
    token = start(client, widget)["token"]
    url = f"/chat/api/{widget.key}/contact"

    codes = [post(client, url, {"name": "Eva", "email": f"eva{n}@example.de"}, token).status_code for n in range(3)]

    assert codes == [200, 200, 429]
    assert post(client, url, {"email": "x@example.de"}, token).json() == {"error": "rate_limited"}
    assert ChatSession.objects.get().email == "eva1@example.de"


# --- file links -------------------------------------------------------------------------------


class SignedYesterday(signing.TimestampSigner):
    """Signs as the hub did a day and an hour ago (a link copied out of yesterday's chat)."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 25 * 3600)


def send_file(client: Client, widget: Widget) -> tuple[str, dict]:
    token = start(client, widget)["token"]
    upload = SimpleUploadedFile("rechnung.pdf", b"%PDF-1.4 rechnung", content_type="application/pdf")
    sent = client.post(
        f"/chat/api/{widget.key}/messages",
        {"client_id": "f1", "text": "Die Rechnung", "file": upload},
        headers={"Origin": ORIGIN, "X-Visitor-Token": token},
    )
    assert sent.status_code == 201, sent.content
    return token, sent.json()["message"]


def test_a_file_link_older_than_a_day_no_longer_opens_and_says_how_to_get_a_fresh_one(widget: Widget) -> None:
    client = Client()
    _token, message = send_file(client, widget)
    stored = ChatMessage.objects.get()
    old = SignedYesterday(salt=FILE_SALT).sign_object(
        {"m": stored.pk, "s": str(stored.session.public_id)}, compress=False
    )

    fresh = client.get(message["attachment"]["url"])
    expired = client.get(f"/chat/files/{old}", headers={"Accept-Language": "en"})
    german = client.get(f"/chat/files/{old}", headers={"Accept-Language": "de"})

    assert fresh.status_code == 200
    assert fresh.getvalue() == b"%PDF-1.4 rechnung"
    assert expired.status_code == 410
    assert "The link has expired." in expired.content.decode()
    assert "Reload the page with the chat" in expired.content.decode()
    assert german.status_code == 410
    assert "Der Link ist abgelaufen." in german.content.decode()


def test_a_shorter_link_lifetime_is_a_setting(widget: Widget, settings) -> None:
    client = Client()
    _token, message = send_file(client, widget)
    stored = ChatMessage.objects.get()
    old = SignedYesterday(salt=FILE_SALT).sign_object(
        {"m": stored.pk, "s": str(stored.session.public_id)}, compress=False
    )

    settings.CHAT_FILE_LINK_MAX_AGE_SECONDS = 26 * 3600
    assert client.get(f"/chat/files/{old}").status_code == 200
    settings.CHAT_FILE_LINK_MAX_AGE_SECONDS = 3600
    assert client.get(f"/chat/files/{old}").status_code == 410
    assert client.get(message["attachment"]["url"]).status_code == 200


def test_loading_the_conversation_again_gives_links_that_work_and_forged_ones_are_not_found(widget: Widget) -> None:
    client = Client()
    token, _message = send_file(client, widget)

    polled = client.get(
        f"/chat/api/{widget.key}/messages?after=0", headers={"Origin": ORIGIN, "X-Visitor-Token": token}
    ).json()
    url = polled["messages"][0]["attachment"]["url"]

    assert client.get(url).status_code == 200
    assert client.get(url[:-2] + ("AA" if not url.endswith("AA") else "BB")).status_code == 404
    assert client.get("/chat/files/not-a-link").status_code == 404
