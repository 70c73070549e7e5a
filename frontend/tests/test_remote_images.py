"""A mail's remote images stay hidden until the agent asks; then the hub fetches them, only those
the mail names, only pictures, and only from public addresses unless the admin allows inner ones."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from frontend import remote_images
from hub.models import Agent, Team, Ticket
from hub.tests.factories import AgentFactory
from hub.tests.images import png

pytestmark = pytest.mark.django_db

LOGO = png()
HIDDEN = "Bilder aus dem Internet werden nicht angezeigt"


class ImageServer(ThreadingHTTPServer):
    asked: list[str]


class Handler(BaseHTTPRequestHandler):
    server: ImageServer

    def do_GET(self) -> None:
        self.server.asked.append(self.path)
        pages = {
            "/logo.png": (200, "image/png", LOGO),
            "/zeichnung.svg": (200, "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
            "/riesig.png": (200, "image/png", b"\x89PNG" + b"\0" * (6 * 1024 * 1024)),
        }
        if self.path in ("/gepackt.png", "/langsam.png"):
            packed = self.path == "/gepackt.png"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            if packed:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(gzip.compress(LOGO)) if packed else len(LOGO)))
            self.end_headers()
            if packed:
                self.wfile.write(gzip.compress(LOGO))
                return
            for byte in LOGO[:40]:  # a byte now and then: never slow enough for a read timeout
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
            return
        if self.path == "/umgezogen":
            self.send_response(302)
            self.send_header("Location", "/logo.png")
            self.end_headers()
            return
        status, kind, body = pages.get(self.path, (404, "text/plain", b"nicht da"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve_images() -> Iterator[ImageServer]:
    """A web server on this machine with a picture, a drawing, a redirect and a huge file."""
    server = ImageServer(("127.0.0.1", 0), Handler)
    server.asked = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def images() -> Iterator[ImageServer]:
    with serve_images() as server:
        yield server


def base(server: ImageServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def newsletter(team: Team, server: ImageServer) -> Ticket:
    mailbox = Mailbox.objects.create(address="support@hub.example", default_team=team, is_default=True)
    names = ("logo.png", "zeichnung.svg", "umgezogen", "gepackt.png", "langsam.png")
    imgs = "".join(f'<img src="{base(server)}/{name}" alt="{name}">' for name in names)
    raw = (
        "From: Max <max@kunde.de>\r\nTo: support@hub.example\r\nSubject: Unser Angebot\r\n"
        "Message-ID: <n1@kunde.de>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>Sehen Sie selbst:</p>{imgs}<img src="{base(server)}/riesig.png" alt="riesig">\r\n'
    ).encode()
    return Ticket.objects.get(pk=ingest_now(raw, mailbox=mailbox, source="test").ticket or 0)


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def image_url(ticket: Ticket, src: str) -> str:
    message = ticket.messages.get()
    return f"/agent/t/{ticket.pk}/m/{message.pk}/image/?src={quote(src, safe='')}"


def test_remote_images_wait_for_the_agent_and_then_come_through_the_hub(
    agent: Agent, team: Team, images: ImageServer
) -> None:
    ticket = newsletter(team, images)
    client = signed_in(agent)
    message = ticket.messages.get()

    page = client.get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()
    assert HIDDEN in page and "Bilder anzeigen" in page
    assert f"127.0.0.1:{images.server_address[1]}" not in page
    assert images.asked == []

    shown = client.get(f"/agent/t/{ticket.pk}/?images=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"m-{message.pk}")
    card = shown.content.decode()
    assert f'id="m-{message.pk}"' in card and HIDDEN not in card
    assert image_url(ticket, f"{base(images)}/logo.png") in card

    with override_settings(REMOTE_IMAGES_ALLOW_PRIVATE=True):
        logo = client.get(image_url(ticket, f"{base(images)}/logo.png"))
        moved = client.get(image_url(ticket, f"{base(images)}/umgezogen"))
    assert logo.status_code == 200 and logo.content == LOGO and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff" and "sandbox" in logo["Content-Security-Policy"]
    assert moved.status_code == 200 and moved.content == LOGO
    assert images.asked == ["/logo.png", "/umgezogen", "/logo.png"]


def test_the_hub_fetches_no_inner_address_no_address_the_mail_does_not_name_and_nothing_but_pictures(
    agent: Agent, team: Team, other_team: Team, images: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = newsletter(team, images)
    client = signed_in(agent)

    # By default an inner address is refused before anything is sent to it.
    assert client.get(image_url(ticket, f"{base(images)}/logo.png")).status_code == 502
    assert images.asked == []

    with override_settings(REMOTE_IMAGES_ALLOW_PRIVATE=True):
        assert client.get(image_url(ticket, f"{base(images)}/zeichnung.svg")).status_code == 502
        assert client.get(image_url(ticket, f"{base(images)}/riesig.png")).status_code == 502
        # Compressed (a small file may unpack to gigabytes), or dripped out to hold a thread.
        assert client.get(image_url(ticket, f"{base(images)}/gepackt.png")).status_code == 502
        monkeypatch.setattr(remote_images, "DEADLINE_SECONDS", 0.5)
        assert client.get(image_url(ticket, f"{base(images)}/langsam.png")).status_code == 502
        # Not an open proxy: only what the mail names, and only for who may see the ticket.
        assert client.get(image_url(ticket, f"{base(images)}/geheim.png")).status_code == 404
        stranger = signed_in(AgentFactory.create(teams=[other_team]))
        assert stranger.get(image_url(ticket, f"{base(images)}/logo.png")).status_code == 404
    assert images.asked == ["/zeichnung.svg", "/riesig.png", "/gepackt.png", "/langsam.png"]


def test_a_protocol_relative_image_is_fetched_over_https() -> None:
    assert remote_images.absolute("//cdn.kunde.de/logo.png") == "https://cdn.kunde.de/logo.png"
    assert remote_images.absolute("http://cdn.kunde.de/logo.png") == "http://cdn.kunde.de/logo.png"


@pytest.mark.parametrize("address", ["http://kunde.de:99999/a.png", "http://kunde.de:abc/a.png", "http://[::1/a.png",
                                     "ftp://kunde.de/a.png", "data:image/png;base64,AAAA"])  # fmt: skip
def test_an_address_that_cannot_be_fetched_is_refused_not_an_error(address: str) -> None:
    with pytest.raises(remote_images.Refused):
        remote_images.fetch(address)
